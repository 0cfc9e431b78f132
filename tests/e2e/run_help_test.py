"""``run STAGE --help`` prints the usage and runs nothing; a hook git calls with ``--help`` as a
real argument (a remote of that name) is still enforced."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, write


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["run", "--help"], id="run"),
        pytest.param(["run", "-h"], id="run-short"),
        pytest.param(["run", "pre-commit", "--help"], id="pre-commit"),
        pytest.param(["run", "commit-msg", "--help"], id="commit-msg"),
        pytest.param(["run", "commit-msg", "-h"], id="commit-msg-short"),
        pytest.param(["run", "prepare-commit-msg", "--help"], id="prepare-commit-msg"),
        pytest.param(["run", "pre-push", "--help"], id="pre-push-alone"),
        pytest.param(["run", "pre-receive", "--help"], id="pre-receive"),
        pytest.param(["run", "reference-transaction", "-h"], id="reference-transaction"),
    ],
)
def test_help_prints_usage_and_runs_nothing(hooked: Path, args: list[str]) -> None:
    # A staged forbidden file: a stage that ran would block, and would write an audit row.
    write(hooked, ".env", "TOKEN=x\n")
    git(hooked, "add", ".env")
    proc = cli(hooked, *args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: metawsm-hooks run"), proc.stdout
    assert "passed" not in proc.stdout + proc.stderr
    assert "blocked" not in proc.stdout + proc.stderr
    assert not (hooked / ".metawsm" / "metawsm.db").exists()


def test_push_to_a_remote_named_help_is_still_enforced(hooked: Path, tmp_path: Path) -> None:
    # git passes the remote's name first: pre-push gets "--help URL", which is a push, not help.
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(hooked, "remote", "add", "--", "--help", str(bare))
    git(hooked, "checkout", "-q", "-b", "wip")
    write(hooked, "feature.txt", "more\n")
    commit_all(hooked, "ABC-1: more")
    proc = git(hooked, "push", "-q", "--", "--help", "wip", check=False)
    assert proc.returncode != 0, proc.stderr
    shown = proc.stdout + proc.stderr
    assert b"usage:" not in shown
    assert b"pre-push refs/heads/wip" in shown
    assert git(bare, "branch", "--list", "wip").stdout == b""
