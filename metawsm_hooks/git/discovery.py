"""Finding the repository a folder is in, as git does, and its fixed places: the main worktree
and the hooks folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from metawsm_hooks.errors import FatalError
from metawsm_hooks.git.parse import first_line, lines, main_worktree
from metawsm_hooks.git.process import spawn
from metawsm_hooks.git.runner import Git
from metawsm_hooks.records import Record


class Location(Record):
    """Where a repository is: its git folder (a linked worktree's own), the folder its worktrees
    share, its working tree (None when bare), and its object format (sha1 or sha256)."""

    git_dir: Path
    common_dir: Path
    workdir: Path | None
    is_bare: bool
    object_format: str


def locate(start: Path) -> Location:
    """The repository ``start`` is in, as git finds it: ``GIT_DIR`` and friends are honoured, a
    linked worktree's ``git_dir`` is its own and ``common_dir`` the shared one, a submodule is
    its own repository. FatalError outside a repository or without git."""
    # git runs in ``start`` (``-C``); a folder it could not enter is told apart first.
    try:
        is_folder = stat.S_ISDIR(os.stat(start).st_mode)
    except FileNotFoundError as exc:
        raise FatalError(f"folder {start} does not exist; run this inside a repository") from exc
    except NotADirectoryError:
        is_folder = False
    if not is_folder:
        raise FatalError(f"{start} is not a folder; run this inside a repository")
    try:
        proc = spawn(
            [
                "git",
                "-C",
                os.fspath(start),
                "rev-parse",
                "--path-format=absolute",
                "--git-dir",
                "--git-common-dir",
                "--is-bare-repository",
                "--show-object-format",
                "--show-toplevel",  # last: it fails outside a working tree
            ],
            os.environ,
        )
    except FileNotFoundError as exc:
        raise FatalError("git is not installed or not on PATH; install git") from exc
    stdout, stderr = proc.communicate()
    found = lines(stdout)
    if len(found) < 4:
        reason = first_line(stderr) or "not a git repository"
        raise FatalError(
            f"{start} is not inside a git repository ({reason}); run this from a repository"
        )
    git_dir, common_dir = Path(found[0]), Path(found[1])
    is_bare = found[2] == "true"
    workdir = Path(found[4]) if len(found) > 4 and proc.returncode == 0 else None
    if workdir is None and not is_bare:
        workdir = _worktree_of_git_dir(git_dir, common_dir)
    return Location(git_dir, common_dir, workdir, is_bare, found[3])


def _worktree_of_git_dir(git_dir: Path, common_dir: Path) -> Path | None:
    """The working tree of a non-bare repository entered through its git folder."""
    if git_dir != common_dir:
        try:
            pointer = (git_dir / "gitdir").read_bytes().strip()
        except OSError:
            return None
        return Path(os.fsdecode(pointer)).parent
    out = Git(git_dir, None).run("config", "--get", "core.worktree", ok=(0, 1))
    configured = os.fsdecode(out.rstrip(b"\n")) if out else None
    if configured:
        return (git_dir / configured).resolve()
    return common_dir.parent


def main_root(git: Git, where: Location) -> Path | None:
    """The root of the main worktree of the repository ``where`` (None when it is bare)."""
    if where.is_bare:
        return None
    if where.git_dir == where.common_dir:
        return where.workdir
    # A linked worktree: the first record of the list is the main worktree (or bare).
    return main_worktree(git.run("worktree", "list", "--porcelain"))


def hooks_dir(git: Git) -> Path:
    """Where git runs hooks from: ``core.hooksPath`` (a relative one from the worktree root,
    where git runs hooks) else ``<common_dir>/hooks``."""
    out = git.run("rev-parse", "--path-format=absolute", "--git-path", "hooks", cwd=git.hook_cwd())
    return Path(os.fsdecode(out.rstrip(b"\n")))


def inside_repository(
    folder: Path,
    *,
    git_dir: Path | None,
    common_dir: Path | None,
    workdir: Path | None,
    main_root: Path | None,
) -> bool:
    """Is ``folder`` (links resolved) one of the repository's own folders or inside one: the
    folder its worktrees share, its git folder (a linked worktree's own), the working tree and
    the main worktree's root (None when bare; any place not known is None). A hooks folder
    there serves this repository only; one anywhere else may serve others (a global
    ``core.hooksPath``)."""
    from metawsm_hooks.fs import is_within

    return is_within(folder, [common_dir, git_dir, workdir, main_root])
