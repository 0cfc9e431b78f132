"""Output that is safe for a terminal and bounded, through real pushes and commits: C1 and bidi
controls in a pushed branch name never reach the pushing terminal raw, and one 1 MiB line of
test output does not reach the terminal or the store whole."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from metawsm_hooks.output import printable
from testing.util import cli, commit_all, git, write, write_policy

RAW = ("\u009b", "\u202e", "\u2066", "\u0085")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("a\u009b31mb", "a\\u009b31mb", id="8-bit-csi"),
        pytest.param("x\u202ey", "x\\u202ey", id="right-to-left-override"),
        pytest.param("\u2067z", "\\u2067z", id="right-to-left-isolate"),
        pytest.param("\x1b[2J", "\\x1b[2J", id="ansi-clear"),
        pytest.param("é中", "é中", id="printable-kept"),
    ],
)
def test_printable_escapes_terminal_controls(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_printable_is_bounded() -> None:
    shown = printable("x" * 100_000)
    assert len(shown) < 4200 and shown.endswith("(95904 more characters)")


def test_a_hostile_branch_name_reaches_the_pusher_escaped(tmp_path: Path, on_path: None) -> None:
    remote = tmp_path / "srv" / "repo.git"
    remote.parent.mkdir()
    git(tmp_path, "init", "-q", "--bare", str(remote))
    assert cli(remote, "install", "--hook-type", "pre-receive").returncode == 0
    client = tmp_path / "client"
    git(tmp_path, "clone", "-q", str(remote), str(client))
    write(client, "a.txt")
    commit_all(client, "x")
    branch = "abc-1/repo/run-1\u009b2J\u202efdp.exe"
    proc = git(client, "push", "origin", f"HEAD:refs/heads/{branch}", check=False)
    # git's own lines (" ! [remote rejected] NAME") are git's; the hook's come as "remote:".
    ours = "\n".join(
        line
        for line in proc.stderr.decode("utf-8", "replace").splitlines()
        if line.startswith("remote:")
    )
    assert proc.returncode != 0
    assert "\\u009b2J\\u202efdp.exe" in ours
    assert not any(raw in ours for raw in RAW)


def test_one_long_line_of_test_output_is_bounded(hooked: Path) -> None:
    write_policy(
        hooked,
        {
            "required_checks": ["tests"],
            "test_commands": ["python3 -c \"print('y' * 1048576); raise SystemExit(1)\""],
        },
    )
    git(hooked, "add", "-A")
    proc = git(hooked, "commit", "-m", "ABC-1: tests fail loudly", check=False)
    assert proc.returncode != 0
    shown = proc.stdout + proc.stderr
    assert b"more bytes" in shown
    assert len(shown) < 16 * 1024, len(shown)
    with sqlite3.connect(hooked / ".metawsm" / "metawsm.db") as db:
        longest = db.execute(
            "SELECT max(length(report_json) + length(detail)) FROM hook_runs"
        ).fetchone()[0]
    assert longest < 32 * 1024
