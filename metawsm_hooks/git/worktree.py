"""The index and the working tree: the questions whose git commands take an index or a working
tree of their own (the tree an index would commit, a temporary checkout, the status)."""

from __future__ import annotations

import os
from pathlib import Path

from metawsm_hooks.errors import FatalError
from metawsm_hooks.git.runner import Git

# No optional locks: status must not rewrite the index a commit is being made from.
STATUS_ARGS = (
    "--no-optional-locks",
    "status",
    "--porcelain=v1",
    "-z",
    "--untracked-files=all",
    "--no-renames",
)


def staged_args(base: str) -> tuple[str, ...]:
    """The ``diff-index`` comparing the index with ``base`` (HEAD, or the empty tree)."""
    return ("diff-index", "--cached", "-z", "--raw", "--no-abbrev", "-M", base)


def index_path(index_file: Path | None) -> Path | None:
    """``index_file`` as an absolute path (None: the repository's own index). git hands hooks a
    path relative to the worktree root, which is where hooks run."""
    if index_file is None:
        return None
    return Path(os.path.abspath(index_file))


def write_index_tree(git: Git, index: Path) -> str:
    """The id of the tree the index at ``index`` would commit (written to the object store, as
    ``git commit`` is about to do).

    ``git write-tree`` locks and updates the index it reads, so it reads a private copy: the
    user's index is never rewritten, and a lock held by another git process (a second commit,
    an editor's refresh) does not get in the way.
    """
    import shutil
    import tempfile

    handle, name = tempfile.mkstemp(prefix="metawsm-hooks-index.")
    os.close(handle)
    copy = Path(name)
    try:
        try:
            shutil.copyfile(index, copy)
        except FileNotFoundError:
            copy.unlink()  # no index yet: git reads a missing one as empty
        except OSError as exc:
            raise FatalError(
                f"cannot copy the index {index} to {copy} ({exc.strerror}); free space in"
                " the temporary folder ($TMPDIR) and retry"
            ) from exc
        return git.run("write-tree", index_file=copy).decode().strip()
    finally:
        copy.unlink(missing_ok=True)


def materialize(git: Git, tree_id: str, dest: Path) -> None:
    """Write every file of ``tree_id`` into ``dest`` as a checkout would (symlinks, executable
    bits, filters); submodules stay empty folders. The repository's index, HEAD and worktree
    list are left alone, and no git metadata is written to ``dest``."""
    import tempfile

    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="metawsm-index-") as scratch:
        index = Path(scratch) / "index"
        git.run("read-tree", tree_id, index_file=index)
        git.run("checkout-index", "--all", "--force", index_file=index, work_tree=dest)
