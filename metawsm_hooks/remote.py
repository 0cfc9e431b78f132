"""Which repository a remote URL points at, for ``git_pr.allowed_repos``."""

from __future__ import annotations

import re
from collections.abc import Sequence

# scp-like syntax (git@host:owner/name.git) is what git accepts when there is no '//' and the
# part before the first ':' has no '/'.
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>\[[^\]]+\]|[^:/]+):(?P<path>.*)$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?P<rest>.*)$")


def repository_path(url: str) -> list[str]:
    """The path components of the repository a remote URL names, without a trailing ``.git``."""
    url = url.strip()
    found = _URL.match(url)
    if found:
        rest = found.group("rest")
        path = rest.split("/", 1)[1] if "/" in rest else ""
        path = path.split("?", 1)[0].split("#", 1)[0]
    else:
        scp = _SCP.match(url)
        # A Windows drive letter (C:\x) or a local path containing ':' after a '/' is a path.
        is_scp = scp is not None and len(scp.group("host")) > 1 and "/" not in url.split(":", 1)[0]
        path = scp.group("path") if is_scp and scp is not None else url
    parts = [p for p in re.split(r"[\\/]+", path) if p not in ("", ".")]
    if parts and parts[-1].lower().endswith(".git"):
        parts[-1] = parts[-1][: -len(".git")]
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def is_allowed(url: str, allowed: Sequence[str]) -> bool:
    """Does ``url`` name one of ``allowed`` (``owner/name`` or bare ``name``, any case)?

    An empty ``allowed`` list allows every remote.
    """
    if not allowed:
        return True
    parts = [p.lower() for p in repository_path(url)]
    if not parts:
        return False
    for entry in allowed:
        wanted = [p for p in entry.strip().lower().removesuffix(".git").split("/") if p]
        if wanted and parts[-len(wanted) :] == wanted:
            return True
    return False


def describe(url: str) -> str:
    """``owner/name`` (or whatever is known) for messages."""
    parts = repository_path(url)
    return "/".join(parts[-2:]) if parts else url


_AUTHORITY_END = re.compile(r"[/?#]")


def redact(url: str) -> str:
    """``url`` with the user information of a ``scheme://user:secret@host`` URL (where deploy
    tokens and CI job tokens live) replaced by ``***``: what the tool prints, stores or sends."""
    found = _URL.match(url.strip())
    if found is None:
        return url
    rest = found.group("rest")
    end = _AUTHORITY_END.search(rest)
    authority = rest[: end.start()] if end else rest
    _, at, host = authority.rpartition("@")
    if not at:
        return url
    start = url.index(rest)
    return f"{url[:start]}***@{host}{rest[len(authority) :]}"


def _identity(url: str, base: str) -> tuple[str, ...]:
    """What two spellings of one remote have in common: for a local path (or ``file://``) its
    real path from ``base``; otherwise the host (lower case, without user or password) and the
    repository path without a trailing ``.git`` or ``/``."""
    import os

    url = url.strip()
    if url.startswith("file://"):
        url = url[len("file://") :]
    found = _URL.match(url)
    scp = None if found else _SCP.match(url)
    is_scp = scp is not None and len(scp.group("host")) > 1 and "/" not in url.split(":", 1)[0]
    if not found and not is_scp:
        path = os.path.realpath(os.path.join(base, os.path.expanduser(url)))
        return ("path", path.removesuffix("/").removesuffix(".git"))
    if found:
        rest = found.group("rest")
        authority, _, path = rest.partition("/")
        host = authority.rpartition("@")[2].lower()
        if not host.startswith("["):
            host = host.partition(":")[0]  # the port says nothing about which repository
    else:
        assert scp is not None
        host, path = scp.group("host").lower(), scp.group("path")
    path = path.split("?", 1)[0].split("#", 1)[0].strip("/")
    return ("url", host, path.removesuffix(".git").removesuffix("/"))


def same_repository(first: str, second: str, *, base: str) -> bool:
    """Do two remote URLs name the same repository? Local paths are compared by real path
    (relative ones from ``base``, where git ran the push), others by host and path, ignoring
    credentials, the scheme, a trailing ``.git`` and ``/`` (``https://tok@host/o/r.git`` is
    ``ssh://git@host/o/r``)."""
    return _identity(first, base) == _identity(second, base)
