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


def materialize(
    git: Git,
    tree_id: str,
    dest: Path,
    *,
    common_dir: Path,
    object_format: str,
    head: str | None = None,
    branch: str | None = None,
) -> None:
    """Make ``dest`` a working git checkout of ``tree_id``, as a test command run in place
    would see it: every file written as a checkout writes it (symlinks, executable bits,
    filters; submodules stay empty folders), the index holding exactly that tree, HEAD at the
    commit ``head`` (the parent of a commit being made, or the pushed commit; None: unborn) on
    ``branch`` (None: detached), and every ref of the repository (tags for ``git describe``,
    branches, remote-tracking branches).

    ``dest/.git`` is a repository of its own that borrows the objects of the one at
    ``common_dir`` (git's alternates, as ``git clone --shared`` sets up; on a server, the
    objects of the push being received too) and holds a copy of its refs: nothing a command
    does there (commit, tag, checkout) reaches the repository, whose index, HEAD, refs and
    worktree list are left alone. Its sparse checkout, skip-worktree and assume-unchanged bits
    do not apply there: the whole tree is written.
    """
    import subprocess

    from metawsm_hooks.git.parse import first_line
    from metawsm_hooks.git.runner import clean_environment

    dest.mkdir(parents=True, exist_ok=True)
    init = subprocess.run(
        ["git", "init", "-q", "--template=", f"--object-format={object_format}", str(dest)],
        env=clean_environment(git.env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    if init.returncode != 0:
        reason = first_line(init.stderr) or f"exit status {init.returncode}"
        raise FatalError(f"git init {dest} failed: {reason}")
    meta = dest / ".git"
    alternates = [
        *(
            [os.environ["GIT_OBJECT_DIRECTORY"]]  # the push being received (quarantine)
            if os.environ.get("GIT_OBJECT_DIRECTORY")
            else []
        ),
        *(p for p in os.environ.get("GIT_ALTERNATE_OBJECT_DIRECTORIES", "").split(":") if p),
        str(common_dir / "objects"),
    ]
    (meta / "objects" / "info").mkdir(parents=True, exist_ok=True)
    (meta / "objects" / "info" / "alternates").write_text(
        "".join(f"{os.path.abspath(p)}\n" for p in alternates), encoding="utf-8"
    )
    shallow = common_dir / "shallow"
    if shallow.is_file():
        (meta / "shallow").write_bytes(shallow.read_bytes())
    refs: dict[bytes, bytes] = {}
    for line in git.run("for-each-ref", "--format=%(objectname) %(refname)").split(b"\n"):
        oid, _, name = line.partition(b" ")
        if name and name != b"refs/stash":
            refs[name] = oid
    if branch is not None:
        ref = b"refs/heads/" + os.fsencode(branch)
        if head is None:
            refs.pop(ref, None)
        else:
            refs[ref] = head.encode()
    (meta / "packed-refs").write_bytes(
        b"".join(refs[name] + b" " + name + b"\n" for name in sorted(refs))
    )
    if branch is not None:
        (meta / "HEAD").write_bytes(b"ref: refs/heads/" + os.fsencode(branch) + b"\n")
    elif head is not None:
        (meta / "HEAD").write_bytes(head.encode() + b"\n")
    # Written by the repository's git (its filters apply) into the checkout's own index, with
    # the stat data of the files just written, so that ``git status`` there is clean.
    plain = (
        *("-c", "core.sparseCheckout=false"),
        *("-c", "index.sparse=false"),
        *("-c", "core.splitIndex=false"),
        *("-c", "core.fsmonitor=false"),
        *("-c", "core.untrackedCache=false"),
    )
    index = meta / "index"
    git.run(*plain, "read-tree", tree_id, index_file=index)
    git.run(*plain, "checkout-index", "--all", "--force", "-u", index_file=index, work_tree=dest)
