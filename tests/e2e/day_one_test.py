"""A freshly onboarded repository works on day one, through real git with the hooks installed:
the base branch is not held to the branch template, suggested names are real and the same
everywhere, and a missing operator command is a warning, not a failure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, output, write, write_policy

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def fresh(tmp_path: Path, on_path: None) -> Path:
    """A new repository named ``widgets`` on an unborn main, onboarded with metawsm's defaults
    (whose operator command, ``codex``, is not installed here)."""
    repo = tmp_path / "widgets"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    return repo


def test_onboard_then_first_commit_on_main(fresh: Path) -> None:
    proc = cli(fresh, "onboard")
    text = output(proc)
    assert proc.returncode == 0, text
    assert "warning" in text and "codex" in text  # the operator command is missing
    assert "'main' (workspace.base_branch) is exempt from the branch template" in text
    write(fresh, "README.md", "hello\n")
    git(fresh, "add", "README.md")
    proc = git(fresh, "commit", "-q", "-m", "first", check=False)
    assert proc.returncode == 0, output(proc)
    write(fresh, "src/app.py", "print(1)\n")
    git(fresh, "add", "src/app.py")
    proc = git(fresh, "commit", "-q", "-m", "second", check=False)
    assert proc.returncode == 0, output(proc)
    assert git(fresh, "log", "--format=%s", "-1").stdout.decode().strip() == "second"


def test_doctor_warns_but_passes_without_the_operator_command(fresh: Path) -> None:
    assert cli(fresh, "onboard").returncode == 0
    proc = cli(fresh, "doctor")
    assert proc.returncode == 0, output(proc)
    assert re.search(r"operator command\s+warning", output(proc))
    assert "fix: install codex" in output(proc)


def test_other_base_branch_and_exempt_branches(fresh: Path) -> None:
    write_policy(
        fresh,
        {"required_checks": ["forbidden_files"]},
        workspace={"base_branch": "trunk"},
        hooks={"exempt_branches": ["release/*"]},
    )
    commit_all(fresh, "initial")
    assert cli(fresh, "install").returncode == 0
    for branch, code in (("trunk", 0), ("release/1.0", 0), ("main", 1)):
        git(fresh, "checkout", "-q", "-B", branch)
        write(fresh, f"{branch.replace('/', '_')}.txt")
        git(fresh, "add", "-A")
        proc = git(fresh, "commit", "-q", "-m", f"on {branch}", check=False)
        assert proc.returncode == code, (branch, output(proc))


def suggestion(text: str) -> str:
    found = re.search(r"a fitting name: (\S+)", text)
    assert found, text
    return found.group(1)


@pytest.mark.parametrize(
    ("branch", "expected"),
    [
        pytest.param("WIP.Thing", r"your-ticket/widgets/run-\d{8}-\d{6}", id="no-usable-part"),
        pytest.param("ABC-12", r"abc-12/widgets/run-\d{8}-\d{6}", id="ticket-upper-case"),
        pytest.param("feature/ABC-12-login", r"abc-12/widgets/run-\d{8}-\d{6}", id="ticket-inside"),
        pytest.param("abc-12/Widgets/run-7", r"abc-12/widgets/run-7", id="only-case-wrong"),
    ],
)
def test_hook_and_branch_check_suggest_the_same_real_name(
    fresh: Path, branch: str, expected: str
) -> None:
    write_policy(fresh, {"required_checks": ["forbidden_files"]})
    commit_all(fresh, "initial")
    assert cli(fresh, "install").returncode == 0
    git(fresh, "checkout", "-q", "-b", branch)
    check = cli(fresh, "branch", "check")
    assert check.returncode == 1, output(check)
    write(fresh, "a.txt")
    git(fresh, "add", "a.txt")
    commit = git(fresh, "commit", "-q", "-m", "x", check=False)
    assert commit.returncode == 1, output(commit)
    named = suggestion(output(check))
    assert named == suggestion(output(commit))
    assert re.fullmatch(expected, named), named
    assert "metawsm-001" not in named
    # The suggestion really fits.
    assert cli(fresh, "branch", "check", named).returncode == 0


def test_readme_install_commands_work_as_written() -> None:
    text = README.read_text(encoding="utf-8")
    # Not on the package index: every pip install names a path or a git URL.
    for line in re.findall(r"pip install [^\n`]*", text):
        target = line.split()[-1].strip("'\"")
        assert target.startswith(("./", "/", "git+", ".")) or "git+" in line, line
    assert "rev: v0.1.0" not in text
    assert "'main' (workspace.base_branch)" in text or "`workspace.base_branch`" in text


@pytest.mark.slow
def test_documented_pip_installs_work(tmp_path: Path) -> None:
    """``pip install PATH`` and ``pip install "git+URL@REV"``, as the README writes them, on a
    snapshot of this repository."""
    import shutil
    import subprocess
    import sys

    root = README.parent
    snapshot = tmp_path / "metawsm-hooks"
    ignore = shutil.ignore_patterns(
        ".git", ".venv", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "build"
    )
    shutil.copytree(root, snapshot, ignore=ignore)
    git(snapshot, "init", "-q")
    commit_all(snapshot, "snapshot")
    rev = git(snapshot, "rev-parse", "HEAD").stdout.decode().strip()
    for name, target in (("path", str(snapshot)), ("git", f"git+file://{snapshot}@{rev}")):
        into = tmp_path / name
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--target",
                str(into),
                target,
            ],
            capture_output=True,
            check=False,
        )
        assert proc.returncode == 0, output(proc)
        assert (into / "metawsm_hooks" / "main.py").is_file()


@pytest.mark.parametrize(
    ("framework", "expected"),
    [
        pytest.param(False, "'metawsm-hooks validate'", id="native"),
        pytest.param(True, "'pre-commit run metawsm-policy --all-files'", id="pre-commit"),
    ],
)
def test_invalid_policy_names_a_command_that_is_there(
    fresh: Path, framework: bool, expected: str
) -> None:
    """Under the pre-commit framework metawsm-hooks is not on the user's PATH: the advice names
    the framework's hook instead."""
    write(fresh, ".metawsm/policy.json", '{"git_pr": {"required_checks": ["lint"]}}\n')
    git(fresh, "add", "-A")
    proc = cli(fresh, "run", "pre-commit", env={"PRE_COMMIT": "1"} if framework else {})
    assert proc.returncode == 1, output(proc)
    assert expected in output(proc)
    assert ("metawsm-hooks validate" in output(proc)) is not framework
