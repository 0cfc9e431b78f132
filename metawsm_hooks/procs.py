"""Run a child process in a process group of its own, with a timeout and a bound on its output.

The whole group is killed when the time is up, when the caller is interrupted (Ctrl-C, or SIGTERM
turned into an exception) and when the child exits leaving background processes behind, so
nothing it started outlives the call (short of leaving the group on purpose, as a daemon does).

Nor does it outlive the caller when the caller dies without unwinding (SIGKILL, the out-of-memory
killer, a CI cancel): a watchdog (``/bin/sh``, in a session of its own) holds the read end of a
pipe only the caller writes to, and kills the group when the pipe closes without the caller's
"done"; on Linux the leader also gets SIGKILL from the kernel when the caller dies
(``PR_SET_PDEATHSIG``), which covers the moment before the watchdog knows the group.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import time

from metawsm_hooks.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path
    from types import FrameType

    # What signal.signal takes and returns (None: a handler set outside Python).
    SignalHandler = Callable[[int, FrameType | None], object] | int | None

DEFAULT_MAX_OUTPUT = 1024 * 1024
# How long stragglers may keep the output pipe open once the group has been killed: a process
# that left the group (setsid) cannot be killed with it and must not hold the caller hostage.
_DRAIN_SECONDS = 0.5
# Without a pidfd the leader's exit is polled this often while its descendants hold the pipe.
_POLL_SECONDS = 0.05
# Reads the group id, then waits: "ok" means the caller reaped the group itself; end of file
# means the caller died, so the group is killed.
# (``kill -9 -PGID``: dash, Debian's /bin/sh, takes neither ``--`` nor ``-s KILL`` before a group.)
_WATCHDOG = 'read pgid || exit 0; read done; [ "$done" = ok ] || kill -9 "-$pgid" 2>/dev/null'


class _Watchdog:
    """Kills a process group when this process dies before ``release``."""

    def __init__(self) -> None:
        read_end, self._write_end = os.pipe()
        try:
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                ["/bin/sh", "-c", _WATCHDOG],
                stdin=read_end,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # not stopped by a Ctrl-C or hang-up meant for us
            )
        except OSError:
            self._proc = None  # no shell: the parent-death signal still covers the leader
        finally:
            os.close(read_end)

    def guard(self, pgid: int) -> None:
        with contextlib.suppress(OSError):
            os.write(self._write_end, f"{pgid}\n".encode())

    def release(self, *, done: bool) -> None:
        """Let the watchdog go; without ``done`` it kills the group first."""
        if done:
            with contextlib.suppress(OSError):
                os.write(self._write_end, b"ok\n")
        with contextlib.suppress(OSError):
            os.close(self._write_end)
        if self._proc is not None:
            while True:
                try:
                    self._proc.wait()
                    break
                except KeyboardInterrupt:  # a second Ctrl-C must not leave a zombie behind
                    continue


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that asks Linux to SIGKILL the child when its parent dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def arm() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)

    return arm


class Completed(Record):
    """How a bounded run ended.

    ``returncode`` is the exit status, negative when a signal ended the child (``-9`` after a
    timeout that needed SIGKILL). ``output`` is stdout and stderr interleaved as written, at most
    ``max_output`` bytes: the last ones (``keep="tail"``) or the first ones (``keep="head"``);
    ``truncated`` says some were dropped.
    """

    returncode: int
    output: bytes
    timed_out: bool
    truncated: bool = False


class _SignalsHeld:
    """Holds back Ctrl-C and SIGTERM while the child starts: one arriving between its start and
    the moment its group is guarded would leave the group running. ``deliver`` then acts on
    them as they would have been (a KeyboardInterrupt, or whatever the handler raises)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.caught: list[int] = []
        # What signal.signal returned: a handler, SIG_DFL/SIG_IGN, or None for one set outside
        # Python (which cannot be put back from here; the default stands in for it).
        self.previous: dict[int, SignalHandler] = {}

    def __enter__(self) -> _SignalsHeld:
        import threading

        if threading.current_thread() is threading.main_thread():  # handlers live there only
            for signum in self.SIGNALS:
                self.previous[signum] = signal.signal(signum, self._hold)
        return self

    def _hold(self, signum: int, frame: object) -> None:
        self.caught.append(signum)

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        if exc[0] is not None:
            self.deliver()  # the child did not start: nothing to guard

    def deliver(self) -> None:
        caught, self.caught = self.caught, []
        for signum in caught:
            signal.raise_signal(signum)


class _Buffer:
    def __init__(self, limit: int, keep: str) -> None:
        self.data = bytearray()
        self.limit = max(0, limit)
        self.keep_tail = keep == "tail"
        self.truncated = False

    def add(self, chunk: bytes) -> None:
        if self.keep_tail:
            self.data += chunk
            excess = len(self.data) - self.limit
            if excess > 0:
                del self.data[:excess]
                self.truncated = True
            return
        room = self.limit - len(self.data)
        if len(chunk) > room:
            self.truncated = True
            chunk = chunk[: max(0, room)]
        self.data += chunk


def run_bounded(
    command: Sequence[str] | str,
    *,
    cwd: Path | str | None,
    timeout: float,
    env: Mapping[str, str] | None = None,
    max_output: int = DEFAULT_MAX_OUTPUT,
    shell: bool = False,
    keep: str = "tail",
    input: bytes | None = None,
    kill_grace: float = 2.0,
) -> Completed:
    """Run ``command`` (an argv, or with ``shell`` a ``/bin/sh -c`` string) in ``cwd``.

    On timeout the group gets SIGTERM, then SIGKILL after ``kill_grace`` seconds. Any exception
    while waiting (KeyboardInterrupt included) kills the group at once and propagates. stdin is
    ``input`` when given, else empty. Raises OSError when the program cannot be started.
    """
    if keep not in ("tail", "head"):
        raise ValueError(f"keep must be 'tail' or 'head', not {keep!r}")
    if shell:
        if not isinstance(command, str):
            raise TypeError("a shell command is one string")
        argv: list[str] = ["/bin/sh", "-c", command]
    else:
        if isinstance(command, str):
            raise TypeError("without shell=True the command is a sequence of arguments")
        argv = list(command)
    watchdog = _Watchdog()
    buffer = _Buffer(max_output, keep)
    reaped = False
    try:
        with _SignalsHeld() as held:
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env=None if env is None else dict(env),
                stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own session and process group, led by the child
                preexec_fn=_die_with_parent(),
            )
            watchdog.guard(proc.pid)
        try:
            held.deliver()
            deadline = time.monotonic() + max(0.0, timeout)
            timed_out = _supervise(proc, buffer, input, deadline, kill_grace)
        except BaseException:
            _kill_group(proc.pid, signal.SIGKILL)
            _reap(proc)
            reaped = True
            raise
        returncode = _reap(proc)
        reaped = True
    finally:
        # Not reaped (an interruption between the start and the guarded wait): the watchdog
        # kills the group, as it would had this process died.
        watchdog.release(done=reaped)
    return Completed(
        returncode=returncode,
        output=bytes(buffer.data),
        timed_out=timed_out,
        truncated=buffer.truncated,
    )


def _supervise(
    proc: subprocess.Popen[bytes],
    buffer: _Buffer,
    input: bytes | None,
    deadline: float,
    kill_grace: float,
) -> bool:
    """Collect output until the leader exits or time runs out; True when it ran out."""
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    pidfd = _open_pidfd(proc.pid)
    try:
        selector.register(proc.stdout.fileno(), selectors.EVENT_READ, "out")
        if pidfd is not None:
            selector.register(pidfd, selectors.EVENT_READ, "exit")
        pending = memoryview(input or b"")
        if proc.stdin is not None:
            if pending:
                os.set_blocking(proc.stdin.fileno(), False)
                selector.register(proc.stdin.fileno(), selectors.EVENT_WRITE, "in")
            else:
                proc.stdin.close()
        while pidfd is not None or not _has_exited(proc):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _stop_after_timeout(proc, selector, buffer, kill_grace)
                return True
            # Descendants may hold the pipe open after the leader exits: without a pidfd to
            # say when it does, look every few milliseconds.
            wait = remaining if pidfd is not None else min(remaining, _POLL_SECONDS)
            events = selector.select(wait)
            if any(key.data == "exit" for key, _ in events):
                break
            for key, _ in events:
                if key.data == "out":
                    _read_into(key.fd, selector, buffer)
                elif key.data == "in":
                    pending = _feed(proc, selector, pending)
        _kill_group(proc.pid, signal.SIGKILL)  # whatever the leader left running
        _drain(proc, selector, buffer, time.monotonic() + _DRAIN_SECONDS)
        return False
    finally:
        selector.close()
        if pidfd is not None:
            os.close(pidfd)
        if proc.stdin is not None and not proc.stdin.closed:
            proc.stdin.close()


def _read_into(fd: int, selector: selectors.BaseSelector, buffer: _Buffer) -> None:
    chunk = os.read(fd, 65536)
    if chunk:
        buffer.add(chunk)
    else:
        selector.unregister(fd)


def _feed(
    proc: subprocess.Popen[bytes], selector: selectors.BaseSelector, pending: memoryview
) -> memoryview:
    assert proc.stdin is not None
    try:
        written = os.write(proc.stdin.fileno(), pending[:65536])
    except BlockingIOError:
        return pending
    except BrokenPipeError:
        written = len(pending)
    pending = pending[written:]
    if not pending:
        selector.unregister(proc.stdin.fileno())
        proc.stdin.close()
    return pending


def _stop_after_timeout(
    proc: subprocess.Popen[bytes],
    selector: selectors.BaseSelector,
    buffer: _Buffer,
    kill_grace: float,
) -> None:
    assert proc.stdout is not None
    _kill_group(proc.pid, signal.SIGTERM)
    until = time.monotonic() + max(0.0, kill_grace)
    while not _has_exited(proc) and time.monotonic() < until:
        tick = min(until, time.monotonic() + _POLL_SECONDS)
        if proc.stdout.fileno() in selector.get_map():
            _drain(proc, selector, buffer, tick)
        else:
            time.sleep(max(0.0, tick - time.monotonic()))
    _kill_group(proc.pid, signal.SIGKILL)
    _drain(proc, selector, buffer, time.monotonic() + _DRAIN_SECONDS)


def _drain(
    proc: subprocess.Popen[bytes],
    selector: selectors.BaseSelector,
    buffer: _Buffer,
    until: float,
) -> None:
    """Read output until EOF or ``until``."""
    assert proc.stdout is not None
    stdout = proc.stdout.fileno()
    while stdout in selector.get_map():
        remaining = until - time.monotonic()
        if remaining <= 0:
            return
        for key, _ in selector.select(remaining):
            if key.data == "out":
                _read_into(key.fd, selector, buffer)
            elif key.data == "exit":
                selector.unregister(key.fd)  # already known; stop it waking the loop


def _open_pidfd(pid: int) -> int | None:
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        fd: int = opener(pid)
    except OSError:
        return None
    return fd


def _has_exited(proc: subprocess.Popen[bytes]) -> bool:
    """Whether the leader has exited, without reaping it: while it is a zombie its process group
    id cannot be reused, so killing the group never hits an unrelated process."""
    if proc.returncode is not None:
        return True
    waitid = getattr(os, "waitid", None)
    if waitid is None:
        return proc.poll() is not None
    try:
        info = waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return proc.poll() is not None
    return info is not None


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _reap(proc: subprocess.Popen[bytes]) -> int:
    if proc.stdout is not None:
        proc.stdout.close()
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:  # a second Ctrl-C must not leave a zombie behind
            continue
