"""Refs as the hooks need them: where HEAD points and which operation is in progress, read from
the files git keeps (the reftable backend through git), and the ``log`` that lists what a push
adds."""

from __future__ import annotations

import os
from pathlib import Path

from metawsm_hooks.errors import FatalError
from metawsm_hooks.git.parse import is_hex, is_zero, packed_ref
from metawsm_hooks.git.runner import Git
from metawsm_hooks.git.types import HeadState

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_PER_WORKTREE_REFS = ("refs/bisect/", "refs/worktree/", "refs/rewritten/")
_BRANCH = "refs/heads/"


def head_state(git: Git, git_dir: Path, common_dir: Path) -> HeadState:
    """Where HEAD of the worktree whose git folder is ``git_dir`` points."""
    operation = operation_in_progress(git_dir)
    try:
        raw = (git_dir / "HEAD").read_bytes().decode("utf-8", "surrogateescape").strip()
    except OSError as exc:
        raise FatalError(f"cannot read {git_dir / 'HEAD'}: {exc.strerror}") from exc
    if not raw.startswith("ref:"):
        return HeadState(None, raw, unborn=False, detached=True, operation=operation)
    ref = raw[4:].strip()
    if ref == "refs/heads/.invalid":  # the reftable backend keeps HEAD elsewhere
        return _head_from_git(git, operation)
    oid = resolve_ref(ref, git_dir, common_dir)
    branch = ref.removeprefix(_BRANCH)
    return HeadState(branch, oid, unborn=oid is None, detached=False, operation=operation)


def _head_from_git(git: Git, operation: str | None) -> HeadState:
    ref = git.run("symbolic-ref", "-q", "HEAD", ok=(0, 1)).strip()
    oid = git.run("rev-parse", "-q", "--verify", "HEAD", ok=(0, 1)).strip()
    oid_text = oid.decode() if oid else None
    if not ref:
        return HeadState(None, oid_text, unborn=False, detached=True, operation=operation)
    branch = os.fsdecode(ref).removeprefix(_BRANCH)
    return HeadState(branch, oid_text, unborn=oid_text is None, detached=False, operation=operation)


def resolve_ref(ref: str, git_dir: Path, common_dir: Path) -> str | None:
    """A ref's commit id from the files backend (loose ref, then packed-refs); None when it does
    not exist."""
    for _ in range(5):  # symbolic refs pointing at symbolic refs, within reason
        per_worktree = ref == "HEAD" or ref.startswith(_PER_WORKTREE_REFS)
        base = git_dir if per_worktree else common_dir
        try:
            value = (base / ref).read_bytes().decode("ascii", "replace").strip()
        except OSError:
            try:
                return packed_ref((common_dir / "packed-refs").read_bytes(), ref)
            except OSError:
                return None
        if value.startswith("ref:"):
            ref = value[4:].strip()
            continue
        return value if is_hex(value) else None
    return None


def operation_in_progress(git_dir: Path) -> str | None:
    """The operation in progress in this worktree, as git's own prompt names it
    (``contrib/completion/git-prompt.sh``)."""
    if (git_dir / "rebase-merge").is_dir():
        return "rebase"
    if (git_dir / "rebase-apply").is_dir():
        return "am" if (git_dir / "rebase-apply" / "applying").exists() else "rebase"
    for name, operation in (
        ("CHERRY_PICK_HEAD", "cherry-pick"),
        ("REVERT_HEAD", "revert"),
        ("MERGE_HEAD", "merge"),
        ("BISECT_LOG", "bisect"),
    ):
        if (git_dir / name).exists():
            return operation
    return None


def merge_heads(git_dir: Path) -> list[str]:
    """The other parents of the merge being committed in the worktree whose git folder is
    ``git_dir`` (``MERGE_HEAD``), or [] when no merge is in progress."""
    try:
        data = (git_dir / "MERGE_HEAD").read_bytes()
    except OSError:
        return []
    return [oid for oid in data.decode("ascii", "replace").split() if is_hex(oid)]


def rev_parse(git: Git, rev: str, kind: str) -> str | None:
    """The full id of the ``kind`` (commit, tree) that ``rev`` names, or None; a ``rev`` that
    would read as an option names nothing."""
    if not rev or rev.startswith("-"):
        return None
    out = git.run("rev-parse", "-q", "--verify", f"{rev}^{{{kind}}}", ok=(0, 1, 128))
    oid = out.decode("ascii", "replace").strip()
    return oid if is_hex(oid) else None


def pushed_log_args(
    new: str,
    old: str | None,
    remote: str | Sequence[str] | None,
    exclude_all_refs: bool,
    present: Sequence[str] = (),
    other_branches_than: str | None = None,
) -> tuple[str, ...]:
    """The ``git log`` listing the commits reachable from ``new`` and from none of: ``old`` (when
    given and not all zeros), ``refs/remotes/<remote>/*`` (``remote``: one remote's name or
    several), the commit ids in ``present``, with ``other_branches_than`` every remote-tracking
    branch except those of that name, with ``exclude_all_refs`` any ref; with each commit the
    paths it changes, a merge the paths whose content differs from every parent (git's combined
    diff, ``git log -c``)."""
    args = [
        # git keeps the trees it inflated for deltas in a cache of up to 96 MiB: for 10,000
        # pushed commits over 1,000 files that cache made git 54 MiB large (as large as the
        # whole plain ``git log --name-only``); at 16 MiB (git's default until 2.0) git stays
        # at 32 MiB, no slower, as consecutive commits share their trees.
        "-c",
        "core.deltaBaseCacheLimit=16m",
        "log",
        "-z",
        "--format=%H",
        "--name-status",
        "--no-renames",
        # A merge counts what differs from every parent: what the merge itself brought in
        # (its own resolution included), not what one side already had.
        "--diff-merges=combined",
        "--root",
        "--no-color",
        "--no-relative",
        "--no-show-signature",
        "--ignore-missing",  # an old id this clone never saw limits nothing
        new,
        "--not",
    ]
    if not is_zero(old) and old is not None:
        args.append(old)
    names = (remote,) if isinstance(remote, str) else tuple(remote or ())
    for name in names:
        if name and not any(c in name for c in "*?[\\"):
            args.append(f"--remotes={name}")
    args += sorted({oid for oid in present if is_hex(oid)})
    if other_branches_than is not None:
        # --exclude applies to the --remotes that follows it; origin/HEAD names a branch too.
        if not any(c in other_branches_than for c in "*?[\\"):
            args.append(f"--exclude=*/{other_branches_than}")
        args += ["--exclude=*/HEAD", "--remotes"]
    if exclude_all_refs:
        args.append("--all")
    return tuple(args)
