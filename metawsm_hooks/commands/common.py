"""What the commands outside hooks share: the repository they run in, the policy file they read
and the store they open."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from metawsm_hooks.errors import EXIT_BLOCKED, FatalError

if TYPE_CHECKING:
    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.output import Output
    from metawsm_hooks.policy import Policy, PolicyResult
    from metawsm_hooks.store import Store


def find_repository() -> Repository:
    """The repository of the current folder; FatalError outside one."""
    from metawsm_hooks.git.repository import Repository

    return Repository.discover(Path.cwd())


def maybe_repository() -> Repository | None:
    """The repository of the current folder, or None outside one."""
    try:
        return find_repository()
    except FatalError:
        return None


def explicit_policy(policy: Path | None) -> Path | None:
    """The policy file the user named: ``--policy``, else ``$METAWSM_POLICY``."""
    from metawsm_hooks.policy import named_policy_path

    return named_policy_path(policy)


def working_policy(policy: Path | None) -> PolicyResult:
    """The policy file in the working tree (or the one named), for commands outside hooks."""
    from metawsm_hooks.constants import POLICY_RELPATH
    from metawsm_hooks.policy import defaults_result, load_policy_path

    explicit = explicit_policy(policy)
    if explicit is not None:
        return load_policy_path(explicit, missing_ok=False)
    repo = maybe_repository()
    root = repo.workdir if repo is not None else None
    if root is None:
        return defaults_result()
    return load_policy_path(root / POLICY_RELPATH, missing_ok=True)


def usable_policy(out: Output, policy: Path | None) -> Policy:
    """The working policy; shown and FatalError (blocked) when it is invalid."""
    from metawsm_hooks.stages.common import show_policy

    result = working_policy(policy)
    if not result.valid or result.policy is None:
        show_policy(out, result)
        raise FatalError(
            f"{result.source} is invalid; fix it (metawsm-hooks validate lists every problem)",
            exit_code=EXIT_BLOCKED,
        )
    return result.policy


def current_branch(what: str) -> str:
    """The checked-out branch; FatalError naming ``what`` to pass instead when HEAD is
    detached."""
    head = find_repository().head()
    if head.detached or not head.branch:
        raise FatalError(f"HEAD is detached: name the branch ({what})")
    return head.branch


def open_store(db: str | None) -> Store:
    """The repository's store, or the ``--db`` one (which needs no repository)."""
    from metawsm_hooks.stages.common import store_location
    from metawsm_hooks.store import Store

    repo = find_repository() if db is None else maybe_repository()
    if repo is None:
        return Store.open(Path(str(db)))
    return Store.open(store_location(repo, db))


def worktree_root(repo: Repository, what: str) -> Path:
    """The main worktree's root; FatalError in a bare repository."""
    root = repo.main_root()
    if root is None:
        raise FatalError(f"a bare repository has no working tree to {what}; run it in a clone")
    return root
