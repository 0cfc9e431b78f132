"""Signal numbers and handlers without the ``signal`` module: it builds three enums when imported
(about 1 ms), which a hook process has no use for. ``_signal`` is the C module ``signal`` wraps,
built into CPython and already loaded at start-up; elsewhere ``signal`` itself serves."""

from __future__ import annotations

try:
    _signal = __import__("_signal")
except ImportError:  # an interpreter without CPython's module layout
    _signal = __import__("signal")

SIGINT: int = _signal.SIGINT
SIGTERM: int = _signal.SIGTERM
SIGKILL: int = _signal.SIGKILL
SIGHUP: int | None = getattr(_signal, "SIGHUP", None)
# What Python ignores and a child must not inherit ignored (``subprocess``' restore_signals).
RESTORED_IN_CHILDREN: tuple[int, ...] = tuple(
    getattr(_signal, name) for name in ("SIGPIPE", "SIGXFZ", "SIGXFSZ") if hasattr(_signal, name)
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType

    Handler = Callable[[int, FrameType | None], object] | int | None


def set_handler(signum: int, handler: Handler) -> Handler:
    """``signal.signal``: install ``handler`` for ``signum``; returns the previous one (an int
    for SIG_DFL and SIG_IGN, which ``set_handler`` takes back as such)."""
    previous: Handler = _signal.signal(signum, handler)
    return previous
