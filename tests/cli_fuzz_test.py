"""Fuzzing every command's arguments: whatever they hold (huge numbers, names over 255 bytes,
NUL bytes, control characters, flags in odd places), each run ends with exit 0, 1 or 2 and one
clear message, never an internal error or a traceback, and a message quotes a bounded part of
what it was given. Runs ``main`` in-process, derandomized (see ``testing.util``)."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from metawsm_hooks.main import main
from testing.util import FUZZ, commit_all, git, write, write_policy

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
