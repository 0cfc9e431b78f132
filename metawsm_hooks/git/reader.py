"""A git's output read on a thread of its own, piece by piece, while the hook does other work.

A pipe holds 64 KiB: a git started in the background and read only when its answer is needed
stops as soon as the pipe is full. The log of a 10,000-commit push prints 600 KiB, so git walked
a tenth of the commits and then waited for the policy, the store and the other checks to load;
read here as it is written, the walk runs alongside them, and only the distinct paths are kept.
"""

from __future__ import annotations

import _thread
import os
import select

from metawsm_hooks.errors import FatalError
from metawsm_hooks.git.parse import first_line, subcommand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from metawsm_hooks.git.process import Process

# One read takes what a full pipe holds.
_PIECE = 1 << 16


class Reader:
    """Everything ``job`` writes to stdout handed to ``feed`` in pieces, in order, on a thread
    started at once; its stderr kept for the error message. ``wait`` returns when git has
    ended and its output has all been fed."""

    def __init__(self, job: Process, feed: Callable[[bytes], None]) -> None:
        self.job = job
        self._feed = feed
        self._errors: list[bytes] = []
        self._failure: BaseException | None = None
        # Held while the thread reads (``_thread``: ``threading`` is an import a hook avoids).
        self._reading = _thread.allocate_lock()
        self._reading.acquire()
        _thread.start_new_thread(self._drain, ())

    def _drain(self) -> None:
        job = self.job
        streams = [job.stdout] if job.stderr is None else [job.stdout, job.stderr]
        out_fd = job.stdout.fileno()
        try:
            poller = select.poll()
            for stream in streams:
                poller.register(stream.fileno(), select.POLLIN)
            open_fds = len(streams)
            while open_fds:
                for fd, _ in poller.poll():
                    piece = os.read(fd, _PIECE)
                    if not piece:
                        poller.unregister(fd)
                        open_fds -= 1
                    elif fd == out_fd:
                        self._feed(piece)
                    else:
                        self._errors.append(piece)
        except BaseException as exc:  # handed to the thread that waits for the answer
            self._failure = exc
            job.kill()
        finally:
            try:
                for stream in streams:
                    stream.close()
                job.wait()
            finally:
                self._reading.release()

    def wait(self, *, ok: tuple[int, ...] = (0,)) -> None:
        """Once git has ended and its whole output was fed: FatalError when its exit status is
        not in ``ok``; what ``feed`` raised, raised again."""
        self._join()
        if self._failure is not None:
            raise self._failure
        if self.job.returncode not in ok:
            command = subcommand(self.job.args)
            reason = first_line(b"".join(self._errors)) or f"exit status {self.job.returncode}"
            raise FatalError(f"git {command} failed: {reason}")

    def stop(self) -> None:
        """Kill git (its output no longer wanted) and wait for the thread to end."""
        if self._reading.locked():
            self.job.kill()
        self._join()

    def _join(self) -> None:
        with self._reading:
            pass
