from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from metawsm_hooks.procs import Completed, run_bounded


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is gone for all practical purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


def _wait_gone(pid: int, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize(
    ("command", "shell", "expected"),
    [
        pytest.param(
            "echo out; echo err >&2; exit 3",
            True,
            Completed(3, b"out\nerr\n", False),
            id="shell-status-and-both-streams",
        ),
        pytest.param(["sh", "-c", "printf ok"], False, Completed(0, b"ok", False), id="argv"),
        pytest.param(
            "kill -TERM $$", True, Completed(-signal.SIGTERM, b"", False), id="killed-by-signal"
        ),
    ],
)
def test_run_bounded_reports_status_and_output(
    tmp_path: Path, command: str | list[str], shell: bool, expected: Completed
) -> None:
    assert run_bounded(command, cwd=tmp_path, timeout=10, shell=shell) == expected


def test_runs_in_cwd_with_env(tmp_path: Path) -> None:
    done = run_bounded(
        "pwd; echo $ONLY",
        cwd=tmp_path,
        timeout=10,
        env={"ONLY": "here", "PATH": os.environ["PATH"]},
        shell=True,
    )
    assert done.output.decode().splitlines() == [str(tmp_path), "here"]


@pytest.mark.parametrize(
    ("keep", "expected"),
    [pytest.param("tail", b"89", id="tail"), pytest.param("head", b"01", id="head")],
)
def test_output_is_bounded(tmp_path: Path, keep: str, expected: bytes) -> None:
    done = run_bounded(
        "printf 0123456789", cwd=tmp_path, timeout=10, shell=True, max_output=2, keep=keep
    )
    assert (done.output, done.truncated) == (expected, True)


def test_large_output_and_input_do_not_deadlock(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024)
    done = run_bounded(["cat"], cwd=tmp_path, timeout=20, input=data, max_output=len(data))
    assert done.returncode == 0 and done.output == data and not done.truncated


def test_timeout_kills_the_whole_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild"
    started = time.monotonic()
    done = run_bounded(
        f"sleep 60 & echo $! > {pidfile}; echo started; wait",
        cwd=tmp_path,
        timeout=0.5,
        shell=True,
        kill_grace=0.5,
    )
    assert time.monotonic() - started < 5
    assert done.timed_out and done.returncode < 0
    assert done.output == b"started\n"
    assert _wait_gone(int(pidfile.read_text()))


def test_term_ignoring_child_is_killed_after_grace(tmp_path: Path) -> None:
    done = run_bounded(
        "trap '' TERM; echo ready; sleep 30", cwd=tmp_path, timeout=0.3, shell=True, kill_grace=0.2
    )
    assert done.timed_out and done.returncode == -signal.SIGKILL
    assert done.output == b"ready\n"


def test_background_leftovers_are_killed_when_the_child_exits(tmp_path: Path) -> None:
    pidfile = tmp_path / "bg"
    started = time.monotonic()
    done = run_bounded(
        f"sleep 60 & echo $! > {pidfile}; echo done", cwd=tmp_path, timeout=30, shell=True
    )
    assert time.monotonic() - started < 5  # not held until the timeout by the pipe
    assert (done.returncode, done.timed_out, done.output) == (0, False, b"done\n")
    assert _wait_gone(int(pidfile.read_text()))


def test_interrupt_kills_the_group_and_propagates(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild"

    def interrupt() -> None:
        deadline = time.monotonic() + 5
        while not pidfile.exists() or not pidfile.read_text().strip():
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    helper = threading.Thread(target=interrupt)
    helper.start()
    with pytest.raises(KeyboardInterrupt):
        run_bounded(f"sleep 60 & echo $! > {pidfile}; wait", cwd=tmp_path, timeout=30, shell=True)
    helper.join()
    assert _wait_gone(int(pidfile.read_text()))


def test_missing_program_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        run_bounded(["/nonexistent/program"], cwd=tmp_path, timeout=5)


@pytest.mark.parametrize(
    ("command", "shell"),
    [
        pytest.param(["true"], True, id="shell-needs-a-string"),
        pytest.param("true", False, id="argv-needs-a-list"),
    ],
)
def test_command_shape_is_checked(tmp_path: Path, command: str | list[str], shell: bool) -> None:
    with pytest.raises(TypeError):
        run_bounded(command, cwd=tmp_path, timeout=5, shell=shell)


def test_child_has_its_own_process_group(tmp_path: Path) -> None:
    done = run_bounded(
        [sys.executable, "-c", "import os; print(os.getpgid(0) == os.getpid())"],
        cwd=tmp_path,
        timeout=10,
    )
    assert done.output.strip() == b"True"


def test_interrupt_while_the_child_starts_still_kills_the_group(tmp_path: Path) -> None:
    """The child interrupts us at once, before we may even be watching it: nothing survives."""
    for attempt in range(10):
        pidfile = tmp_path / f"grandchild-{attempt}"
        with pytest.raises(KeyboardInterrupt):
            run_bounded(
                f"sleep 60 & echo $! > {pidfile}; kill -INT {os.getpid()}; wait",
                cwd=tmp_path,
                timeout=30,
                shell=True,
            )
        assert _wait_gone(int(pidfile.read_text()))


def test_sigterm_handler_turned_into_an_exception_is_respected(tmp_path: Path) -> None:
    class Terminated(Exception):
        pass

    def on_term(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, on_term)
    pidfile = tmp_path / "grandchild"
    try:
        with pytest.raises(Terminated):
            run_bounded(
                f"sleep 60 & echo $! > {pidfile}; kill -TERM {os.getpid()}; wait",
                cwd=tmp_path,
                timeout=30,
                shell=True,
            )
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert _wait_gone(int(pidfile.read_text()))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
