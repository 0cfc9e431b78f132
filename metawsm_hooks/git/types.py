"""The values the git layer hands out: changed paths, HEAD's state, pushed ranges, and the
read-only tree the checks look at."""

from __future__ import annotations

from metawsm_hooks.records import Record, field

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class TreeSource(Protocol):
        """The tree being committed or pushed, read-only."""

        def list_files(self, prefix: str) -> list[str]: ...
        def read(self, path: str, *, limit: int | None = None) -> bytes | None: ...

else:  # typing costs start-up time; a Protocol is only needed by the type checker

    class TreeSource:
        """The tree being committed or pushed, read-only: ``list_files(prefix)`` (every file
        path under the folder ``prefix``, '' for all) and ``read(path, limit=N)`` (bytes, or
        None; FatalError when the file is larger than ``limit`` bytes)."""


# git's file modes in trees and the index (``man git-fast-import``: filemodify).
GITLINK = "160000"
SYMLINK = "120000"
FOLDER = "040000"
# The id of the tree with nothing in it, for each object format.
EMPTY_TREE = {
    "sha1": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    "sha256": "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
}

# An entry of a tree or of the index: (mode, object id).
Entry = tuple[str, str]


class Change(Record):
    """One path of a change set; ``status`` is one of A M T R C D (``old_path`` for R and C)."""

    path: str
    status: str
    old_path: str | None = None


class HeadState(Record):
    """Where HEAD points. ``operation``: rebase, am, cherry-pick, revert, merge, bisect or None."""

    branch: str | None
    oid: str | None
    unborn: bool
    detached: bool
    operation: str | None


class PushRange(Record):
    """The commits a push adds and every path they add, modify or change the type of."""

    commits: int
    changes: list[Change] = field(default_factory=list)
