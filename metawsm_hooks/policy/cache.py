"""A cache of validated results, keyed by the policy file's bytes, the strictness and the code
that judged them, so a hook that sees the same policy again skips decoding and validation."""

from __future__ import annotations

import os
import sys

from metawsm_hooks import __version__
from metawsm_hooks.policy.result import PolicyResult

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from typing import Any


def _cache_dir() -> str:
    explicit = os.environ.get("METAWSM_CACHE_DIR")
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return os.path.join(xdg, "metawsm-hooks")
    return os.path.join(os.path.expanduser("~"), ".cache", "metawsm-hooks")


_code_stamp: bytes | None = None


def _code_fingerprint() -> bytes:
    """Changes whenever a module of the policy or golang packages changes, or the modules they
    build on (constants, and records, which makes and pickles the schema's values): all that
    decides a verdict, so stale results are never used."""
    global _code_stamp
    if _code_stamp is None:
        parts = [__version__]
        here = os.path.dirname(os.path.abspath(__file__))
        for folder in (here, os.path.join(os.path.dirname(here), "golang")):
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
        package = os.path.dirname(here)
        for name in ("constants.py", "records.py"):
            try:
                st = os.stat(os.path.join(package, name))
                parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
            except OSError:
                parts.append(f"{name}:?")
        _code_stamp = "|".join(parts).encode()
    return _code_stamp


def _first_module(*names: str) -> Any:
    """The first importable module of ``names`` (top-level names): the C accelerators come
    first, because hashlib (OpenSSL) and pickle take about a millisecond each to import,
    several times a cache hit. (``__import__``: importlib would bring contextlib along.)"""
    for name in names[:-1]:
        try:
            return __import__(name)
        except ImportError:
            continue
    return __import__(names[-1])


def cache_file(data: bytes, strict: bool) -> str:
    sha = _first_module("_sha2" if sys.version_info >= (3, 12) else "_sha256", "hashlib")
    digest = sha.sha256()
    digest.update(b"metawsm-hooks policy v1\0")
    digest.update(_code_fingerprint())
    digest.update(b"\0strict\0" if strict else b"\0lenient\0")
    digest.update(data)
    return os.path.join(_cache_dir(), "policy", f"{digest.hexdigest()}.pickle")


def cache_read(path: str) -> PolicyResult | None:
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
        result = _first_module("_pickle", "pickle").loads(blob)
    except Exception:  # a missing, unreadable or corrupt cache entry is just a miss
        return None
    return result if isinstance(result, PolicyResult) else None


def cache_write(path: str, result: PolicyResult) -> None:
    temp = f"{path}.{os.getpid()}.{id(result):x}.tmp"
    try:
        import pickle

        blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, blob)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except Exception:  # the cache only saves time; failing to write it changes nothing
        import contextlib  # only here: it costs start-up time on every hook otherwise

        with contextlib.suppress(OSError):
            os.unlink(temp)
