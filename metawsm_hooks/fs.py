"""Writing only where the tool means to: nothing a repository controls (a committed symlink as
the store, its side files, the ``.metawsm`` folder or the policy file) redirects a write."""

from __future__ import annotations

import contextlib
import os

from metawsm_hooks.errors import EXIT_BLOCKED, FatalError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


def refuse_symlink(path: Path, *, what: str) -> None:
    """FatalError (exit 1) when ``path`` is a symlink: the tool writes ``what`` only into files
    and folders it creates itself, never through a link someone else made."""
    if not os.path.islink(path):
        return
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    raise FatalError(
        f"refusing to write {what} through the symlink {path} -> {target[:200]};"
        " metawsm-hooks writes only files it creates: remove the symlink (or name another path)",
        exit_code=EXIT_BLOCKED,
    )


def write_new_or_replace(path: Path, data: bytes, *, replace: bool, what: str) -> None:
    """Write ``data`` to ``path``: a new file, or with ``replace`` a file put in place of the old
    one by rename (so a symlink there is never followed; it is refused first). Raises
    FileExistsError when the file exists and ``replace`` is false, OSError otherwise."""
    refuse_symlink(path, what=what)
    if not replace:
        fd = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644
        )
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def is_within(folder: Path | str, roots: list[Path | None]) -> bool:
    """Is ``folder`` (after resolving links) one of ``roots`` or inside one of them?"""
    real = os.path.realpath(folder)
    for root in roots:
        if root is None:
            continue
        base = os.path.realpath(root)
        if real == base or real.startswith(base + os.sep):
            return True
    return False
