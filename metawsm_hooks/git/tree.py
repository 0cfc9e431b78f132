"""Reading a tree through git: a commit's, or the index being committed (HEAD's tree overlaid
with the staged changes, which say everything about the index that differs from HEAD, so the
index is not read a second time)."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from metawsm_hooks.errors import FatalError
from metawsm_hooks.git.parse import index_entries, is_hex, tree_entries, tree_object
from metawsm_hooks.git.runner import Git
from metawsm_hooks.git.types import FOLDER, GITLINK, SYMLINK, Entry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_SYMLINK_HOPS = 40  # as many as Linux follows

# The staged changes of the index by path (None: the path is gone); None itself while git is
# still computing them, unless asked to wait.
Overlay = dict[str, Entry | None]


class Tree:
    """A tree read through git, a ``TreeSource``.

    ``base`` gives the commit whose tree this is (None before the first commit); ``overlay``,
    for the index, gives the staged changes laid over it. Reads follow symlinks within the
    tree, as reading the checked-out file would; a symlink leading out of the tree, a dangling
    one and a submodule read as nothing, and a folder where a file is asked for is an error
    (metawsm could not read it either).
    """

    def __init__(
        self,
        git: Git,
        base: Callable[[], str | None],
        *,
        overlay: Callable[[bool], Overlay | None] | None = None,
        index_file: Path | None = None,
        label: str,
    ) -> None:
        self._git = git
        self._base = base
        self._staged = overlay
        self._index_file = index_file  # None: the repository's own index
        self._known: dict[str, Entry] = {}  # entries learnt by list_files
        self.label = label

    def __repr__(self) -> str:
        return f"<tree of {self.label}>"

    def _overlay(self, *, wait: bool = True) -> Overlay | None:
        if self._staged is None:
            return {}
        return self._staged(wait)

    def list_files(self, prefix: str) -> list[str]:
        """Every file (blobs and symlinks; not submodules) under the folder ``prefix``."""
        folder = prefix.strip("/")
        overlay = self._overlay() or {}
        base = self._base()
        found: dict[str, Entry] = {}
        if base is not None and not (folder and self._lacks(base, folder)):
            args = ["ls-tree", "-r", "-z", "--full-tree", base]
            if folder:
                args += ["--", folder]
            for path, entry in tree_entries(self._git.run(*args)):
                found[path] = entry
        for path, change in overlay.items():
            if folder and path != folder and not path.startswith(folder + "/"):
                continue
            if change is None:
                found.pop(path, None)
            else:
                found[path] = change
        self._known.update(found)
        return sorted((p for p, e in found.items() if e[0] != GITLINK), key=os.fsencode)

    def read(self, path: str, *, limit: int | None = None) -> bytes | None:
        """The content of the file at ``path`` (through symlinks), or None when there is none.
        FatalError (exit 1) when it is over ``limit`` bytes."""
        for _ in range(_SYMLINK_HOPS):
            entry = self._entry(path)
            if entry is None or entry[0] == GITLINK:
                return None
            try:
                got = self._git.cat_file().read(entry[1].encode(), limit=limit)
            except FatalError as exc:
                if exc.exit_code != 1:
                    raise
                raise FatalError(f"{path} in {self.label} {exc.message}", exit_code=1) from exc
            if got is None or got[0] != "blob":
                return None
            if entry[0] != SYMLINK:
                return got[1]
            target = os.fsdecode(got[1])
            path = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if target.startswith("/") or path == ".." or path.startswith("../"):
                return None  # out of the tree
        return None  # a loop, as the file system would say

    def _entry(self, path: str) -> Entry | None:
        """(mode, id) of ``path`` in this tree; None when absent; FatalError for a folder."""
        path = path.strip("/")
        if not path:
            return None
        if path == ".":
            self._folder(path)
        if path in self._known:
            return self._known[path]
        overlay = self._overlay(wait=False)
        if overlay is None:
            # The staged changes are still being computed: ask the index itself (a second read
            # of it, alongside, rather than waiting).
            out = self._git.run("ls-files", "-s", "-z", "--", path, index_file=self._index_file)
            return self._pick(path, index_entries(out))
        if path in overlay and overlay[path] is not None:
            return overlay[path]
        if any(p.startswith(path + "/") for p, e in overlay.items() if e is not None):
            self._folder(path)
        base = self._base()
        if path in overlay or base is None:
            return None  # removed from the index, or nothing committed yet
        folder, name = posixpath.split(path)
        if _nameable(base, path):
            # The folder's tree object from the object reader, instead of a git process.
            found = self._base_object(base, folder)
            if found is None or found[0] != "tree":
                return None
            try:
                entries = list(tree_object(found[1], len(base) // 2))
            except ValueError:
                entries = None  # not a tree object as expected: ls-tree says what git makes of it
            if entries is not None:
                return self._pick(path, [(path, e) for n, e in entries if n == name])
        out = self._git.run("ls-tree", "-z", "--full-tree", base, "--", path)
        return self._pick(path, tree_entries(out, folders=True))

    def _lacks(self, base: str, folder: str) -> bool:
        """Is there nothing at ``folder`` in the commit ``base``? Asked of the object reader, so
        that a folder the commit does not have costs no git process of its own."""
        return _nameable(base, folder) and self._base_object(base, folder) is None

    def _base_object(self, base: str, path: str) -> tuple[str, bytes] | None:
        """(type, content) of ``path`` (a file or folder; see ``_nameable``) in the commit
        ``base``, None when it has none."""
        return self._git.cat_file().read(os.fsencode(f"{base}:{path}"))

    def _pick(self, path: str, entries: Iterable[tuple[str, Entry]]) -> Entry | None:
        for name, entry in entries:
            if name == path and entry[0] != FOLDER:
                return entry
            if name == path or name.startswith(path + "/"):
                self._folder(path)
        return None

    def _folder(self, path: str) -> None:
        raise FatalError(
            f"{path} is a directory in {self.label}, where a file is expected;"
            " make it a file or move it",
            exit_code=1,
        )


def _nameable(base: str, path: str) -> bool:
    """Does ``<base>:<path>`` name exactly this path of the commit ``base`` (a full id) in
    ``cat-file --batch``'s input: one line, and no empty, ``.`` or ``..`` part (git reads those
    from the working folder)? ``path`` '' is the commit's root folder."""
    if not is_hex(base) or "\n" in path or "\r" in path:
        return False
    return not path or all(part not in ("", ".", "..") for part in path.split("/"))
