"""A cache of validated results, keyed by the policy file's bytes, the strictness and the code
that judged them, so a hook that sees the same policy again skips decoding and validation.

The cache holds data only: each entry is JSON naming the record classes of the policy package
(``Policy``, ``GitPRPolicy``, ``Finding``, ...), never pickled objects or code. It lives in a
folder of its own that must belong to the user and be closed to everyone else (0700); an entry
is used only when it is a regular file of that user within MAX_ENTRY_BYTES whose JSON rebuilds
into records of known classes, and anything else is ignored and written anew. At most
MAX_ENTRIES entries are kept, none older than MAX_AGE_SECONDS: a write that finds more removes
the oldest.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import stat
import sys
import time

from metawsm_hooks import __version__
from metawsm_hooks.constants import CACHE_DIR_ENV
from metawsm_hooks.policy.result import PolicyResult

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from typing import Any

MAX_ENTRIES = 256
MAX_ENTRY_BYTES = 1024 * 1024
MAX_AGE_SECONDS = 30 * 24 * 3600
_FORMAT = 2
_SUFFIX = ".json"


def _cache_dir() -> str:
    explicit = os.environ.get(CACHE_DIR_ENV)
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return os.path.join(xdg, "metawsm-hooks")
    return os.path.join(os.path.expanduser("~"), ".cache", "metawsm-hooks")


_code_stamp: bytes | None = None


def _code_fingerprint() -> bytes:
    """Changes whenever a module of the policy or golang packages, or the constants they read,
    changes (all that decides a verdict), so stale results are never used."""
    global _code_stamp
    if _code_stamp is None:
        parts = [__version__]
        here = os.path.dirname(os.path.abspath(__file__))
        package = os.path.dirname(here)
        for folder in (here, os.path.join(package, "golang")):
            try:
                names = sorted(name for name in os.listdir(folder) if name.endswith(".py"))
            except OSError:
                parts.append("?")
                continue
            for name in names:
                try:
                    st = os.stat(os.path.join(folder, name))
                    parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
                except OSError:
                    parts.append(f"{name}:?")
        # The constants the schema reads (the check names, the store's default busy timeout).
        try:
            st = os.stat(os.path.join(package, "constants.py"))
            parts.append(f"constants.py:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append("constants.py:?")
        _code_stamp = "|".join(parts).encode()
    return _code_stamp


def _first_module(*names: str) -> Any:
    """The first importable module of ``names``: the C accelerator comes first, because hashlib
    (OpenSSL) takes about a millisecond to import, several times a cache hit."""
    for name in names[:-1]:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return importlib.import_module(names[-1])


def cache_file(data: bytes, strict: bool) -> str:
    sha = _first_module("_sha2" if sys.version_info >= (3, 12) else "_sha256", "hashlib")
    digest = sha.sha256()
    digest.update(b"metawsm-hooks policy v2\0")
    digest.update(_code_fingerprint())
    digest.update(b"\0strict\0" if strict else b"\0lenient\0")
    digest.update(data)
    return os.path.join(_cache_dir(), "policy", f"{digest.hexdigest()}{_SUFFIX}")


def _private_folder(folder: str) -> bool:
    """Is ``folder`` a real folder of this user that no one else may write to or read?"""
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    return (
        stat.S_ISDIR(st.st_mode)
        and st.st_uid == os.getuid()
        and not st.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    )


def cache_read(path: str) -> PolicyResult | None:
    """The cached result at ``path``, or None: missing, or anything that fails a check."""
    if not _private_folder(os.path.dirname(path)):
        return None
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_size > MAX_ENTRY_BYTES:
            return None
        blob = os.read(fd, MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    import json

    try:
        doc = json.loads(blob)
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            return None
        result = _rebuild(doc.get("result"))
    except (ValueError, TypeError, KeyError, RecursionError):
        return None  # a corrupt or foreign entry is a miss, rewritten by the caller
    return result if isinstance(result, PolicyResult) else None


def cache_write(path: str, result: PolicyResult) -> None:
    """Remember ``result``; the cache only saves time, so a failure here changes nothing."""
    folder = os.path.dirname(path)
    temp = f"{path}.{os.getpid()}.{id(result):x}.tmp"
    try:
        import json

        blob = json.dumps({"format": _FORMAT, "result": _plain(result)}).encode()
        if len(blob) > MAX_ENTRY_BYTES:
            return
        if not os.path.lexists(folder):
            os.makedirs(folder, mode=0o700, exist_ok=True)
        if not _private_folder(folder):
            return  # someone else's, or open to others: never written, never read
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(temp, flags, 0o600)
        try:
            os.write(fd, blob)
        finally:
            os.close(fd)
        os.replace(temp, path)
        _prune(folder)
    except Exception:  # the cache only saves time; failing to write it changes nothing
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _prune(folder: str) -> None:
    """Keep at most MAX_ENTRIES entries, none older than MAX_AGE_SECONDS; drop anything else
    (older formats, leftover temporary files of killed runs)."""
    now = time.time()
    entries: list[tuple[float, str]] = []
    with os.scandir(folder) as found:
        for entry in found:
            try:
                mtime = entry.stat(follow_symlinks=False).st_mtime
            except OSError:
                continue
            stale = now - mtime > MAX_AGE_SECONDS
            if stale or (not entry.name.endswith(_SUFFIX) and now - mtime > 60):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
            elif entry.name.endswith(_SUFFIX):
                entries.append((mtime, entry.path))
    if len(entries) > MAX_ENTRIES:
        entries.sort()
        for _, name in entries[: len(entries) - MAX_ENTRIES]:
            with contextlib.suppress(OSError):
                os.unlink(name)


def _plain(value: Any) -> Any:
    """A record tree as JSON data: each record an object naming its class under ``"$"``."""
    from metawsm_hooks.policy.struct import Struct, fields

    if isinstance(value, Struct):
        out = {"$": type(value).__name__}
        out.update({spec.name: _plain(getattr(value, spec.name)) for spec in fields(value)})
        return out
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _rebuild(value: Any) -> Any:
    """The inverse of ``_plain``: only record classes of the policy package, only data."""
    from metawsm_hooks.policy import schema  # noqa: F401  (registers the policy's records)
    from metawsm_hooks.policy.struct import STRUCTS, fields

    if isinstance(value, dict):
        cls = STRUCTS[value["$"]]
        names = {spec.name for spec in fields(cls)}
        if set(value) - {"$"} != names:
            raise KeyError("fields")
        return cls(**{name: _rebuild(value[name]) for name in names})
    if isinstance(value, list):
        return tuple(_rebuild(item) for item in value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError("not data")
