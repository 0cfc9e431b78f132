"""git's child processes on ``os.posix_spawnp``, pipes and ``select.poll``: what a hook run needs
of ``subprocess`` (start now, take the output later, feed ``cat-file --batch``), without its import
(signal, threading, selectors, locale, contextlib: about 5 ms of every hook process).

As ``subprocess`` would start them: found on the ``PATH``, only the standard streams inherited
(Python opens every other descriptor non-inheritable), SIGPIPE and SIGXFSZ back to their default
action. ``posix_spawn`` has no working directory of its own: git is given ``-C DIR``."""

from __future__ import annotations

import os
import select

from metawsm_hooks.signals import RESTORED_IN_CHILDREN, SIGKILL

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from io import BufferedReader, BufferedWriter

# A pipe holds 64 KiB on Linux: one read takes what a full pipe has.
_CHUNK = 1 << 16


class Process:
    """A started child: ``stdout`` piped, ``stderr`` piped or /dev/null, ``stdin`` piped or
    /dev/null (see ``spawn``). ``returncode`` is None until it is reaped, then its exit status
    (negative: the signal that ended it)."""

    def __init__(
        self,
        args: Sequence[str],
        pid: int,
        stdin: BufferedWriter | None,
        stdout: BufferedReader,
        stderr: BufferedReader | None,
    ) -> None:
        self.args = list(args)
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None
        self._out_fd = stdout.fileno()
        self._err_fd = stderr.fileno() if stderr is not None else -1

    def poll(self) -> int | None:
        """The exit status when the child has ended, else None (without waiting)."""
        if self.returncode is None:
            self._reap(os.WNOHANG)
        return self.returncode

    def wait(self) -> int:
        while self.returncode is None:
            self._reap(0)
        return self.returncode

    def _reap(self, flags: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:  # reaped elsewhere: its status is lost, as subprocess says
            self.returncode = 0
            return
        if pid == self.pid:
            self.returncode = os.waitstatus_to_exitcode(status)

    def communicate(self) -> tuple[bytes, bytes]:
        """Everything the child writes to stdout and stderr (b'' when not piped), read together
        so that neither pipe fills and stalls it; then its exit status (``returncode``)."""
        if self.stdin is not None:
            self.stdin.close()
        streams = [s for s in (self.stdout, self.stderr) if s is not None and not s.closed]
        chunks: dict[int, list[bytes]] = {s.fileno(): [] for s in streams}
        try:
            if len(streams) == 1:
                fd = streams[0].fileno()
                while chunk := os.read(fd, _CHUNK):
                    chunks[fd].append(chunk)
            elif streams:
                _read_all(chunks)
        finally:
            for stream in streams:
                stream.close()
        self.wait()
        return b"".join(chunks.get(self._out_fd, ())), b"".join(chunks.get(self._err_fd, ()))

    def kill(self) -> None:
        """SIGKILL, unless the child was already reaped."""
        if self.returncode is None:
            try:  # noqa: SIM105 (contextlib is one of the imports this module saves)
                os.kill(self.pid, SIGKILL)
            except ProcessLookupError:
                pass


def _read_all(chunks: dict[int, list[bytes]]) -> None:
    """Read every descriptor in ``chunks`` to its end, whichever has data first."""
    poller = select.poll()
    for fd in chunks:
        poller.register(fd, select.POLLIN)
    open_fds = len(chunks)
    while open_fds:
        for fd, _ in poller.poll():
            chunk = os.read(fd, _CHUNK)
            if chunk:
                chunks[fd].append(chunk)
            else:
                poller.unregister(fd)
                open_fds -= 1


def spawn(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    stdin: bool = False,
    stderr: bool = True,
) -> Process:
    """Start ``argv`` (``argv[0]`` looked up on the ``PATH``) in this process's working folder,
    with stdout piped, stderr piped (else /dev/null) and stdin a pipe (else /dev/null).

    Raises what ``posix_spawnp`` raises: FileNotFoundError naming ``argv[0]`` when it is not
    found, another OSError when it cannot be started."""
    actions: list[tuple[int, int, int] | tuple[int, int, str, int, int]] = []
    ours: list[int] = []  # the parent's ends of the pipes
    theirs: list[int] = []  # the child's ends, closed here once it has its copies
    try:
        if stdin:
            read_end, write_end = os.pipe()
            theirs.append(read_end)
            ours.append(write_end)
            actions.append((os.POSIX_SPAWN_DUP2, read_end, 0))
        else:
            actions.append((os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0))
        for target, piped in ((1, True), (2, stderr)):
            if piped:
                read_end, write_end = os.pipe()
                ours.append(read_end)
                theirs.append(write_end)
                actions.append((os.POSIX_SPAWN_DUP2, write_end, target))
            else:
                actions.append((os.POSIX_SPAWN_OPEN, target, os.devnull, os.O_WRONLY, 0))
        pid = os.posix_spawnp(
            argv[0], list(argv), env, file_actions=actions, setsigdef=RESTORED_IN_CHILDREN
        )
    except BaseException:
        for fd in ours:
            os.close(fd)
        raise
    finally:
        for fd in theirs:
            os.close(fd)
    # The Process closes these (communicate, or its owner as CatFile does).
    fds = iter(ours)
    child_in = open(next(fds), "wb") if stdin else None  # noqa: SIM115
    child_out = open(next(fds), "rb")  # noqa: SIM115
    child_err = open(next(fds), "rb") if stderr else None  # noqa: SIM115
    return Process(argv, pid, child_in, child_out, child_err)
