"""checks.tests: the test commands run in the tree being committed, with their timeout, the tail
of their output, and passes remembered by tree."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from metawsm_hooks.checks import CheckResult, tests
from metawsm_hooks.policy import Policy
from testing.checks import MemoryCache, commit_ctx, gone, make_policy, only
from testing.util import git, write


@pytest.fixture
def scratch_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder temporary checkouts go to, to see that they are removed."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def policy_with_commands(*commands: str, timeout: int = 600, tail: int = 20) -> Policy:
    return make_policy(
        required_checks=("tests",),
        test_commands=commands,
        hooks={"test_timeout_seconds": timeout, "output_tail_lines": tail},
    )


def test_tests_without_commands(committed: Path) -> None:
    assert only("tests", commit_ctx(committed, policy_with_commands())) == CheckResult(
        "tests", "passed", "no test commands configured"
    )


def test_tests_run_in_place_when_the_worktree_is_the_index(
    committed: Path, tmp_path: Path, scratch_tmp: Path
) -> None:
    where = tmp_path / "where"
    write(committed, "a.txt")
    git(committed, "add", "a.txt")
    result = only(
        "tests", commit_ctx(committed, policy_with_commands(f"pwd > {where}", "test -f a.txt"))
    )
    assert result == CheckResult("tests", "passed", "all 2 test command(s) passed")
    assert where.read_text().strip() == str(committed)
    assert list(scratch_tmp.iterdir()) == []


def test_tests_run_in_a_temporary_checkout_of_the_index(
    committed: Path, tmp_path: Path, scratch_tmp: Path
) -> None:
    where = tmp_path / "where"
    write(committed, "staged.txt", "staged\n")
    git(committed, "add", "staged.txt")
    write(committed, "staged.txt", "edited, not staged\n")
    write(committed, "untracked.txt")
    commands = (
        f"pwd > {where}",
        'test "$(cat staged.txt)" = staged',
        "test ! -e untracked.txt",
        'test -z "${GIT_INDEX_FILE-}${GIT_DIR-}"',
    )
    ctx = commit_ctx(committed, policy_with_commands(*commands))
    os.environ["GIT_INDEX_FILE"] = str(committed / ".git" / "index")  # as git sets it for hooks
    try:
        result = only("tests", ctx)
    finally:
        del os.environ["GIT_INDEX_FILE"]
    assert result.status == "passed", result.detail
    ran_in = Path(where.read_text().strip())
    assert ran_in.name == committed.name and ran_in.parent.parent == scratch_tmp
    assert list(scratch_tmp.iterdir()) == []


def test_tests_failure_names_command_status_and_tail(committed: Path, scratch_tmp: Path) -> None:
    command = "echo one; echo two; echo three >&2; exit 3"
    result = only(
        "tests", commit_ctx(committed, policy_with_commands("true", command, "touch never", tail=2))
    )
    assert result == CheckResult(
        "tests",
        "failed",
        'command "echo one; echo two; echo three >&2; exit 3" failed with exit status 3;'
        " last 2 line(s) of its output:\ntwo\nthree",
    )
    assert not (committed / "never").exists()


def test_tests_timeout_kills_grandchildren(committed: Path, tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild"
    command = f"sh -c 'sleep 60 & echo $! > {pidfile}; wait' & wait"
    started = time.monotonic()
    result = only("tests", commit_ctx(committed, policy_with_commands(command, timeout=1)))
    assert time.monotonic() - started < 10
    assert result.status == "failed"
    assert result.detail.startswith('command "sh -c ')
    assert "timed out after 1 s" in result.detail
    assert gone(int(pidfile.read_text()))


def test_tests_pass_is_cached_by_tree_and_commands(committed: Path, tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    command = f"echo run >> {counter}"
    cache = MemoryCache()
    ctx = commit_ctx(committed, policy_with_commands(command), cache=cache)
    tree = ctx.tree_id()
    assert only("tests", ctx).detail == "all 1 test command(s) passed"
    assert cache.passes == {tests.cache_key(tree, [command]): (tree, (command,))}
    again = only("tests", commit_ctx(committed, policy_with_commands(command), cache=cache))
    assert again == CheckResult("tests", "passed", f"cached for tree {tree[:7]}")
    assert counter.read_text() == "run\n"
    other = only("tests", commit_ctx(committed, policy_with_commands(command, "true"), cache=cache))
    assert other.detail == "all 2 test command(s) passed"  # other commands: another key
    assert counter.read_text() == "run\nrun\n"


def test_tests_failure_is_not_cached(committed: Path) -> None:
    cache = MemoryCache()
    assert (
        only("tests", commit_ctx(committed, policy_with_commands("false"), cache=cache)).status
        == "failed"
    )
    assert cache.passes == {}


def test_tests_interrupt_removes_the_checkout(
    committed: Path, tmp_path: Path, scratch_tmp: Path
) -> None:
    write(committed, "untracked.txt")  # forces a temporary checkout
    pidfile = tmp_path / "grandchild"
    command = f"sleep 60 & echo $! > {pidfile}; kill -INT {os.getpid()}; wait"
    ctx = commit_ctx(committed, policy_with_commands(command))
    with pytest.raises(KeyboardInterrupt):
        only("tests", ctx)
    assert list(scratch_tmp.iterdir()) == []
    assert gone(int(pidfile.read_text()))


def test_tests_checkout_with_read_only_folders_is_removed(
    committed: Path, scratch_tmp: Path
) -> None:
    write(committed, "untracked.txt")
    command = "mkdir -p cache/inner && touch cache/inner/f && chmod 500 cache/inner cache"
    assert only("tests", commit_ctx(committed, policy_with_commands(command))).status == "passed"
    assert list(scratch_tmp.iterdir()) == []
