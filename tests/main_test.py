"""The CLI's own commands through the real console script: validate, schema, branch, errors.

Then every command's arguments fuzzed: whatever they hold (huge numbers, names over 255 bytes,
NUL bytes, control characters, flags in odd places), each run ends with exit 0, 1 or 2 and one
clear message, never an internal error or a traceback, and a message quotes a bounded part of
what it was given. Runs ``main`` in-process, derandomized (see ``testing.util``)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from metawsm_hooks.main import main
from testing.util import FUZZ, cli, commit_all, git, write, write_policy

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "policy.example.json"


def test_validate_example_policy(tmp_path: Path) -> None:
    proc = cli(tmp_path, "validate", str(EXAMPLE))
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout


def test_validate_json_reports_every_error_with_path_and_line(tmp_path: Path) -> None:
    policy = write(
        tmp_path,
        "p.json",
        '{\n  "version": 0,\n  "git_pr": {\n    "mode": "loud",\n'
        '    "required_checks": ["tests", "", "lint"]\n  }\n}\n',
    )
    proc = cli(tmp_path, "validate", str(policy), "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    [entry] = doc["files"]
    assert entry["valid"] is False
    found = {(e["path"], e["line"]) for e in entry["errors"]}
    assert ("version", 2) in found
    assert ("git_pr.mode", 4) in found
    assert ("git_pr.required_checks[1]", 5) in found
    assert ("git_pr.required_checks[2]", 5) in found


def test_validate_invalid_json_gives_line_and_column(tmp_path: Path) -> None:
    policy = write(tmp_path, "p.json", '{\n  "version": 2,,\n}\n')
    proc = cli(tmp_path, "validate", str(policy), "--format", "json")
    assert proc.returncode == 1
    [error] = json.loads(proc.stdout)["files"][0]["errors"]
    assert error["line"] == 2
    assert error.get("column")


def test_validate_unknown_key_warns_and_strict_fails(tmp_path: Path) -> None:
    policy = write(tmp_path, "p.json", '{"git_pr": {"requred_checks": ["tests"]}}')
    proc = cli(tmp_path, "validate", str(policy))
    assert proc.returncode == 0
    assert 'did you mean "required_checks"' in proc.stderr
    proc = cli(tmp_path, "validate", "--strict", str(policy))
    assert proc.returncode == 1


def test_validate_missing_explicit_path_is_an_error(tmp_path: Path) -> None:
    proc = cli(tmp_path, "validate", str(tmp_path / "nope.json"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr


def test_validate_repository_default_without_file_uses_defaults(repo: Path) -> None:
    proc = cli(repo, "validate")
    assert proc.returncode == 0
    assert "built-in defaults" in proc.stderr


def test_validate_from_a_subfolder(repo: Path) -> None:
    write(repo, ".metawsm/policy.json", '{"version": -1}')
    (repo / "sub" / "dir").mkdir(parents=True)
    proc = cli(repo / "sub" / "dir", "validate")
    assert proc.returncode == 1
    assert "version" in proc.stderr


def test_schema_is_json_schema(tmp_path: Path) -> None:
    proc = cli(tmp_path, "schema")
    assert proc.returncode == 0
    doc = json.loads(proc.stdout)
    assert doc["type"] == "object"
    assert "git_pr" in doc["properties"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["--ticket", "METAWSM-009", "--repo", "metawsm/api", "--run", "run-20260208-120000"],
            "metawsm-009/metawsm-api/run-20260208-120000",
            id="default-template",
        ),
        pytest.param(
            [
                "--ticket",
                "METAWSM-009",
                "--repo",
                "metawsm",
                "--run",
                "r",
                "--template",
                "{repo}/changes/{ticket}",
            ],
            "metawsm/changes/metawsm-009",
            id="custom-template",
        ),
    ],
)
def test_branch_render(tmp_path: Path, args: list[str], expected: str) -> None:
    proc = cli(tmp_path, "branch", "render", *args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == expected


def test_branch_check_json(repo: Path) -> None:
    proc = cli(repo, "branch", "check", "abc-1/repo/run-1", "--format", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {
        "branch": "abc-1/repo/run-1",
        "matches": True,
        "ticket": "abc-1",
        "repo": "repo",
        "run": "run-1",
        "blank": [],
    }
    git(repo, "checkout", "-q", "-b", "Main")
    proc = cli(repo, "branch", "check", "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["branch"] == "Main" and doc["matches"] is False


def test_branch_check_uses_the_policy_template(repo: Path) -> None:
    write(repo, ".metawsm/policy.json", '{"git_pr": {"branch_template": "feature/{ticket}"}}')
    assert cli(repo, "branch", "check", "feature/abc-1").returncode == 0
    proc = cli(repo, "branch", "check", "abc-1/repo/run-1")
    assert proc.returncode == 1
    assert "a fitting name: feature/abc-1" in proc.stdout  # the user's own ticket kept


def test_branch_check_in_linked_worktree(repo: Path, tmp_path: Path) -> None:
    write(repo, "a.txt")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "x")
    git(repo, "worktree", "add", "-q", "-b", "abc-2/repo/run-2", str(tmp_path / "wt"))
    proc = cli(tmp_path / "wt", "branch", "check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([], id="no-command"),
        pytest.param(["frobnicate"], id="unknown-command"),
        pytest.param(["branch", "render"], id="missing-required"),
        pytest.param(["run", "post-merge"], id="unknown-stage"),
        pytest.param(["run", "commit-msg"], id="stage-missing-args"),
        pytest.param(["status", "--limit", "many"], id="bad-int"),
    ],
)
def test_usage_errors_exit_2_in_one_line(repo: Path, args: list[str]) -> None:
    proc = cli(repo, *args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0, proc.stderr


def test_outside_a_repository(tmp_path: Path) -> None:
    proc = cli(tmp_path, "run", "pre-commit")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "git" in proc.stderr


def test_help_everywhere(tmp_path: Path) -> None:
    for args in (
        ["--help"],
        ["validate", "--help"],
        ["branch", "check", "--help"],
        ["run", "--help"],
        ["pr", "record", "--help"],
    ):
        proc = cli(tmp_path, *args)
        assert proc.returncode == 0, args
        assert "usage:" in proc.stdout


def test_an_option_value_of_two_dashes_is_a_value(tmp_path: Path) -> None:
    proc = cli(
        tmp_path, "branch", "render", "--ticket=--", "--repo", "r", "--run", "1", "--template=--"
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "x\n", "")
    proc = cli(tmp_path, "branch", "render", "--ticket=--", "--repo=r", "--run=1", "--template=")
    assert (proc.returncode, proc.stdout) == (0, "x/r/1\n")


def test_branch_check_fits_what_metawsm_renders_from_a_blank_ticket(repo: Path) -> None:
    rendered = cli(repo, "branch", "render", "--ticket", "[\t]", "--repo", "r", "--run", "1")
    assert rendered.stdout == "r/1\n", rendered.stderr
    proc = cli(repo, "branch", "check", "r/1")
    assert proc.returncode == 0, proc.stdout
    assert "r/1: fits; ticket= repo=r run=1; only with a white-space-only ticket" in proc.stdout


def test_python_dash_m_runs_the_same_main(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "metawsm_hooks", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == cli(tmp_path, "--version").stdout
    assert proc.stdout.startswith("metawsm-hooks ")


# --- fuzzed: every command's arguments, in-process -----------------------------------------------


# Every command (and branch action) with the options it takes.
COMMANDS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("validate",): ("--strict", "--format", "--policy"),
    ("schema",): (),
    ("branch", "render"): ("--ticket", "--repo", "--run", "--template", "--policy"),
    ("branch", "check"): ("--format", "--policy"),
    ("ci",): ("--base", "--head", "--branch", "--format", "--policy", "--db"),
    ("init",): ("--force",),
    ("install",): ("--hook-type", "--home"),
    ("uninstall",): ("--hook-type",),
    ("doctor",): ("--policy", "--db", "--format"),
    ("onboard",): ("--force", "--home"),
    ("status",): ("--ticket", "--limit", "--format", "--db"),
    ("pr", "record"): ("--url", "--number", "--state", "--branch", "--db", "--policy"),
    ("run", "pre-commit"): ("--policy", "--db", "--format"),
    ("run", "commit-msg"): ("--policy", "--db", "--format"),
    ("run", "pre-push"): ("--policy", "--db", "--format"),
    ("run", "pre-receive"): ("--policy", "--db", "--format"),
}
FLAGS = sorted({flag for flags in COMMANDS.values() for flag in flags})

_values = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "9" * 30,
            "1e400",
            "a" * 300,
            "/tmp/" + "b" * 300 + "/x.db",
            "x/" * 3000,
            "json",
            "human",
            "open",
            "HEAD",
            "--",
            "-",
            "{ticket}" * 500,
            "https://deploy:TOKEN@host/o/n/pull/7",
            "\x1b[2J\u009b\u202e",
            "a\x00b",
        ]
    ),
    st.text(max_size=40),
)
_arguments = st.lists(st.one_of(st.sampled_from(FLAGS), _values), max_size=6)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository on a fitting branch, with a policy; stdin is empty as in a hook."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    write_policy(repo, {"required_checks": ["forbidden_files"]})
    write(repo, "README.md")
    commit_all(repo, "initial")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("METAWSM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("sys.stdin", open(os.devnull))  # noqa: SIM115 (closed by pytest's monkeypatch)
    return repo


def run_main(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue() + err.getvalue()


@FUZZ
@given(command=st.sampled_from(sorted(COMMANDS)), rest=_arguments)
@example(command=("status",), rest=["--limit", "9" * 30])
@example(command=("status",), rest=["--db", "/tmp/" + "b" * 300 + "/x.db"])
@example(command=("pr", "record"), rest=["--url", "u", "--number", "9" * 30])
@example(command=("run", "pre-commit"), rest=["--db", "/tmp/" + "b" * 300 + "/x.db"])
@example(command=("validate",), rest=["a" * 300])
@example(command=("ci",), rest=["--base", "a" * 3000, "--head", "HEAD"])
@example(command=("doctor",), rest=["--policy", "a\x00b"])
def test_every_command_ends_cleanly_whatever_its_arguments(
    world: Path, command: tuple[str, ...], rest: list[str]
) -> None:
    code, text = run_main([*command, *rest])
    assert code in (0, 1, 2), (code, text)
    assert "Traceback" not in text, text
    assert "internal error" not in text, text
    if code != 0:
        assert text.strip(), "a failure says why"
    for line in text.splitlines():
        assert len(line) <= 4200, line[:200]
