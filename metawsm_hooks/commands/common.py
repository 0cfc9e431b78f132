"""What the commands outside hooks share: the repository they run in, the policy file they read
and the store they open."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from metawsm_hooks.errors import EXIT_BLOCKED, FatalError

if TYPE_CHECKING:
    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.layout import ResolvedPolicy
    from metawsm_hooks.output import Output
    from metawsm_hooks.policy import Policy
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


def resolved_policy(
    policy: Path | None, *, strict: bool = False, repo: Repository | None = None
) -> ResolvedPolicy:
    """The policy the hooks would use here, resolved the way they resolve it
    (``layout.resolve_policy``; the tree being committed is the index: what the next commit
    holds). Outside a repository: the named policy, ``$METAWSM_HOME``'s, else the defaults."""
    from metawsm_hooks.layout import named_policy, resolve_policy

    if repo is None and named_policy(policy) is None:
        repo = maybe_repository()
    tree = repo.index_source() if repo is not None and repo.workdir is not None else None
    return resolve_policy(
        repo=repo,
        named=policy,
        tree=tree,
        where="staged",
        client=repo is None or not repo.is_bare,
        strict=strict,
    )


def usable_policy(out: Output, policy: Path | None, *, repo: Repository | None = None) -> Policy:
    """The resolved policy, said in one line; FatalError (blocked) when it is invalid."""
    from metawsm_hooks.stages.common import show_policy

    resolved = resolved_policy(policy, repo=repo)
    result = resolved.result
    show_policy(out, resolved)
    if not result.valid or result.policy is None:
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


def open_store(db: str | None, policy: Policy | None) -> Store:
    """The store (``layout.store_location``): ``--db`` / ``$METAWSM_DB`` / ``$METAWSM_HOME``'s
    need no repository. It waits for another process's write as long as ``policy`` says
    (``hooks.store_busy_timeout_seconds``; its default when None)."""
    from metawsm_hooks.constants import DB_ENV, STORE_BUSY_TIMEOUT
    from metawsm_hooks.layout import configured_home, store_location
    from metawsm_hooks.store import Store

    repo = maybe_repository()
    if repo is None and not (db or os.environ.get(DB_ENV) or configured_home(None) is not None):
        find_repository()  # says that this is not a repository and what to do
    timeout = STORE_BUSY_TIMEOUT if policy is None else policy.hooks.store_busy_timeout_seconds
    return Store.open(store_location(repo, db), busy_timeout=timeout)


def worktree_root(repo: Repository, what: str) -> Path:
    """The main worktree's root; FatalError in a bare repository."""
    root = repo.main_root()
    if root is None:
        raise FatalError(f"a bare repository has no working tree to {what}; run it in a clone")
    return root
