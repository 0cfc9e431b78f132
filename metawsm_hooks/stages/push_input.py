"""What git hands the push hooks, as values: ``pre-push``'s and ``pre-receive``'s stdin parsed
into ref updates, the range of commits each update adds, and the ``git push`` a hook runs under
(its process, its refspecs). A leaf: it imports nothing of the stages."""

from __future__ import annotations

import os

from metawsm_hooks.errors import FatalError
from metawsm_hooks.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

BRANCH_PREFIX = "refs/heads/"
TAG_PREFIX = "refs/tags/"


class PushedRef(Record):
    """One ref update: what the client sends, or what the server receives."""

    local_ref: str
    new: str | None  # None: the ref is being deleted
    remote_ref: str
    old: str | None  # None: the remote does not have the ref yet

    @property
    def label(self) -> str:
        if self.local_ref and self.local_ref != self.remote_ref:
            return f"{self.local_ref} -> {self.remote_ref}"
        return self.remote_ref


class Destination(Record):
    """Where a push goes, and how to know what it already has: the remote-tracking branches of
    ``tracking`` (configured remotes naming that repository), else the branch heads it
    advertised (``present``, read with ``git ls-remote`` for a URL no remote names)."""

    remote_name: str
    remote_url: str
    tracking: tuple[str, ...] = ()
    present: tuple[str, ...] = ()


def _oid(value: str) -> str | None:
    return None if set(value) <= {"0"} else value


def _is_oid(value: str) -> bool:
    return len(value) in (40, 64) and all(c in "0123456789abcdef" for c in value)


def parse_pre_push(text: str) -> list[PushedRef]:
    """git's pre-push stdin: ``<local ref> SP <local oid> SP <remote ref> SP <remote oid>``."""
    refs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.rsplit(" ", 3)
        if len(parts) != 4 or not (_is_oid(parts[1]) and _is_oid(parts[3])):
            raise FatalError(
                f"pre-push: line {number} of the input is not '<local ref> <local oid> <remote ref>"
                " <remote oid>'; run this stage from git's pre-push hook"
            )
        refs.append(
            PushedRef(
                local_ref=parts[0], new=_oid(parts[1]), remote_ref=parts[2], old=_oid(parts[3])
            )
        )
    return refs


# Bounds on what one push may ask the server to check (over them: one line, the push refused).
MAX_PUSHED_REFS = 1000
MAX_REF_NAME_BYTES = 1024


def parse_pre_receive(text: str) -> list[PushedRef]:
    """git's pre-receive stdin: ``<old oid> SP <new oid> SP <ref name>``."""
    refs: list[PushedRef] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(refs) >= MAX_PUSHED_REFS or len(line) > 200 + MAX_REF_NAME_BYTES:
            raise FatalError(
                f"pre-receive: a push may update at most {MAX_PUSHED_REFS} refs, each named in"
                f" at most {MAX_REF_NAME_BYTES} bytes; push in smaller parts",
                exit_code=1,
            )
        parts = line.split(" ", 2)
        if len(parts) != 3 or not (_is_oid(parts[0]) and _is_oid(parts[1])) or not parts[2]:
            raise FatalError(
                f"pre-receive: line {number} of the input is not '<old oid> <new oid> <ref>';"
                " run this stage from git's pre-receive hook"
            )
        refs.append(
            PushedRef(local_ref="", new=_oid(parts[1]), remote_ref=parts[2], old=_oid(parts[0]))
        )
    return refs


def push_range(
    ref: PushedRef,
    new: str,
    *,
    destination: Destination | None,
    server: bool,
    other_branches_than: str | None = None,
) -> dict[str, Any]:
    """What the remote lacks: on the server, the commits no existing ref has yet; in CI for a
    new branch (``other_branches_than``), the commits on no other branch of the remote."""
    where: dict[str, Any] = {"new": new, "old": ref.old, "remote": None}
    if server:
        where["exclude_all_refs"] = True
    elif destination is not None:
        where["remote"] = destination.tracking
        where["present"] = destination.present
    elif other_branches_than is not None:
        where["other_branches_than"] = other_branches_than
    return where


# git push options that take the next word as their value.
_PUSH_OPTIONS_WITH_VALUE = frozenset({"-o", "--push-option", "--repo", "--receive-pack", "--exec"})
_PUSH_MANY = ("--all", "--mirror", "--branches")


def count_push_refspecs(argv: Sequence[str]) -> str | None:
    """From a ``git ... push ...`` command line, what it pushes beyond one refspec, described
    (``2 refspecs``, ``--all``), or None when it names at most one (or is not a push)."""
    if "push" not in argv:
        return None
    words = list(argv[argv.index("push") + 1 :])
    positional: list[str] = []
    repo_given = False
    while words:
        word = words.pop(0)
        if word == "--":
            positional += words
            break
        if word in _PUSH_MANY:
            return word
        if word in _PUSH_OPTIONS_WITH_VALUE:
            repo_given = repo_given or word == "--repo"
            if words:
                words.pop(0)
        elif word.startswith("--repo="):
            repo_given = True
        elif not word.startswith("-") or word == "-":
            positional.append(word)
    refspecs = len(positional) - (0 if repo_given else 1)
    return f"{refspecs} refspecs" if refspecs > 1 else None


def git_push_ancestor(pid: int, *, depth: int = 8) -> tuple[int, list[str]] | None:
    """The ``git push`` process this hook runs under (directly, or through a hook manager), as
    (pid, argv), from ``/proc``; None when it cannot be found."""
    for _ in range(depth):
        if pid <= 1:
            return None
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = [os.fsdecode(a) for a in handle.read().split(b"\0") if a]
            with open(f"/proc/{pid}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            return None
        if argv and os.path.basename(argv[0]) in ("git", "git.exe") and "push" in argv:
            return pid, argv
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat.rpartition(b")")[2].split()
        if len(fields) < 2 or not fields[1].isdigit():
            return None
        pid = int(fields[1])
    return None


def pusher_pid() -> int:
    """The process id of the ``git push`` running this pre-push hook (its parent when it
    cannot be told), which lives until git has delivered or refused the push."""
    found = git_push_ancestor(os.getppid())
    return found[0] if found is not None else os.getppid()


def unseen_refspecs(pid: int) -> str | None:
    """Walk up from process ``pid`` to the ``git push`` that started this hook (through a hook
    manager) and say what it pushes beyond one ref; None when it pushes one ref or cannot be
    found (no ``/proc``)."""
    found = git_push_ancestor(pid)
    return count_push_refspecs(found[1]) if found is not None else None
