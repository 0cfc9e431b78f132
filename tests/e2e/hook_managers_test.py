"""prek and lefthook running the hooks, through real git pushes: prek (like the pre-commit
framework) hands its pre-push hook one ref, so a push of several is refused rather than
half-checked; lefthook with the README's ``lefthook.yml`` checks every ref, and without
``use_stdin: true`` says that no refs were received instead of passing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from testing.util import commit_all, git, output, write, write_policy

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


@pytest.fixture
def two_branches(tmp_path: Path, on_path: None) -> tuple[Path, Path]:
    """A repository with a policy, a remote that has main, a fitting branch with an ordinary
    file and another with a forbidden one (committed past the hooks)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_policy(
        repo, {"required_checks": ["forbidden_files"]}, hooks={"exempt_branches": ["main"]}
    )
    commit_all(repo, "policy")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "-b", "abc-1/repo/run-1")
    write(repo, "ok.py", "print(1)\n")
    commit_all(repo, "ABC-1: ok")
    git(repo, "checkout", "-q", "-b", "abc-2/repo/run-2", "main")
    write(repo, "id_rsa", "key\n")
    commit_all(repo, "ABC-2: a key")
    return repo, remote


def remote_branches(remote: Path) -> list[str]:
    out = git(remote, "for-each-ref", "--format=%(refname)", "refs/heads").stdout.decode()
    return out.split()


def test_prek_pre_push_never_passes_refs_it_did_not_see(two_branches: tuple[Path, Path]) -> None:
    repo, remote = two_branches
    prek = tool("prek")
    write(
        repo,
        ".pre-commit-config.yaml",
        "repos:\n- repo: local\n  hooks:\n  - id: metawsm-pre-push\n    name: metawsm pre-push\n"
        "    entry: metawsm-hooks run pre-push\n    language: system\n    stages: [pre-push]\n"
        "    pass_filenames: false\n    always_run: true\n    verbose: true\n",
    )
    proc = subprocess.run(
        [prek, "install", "--hook-type", "pre-push"], cwd=repo, capture_output=True, check=False
    )
    assert proc.returncode == 0, output(proc)
    proc = git(repo, "push", "origin", "abc-1/repo/run-1", "abc-2/repo/run-2", check=False)
    assert proc.returncode != 0, output(proc)
    assert "2 refspecs" in output(proc) and "one ref only" in output(proc)
    assert remote_branches(remote) == ["refs/heads/main"]
    proc = git(repo, "push", "origin", "abc-1/repo/run-1", check=False)
    assert proc.returncode == 0, output(proc)
    assert "pre-push passed for refs/heads/abc-1/repo/run-1, the one ref" in output(proc)


def documented_lefthook_yml() -> str:
    found = re.search(r"```yaml\n# lefthook.yml\n(.*?)```", README.read_text(), flags=re.S)
    assert found, "the README shows a lefthook.yml"
    return found.group(1)


@pytest.mark.parametrize("use_stdin", [True, False], ids=["documented", "without-use_stdin"])
def test_lefthook_with_the_documented_config(
    two_branches: tuple[Path, Path], use_stdin: bool
) -> None:
    repo, remote = two_branches
    lefthook = tool("lefthook")
    config = documented_lefthook_yml()
    assert "use_stdin: true" in config
    if not use_stdin:
        config = config.replace("      use_stdin: true\n", "")
    write(repo, "lefthook.yml", config)
    proc = subprocess.run([lefthook, "install"], cwd=repo, capture_output=True, check=False)
    assert proc.returncode == 0, output(proc)
    proc = git(repo, "push", "origin", "abc-1/repo/run-1", "abc-2/repo/run-2", check=False)
    text = output(proc)
    if use_stdin:
        assert proc.returncode != 0, text
        assert "id_rsa" in text
        assert remote_branches(remote) == ["refs/heads/main"]
    else:
        assert "no refs received" in text and "use_stdin: true" in text, text
        assert "pre-push passed" not in text
