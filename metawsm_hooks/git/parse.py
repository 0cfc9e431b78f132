"""Parsers of git's output: pure functions from the bytes git prints to values, so each can be
tested on bytes. Paths are decoded with ``os.fsdecode`` so any name round-trips."""

from __future__ import annotations

import os
from pathlib import Path

from metawsm_hooks.git.types import FOLDER, GITLINK, SYMLINK, Change, Entry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

# Statuses of ``log --name-status`` that put content into the pushed tree.
_ADDED_OR_MODIFIED = frozenset(b"AMT")


def is_hex(value: str) -> bool:
    """A full object id: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits."""
    return len(value) in (40, 64) and all(c in "0123456789abcdef" for c in value)


def is_zero(oid: str | None) -> bool:
    """git's 'no object' (all zeros), or nothing at all."""
    return not oid or set(oid) <= {"0"}


def lines(data: bytes) -> list[str]:
    """The non-empty lines of ``data``, decoded as paths."""
    return [os.fsdecode(line) for line in data.split(b"\n") if line]


def first_line(data: bytes) -> str:
    """The first non-blank line of git's stderr, without its ``fatal:``/``error:`` prefix."""
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip().removeprefix("fatal: ").removeprefix("error: ")
    return ""


def diff_index(out: bytes) -> tuple[list[Change], dict[str, Entry | None]]:
    """``diff-index --cached -z --raw --no-abbrev -M``: the changes, and the index's entry for
    each changed path (None for a path the index no longer has).

    Records are ``:<old mode> <new mode> <old id> <new id> <status>[score]`` then the path (two
    paths, old then new, for a rename or copy), each NUL-terminated.
    """
    changes: list[Change] = []
    overlay: dict[str, Entry | None] = {}
    tokens = os.fsdecode(out).split("\0")
    i, count = 0, len(tokens) - 1
    while i < count:
        _, mode, _, oid, status = tokens[i].split(" ")
        if status[0] in "RC":
            old, path = tokens[i + 1], tokens[i + 2]
            i += 3
            changes.append(Change(path, status[0], old))
            if status[0] == "R":
                overlay[old] = None
        else:
            path = tokens[i + 1]
            i += 2
            changes.append(Change(path, status, None))  # every field: the fast way in
        overlay[path] = None if status == "D" else (mode, oid)
    return changes, overlay


def log_name_status(out: bytes) -> tuple[int, list[Change]]:
    """``log -z --format=%H --name-status --no-renames``, whole: see ``PushedPaths``."""
    paths = PushedPaths()
    paths.feed(out)
    return paths.result()


_HEX_DIGITS = b"0123456789abcdef"


class PushedPaths:
    """``log -z --format=%H --name-status --no-renames`` (``--diff-merges=combined`` too) read
    in pieces as git writes it (``feed``), holding only each distinct path once: the number of
    commits and every path any of them adds, modifies or changes the type of (``result``).

    Each commit is its id (40 or 64 lower-case hex digits), then (status, path) pairs; the
    first status follows a newline (a merge's, an empty record). A status is one upper-case
    letter per parent (``M``; ``AAA`` for what an octopus merge adds), so it is never taken for
    an id, and a path is always the record after its status, whatever it looks like. Newest
    commits come first, so the oldest status of a path wins (added, then modified: A)."""

    __slots__ = ("_found", "_rest", "_status", "commits")

    def __init__(self) -> None:
        self.commits = 0
        self._found: dict[bytes, int] = {}
        self._rest = b""  # an unfinished record at the end of the last piece
        self._status = -1  # the status whose path is the next record (-1: none)

    def feed(self, piece: bytes) -> None:
        records = (self._rest + piece).split(b"\0") if self._rest else piece.split(b"\0")
        self._rest = records.pop()
        self._take(records)

    def _take(self, records: list[bytes]) -> None:
        found = self._found
        commits = 0
        left = iter(records)
        if self._status >= 0 and records:  # the path of the last piece's final status
            first = next(left)
            if first and self._status in _ADDED_OR_MODIFIED:
                found[first] = self._status
            self._status = -1
        for record in left:
            if len(record) in (40, 64) and not record.strip(_HEX_DIGITS):
                commits += 1
            elif record and record != b"\n":  # a status (its last letter: the last parent's)
                path = next(left, None)
                if path is None:  # in the next piece
                    self._status = record[-1]
                elif path and record[-1] in _ADDED_OR_MODIFIED:
                    found[path] = record[-1]
        self.commits += commits

    def result(self) -> tuple[int, list[Change]]:
        """(commits, changes sorted by the paths' bytes), once git's output has all been fed."""
        if self._rest:
            self._take([self._rest])
            self._rest = b""
        found = self._found
        return self.commits, [Change(os.fsdecode(path), chr(found[path])) for path in sorted(found)]


def status_entries(out: bytes) -> list[tuple[str, str]]:
    """``status --porcelain=v1 -z --no-renames``: (XY, path) records."""
    entries = []
    for record in out.split(b"\0"):
        if len(record) > 3:
            entries.append((record[:2].decode(), os.fsdecode(record[3:])))
    return entries


def tree_entries(out: bytes, *, folders: bool = False) -> Iterator[tuple[str, Entry]]:
    """``ls-tree -z``: "<mode> <type> <id>\\t<path>" records; folders (as mode ``040000``) only
    with ``folders``."""
    for record in out.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        if name:
            mode, kind, oid = meta.decode().split(" ")
            if kind != "tree" or folders:
                yield os.fsdecode(name), (FOLDER if kind == "tree" else mode, oid)


def tree_object(data: bytes, oid_size: int) -> Iterator[tuple[str, Entry]]:
    """A tree object as ``cat-file`` gives it: "<octal mode> <name>\\0<raw id>" records, the id
    ``oid_size`` bytes (20 for sha1, 32 for sha256); each mode as ``ls-tree`` prints it, made
    canonical as git's ``canon_mode`` does (a folder ``040000``). ValueError when malformed."""
    pos, end = 0, len(data)
    while pos < end:
        space = data.index(b" ", pos)
        nul = data.index(b"\0", space)
        oid = data[nul + 1 : nul + 1 + oid_size]
        if len(oid) != oid_size:
            raise ValueError("a tree entry cut short")
        yield (
            os.fsdecode(data[space + 1 : nul]),
            (_canonical_mode(int(data[pos:space], 8)), oid.hex()),
        )
        pos = nul + 1 + oid_size


def _canonical_mode(mode: int) -> str:
    kind = mode & 0o170000
    if kind == 0o100000:
        return "100755" if mode & 0o100 else "100644"
    if kind == 0o120000:
        return SYMLINK
    if kind == 0o040000:
        return FOLDER
    return GITLINK


def index_entries(out: bytes) -> Iterator[tuple[str, Entry]]:
    """``ls-files -s -z``: "<mode> <id> <stage>\\t<path>" records (stage 0: not in conflict)."""
    for record in out.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        if name:
            mode, oid, stage = meta.decode().split(" ")
            if stage == "0":
                yield os.fsdecode(name), (mode, oid)


def cat_file_header(header: bytes) -> tuple[str, int] | None:
    """``cat-file --batch``'s header: (type, size) from "<id> <type> <size>"; None for
    "<name> missing" (or "ambiguous"), the name maybe spaced."""
    parts = header.split()
    if len(parts) != 3 or not parts[2].isdigit() or not is_hex(parts[0].decode("latin-1")):
        return None
    return parts[1].decode(), int(parts[2])


def packed_ref(data: bytes, ref: str) -> str | None:
    """The id ``ref`` has in a ``packed-refs`` file, or None (peeled ``^`` lines and comments
    are not refs)."""
    suffix = b" " + os.fsencode(ref)
    for line in data.split(b"\n"):
        if line.endswith(suffix) and not line.startswith((b"#", b"^")):
            oid = line[: -len(suffix)].decode("ascii", "replace")
            return oid if is_hex(oid) else None
    return None


def main_worktree(out: bytes) -> Path | None:
    """``worktree list --porcelain``: the main worktree's root (the first record), or None when
    the repository is bare."""
    first = out.split(b"\n\n", 1)[0].split(b"\n")
    if b"bare" in first or not first[0].startswith(b"worktree "):
        return None
    return Path(os.fsdecode(first[0][len(b"worktree ") :]))


def ident(out: bytes) -> str:
    """``var GIT_AUTHOR_IDENT``: "Name <email>" without the date that follows it."""
    who, bracket, _ = os.fsdecode(out.strip()).rpartition(">")
    return who + bracket


def config_values(out: bytes) -> dict[str, str]:
    """``config -z --get-regexp``: "<key>\\n<value>" records by key (a key set twice gives its
    last value, as git reads it; a key without a value, ``[section] key``, gives '')."""
    values = {}
    for item in out.split(b"\0"):
        key, _, value = item.partition(b"\n")
        if key:
            values[os.fsdecode(key)] = os.fsdecode(value)
    return values


def commit_message(out: bytes) -> str | None:
    """``cat-file commit``: the message after the headers, as stored; None without one."""
    _, sep, message = out.partition(b"\n\n")
    return message.decode("utf-8", "surrogateescape") if sep else None


def remote_urls(out: bytes) -> dict[str, list[str]]:
    """``git config -z --get-regexp '^remote\\..*\\.(push)?url$'``: each remote's URLs by name
    (records "<key>\\n<value>", NUL-terminated)."""
    found: dict[str, list[str]] = {}
    for record in out.split(b"\0"):
        key, _, value = record.partition(b"\n")
        name = os.fsdecode(key)[len("remote.") :].rpartition(".")[0]
        if name and value:
            found.setdefault(name, []).append(os.fsdecode(value))
    return found


def ls_remote_ids(out: bytes) -> list[str]:
    """``git ls-remote``: the object ids of its "<id>\\t<ref>" lines."""
    ids = [line.split(b"\t", 1)[0].decode("ascii", "replace") for line in out.split(b"\n")]
    return [oid for oid in ids if is_hex(oid)]


def has_hidden_entries(out: bytes) -> bool:
    """``git ls-files -v -z``: does any entry carry skip-worktree (tag ``S``) or
    assume-unchanged (a lower-case tag), so that status does not compare its file?"""
    return any(record[:1] == b"S" or record[:1].islower() for record in out.split(b"\0") if record)


def subcommand(argv: Sequence[str]) -> str:
    """The git subcommand of a git command line (``-c NAME=VALUE`` and ``-C DIR`` skipped)."""
    words = iter(argv[1:])
    for word in words:
        if word in ("-c", "-C"):
            next(words, None)
        elif not word.startswith("-"):
            return word
    return ""


def worktree_roots(out: bytes) -> list[Path]:
    """``git worktree list --porcelain -z``: the root of each worktree, main first (a bare main
    repository is left out)."""
    roots = []
    for record in out.split(b"\0\0"):
        fields = record.split(b"\0")
        if fields and fields[0].startswith(b"worktree ") and b"bare" not in fields:
            roots.append(Path(os.fsdecode(fields[0][len(b"worktree ") :])))
    return roots
