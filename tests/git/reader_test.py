"""A git's output read on a thread while the hook works: in order, whole, git's failure said in
one line, a failure of the reading handed on, and a git no longer wanted stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from metawsm_hooks.errors import FatalError
from metawsm_hooks.git.reader import Reader
from metawsm_hooks.git.runner import Git
from testing.util import git


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A repository whose ``git log -p`` prints well over what one read (64 KiB) takes."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    stream = []
    for k in range(300):
        content = f"{k}\n".encode() * 100
        stream.append(
            b"commit refs/heads/main\ncommitter A <a@b> 1700000000 +0000\ndata 2\nc\n"
            + f"M 100644 inline f{k % 7}.txt\ndata {len(content)}\n".encode()
            + content
            + b"\n"
        )
    git(root, "fast-import", "--quiet", input=b"".join(stream))
    return root


def test_output_is_fed_in_order_and_whole(history: Path) -> None:
    expected = git(history, "log", "-p", "--format=%H%n%B").stdout
    assert len(expected) > 1 << 16  # more than one read
    pieces: list[bytes] = []
    runner = Git(history / ".git", history)
    reader = Reader(runner.spawn("log", "-p", "--format=%H%n%B"), pieces.append)
    reader.wait()
    assert b"".join(pieces) == expected
    assert reader.job.returncode == 0


def test_a_failing_git_is_one_line_naming_the_command(history: Path) -> None:
    runner = Git(history / ".git", history)
    reader = Reader(runner.spawn("log", "no-such-revision", "--"), lambda piece: None)
    with pytest.raises(FatalError, match=r"^git log failed: .*no-such-revision"):
        reader.wait()
    reader.wait(ok=(0, 128))  # an exit status that is fine for the caller


def test_what_feed_raises_is_raised_by_wait_and_git_is_stopped(history: Path) -> None:
    def feed(piece: bytes) -> None:
        raise ValueError("not git's output")

    runner = Git(history / ".git", history)
    reader = Reader(runner.spawn("log", "-p"), feed)
    with pytest.raises(ValueError, match="not git's output"):
        reader.wait()
    assert reader.job.returncode is not None


def test_stop_ends_git_and_the_thread(history: Path) -> None:
    pieces: list[bytes] = []
    runner = Git(history / ".git", history)
    reader = Reader(runner.spawn("log", "-p", "--stat"), pieces.append)
    reader.stop()
    assert reader.job.returncode is not None
    reader.stop()  # twice is harmless
