"""Shared helpers of the checks' tests: a policy with a few fields set, a check context for the
index against HEAD, one check's result, an in-memory test cache."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from metawsm_hooks.checks import CheckContext, CheckResult, run_checks
from metawsm_hooks.git.repository import Repository
from metawsm_hooks.policy import Policy, default_policy, replace


def gone(pid: int, seconds: float = 3.0) -> bool:
    """Whether the process ended (a zombie waiting for init counts as ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(") ", 1)[1][0] == "Z":
                    return True
        except (OSError, IndexError):
            return True
        time.sleep(0.02)
    return False


def make_policy(*, hooks: dict[str, object] | None = None, **git_pr: object) -> Policy:
    base = default_policy()
    return replace(
        base,
        git_pr=replace(base.git_pr, **git_pr),
        hooks=replace(base.hooks, **(hooks or {})),
    )


class MemoryCache:
    def __init__(self) -> None:
        self.passes: dict[str, tuple[str, tuple[str, ...]]] = {}

    def has_passed(self, key: str) -> bool:
        return key in self.passes

    def remember_pass(self, key: str, *, tree_id: str, commands: Sequence[str]) -> None:
        self.passes[key] = (tree_id, tuple(commands))


def commit_ctx(
    root: Path,
    policy: Policy,
    *,
    ticket: str | None = None,
    skip: dict[str, str] | None = None,
    cache: MemoryCache | None = None,
    operation: str = "commit",
) -> CheckContext:
    """What the pre-commit stage hands the checks: the index against HEAD."""
    repo = Repository.discover(root)
    return CheckContext(
        operation=operation,
        repo=repo,
        changes=repo.staged_changes(),
        source=repo.index_source(),
        tree_id=repo.index_tree_id,
        run_in_place=repo.worktree_matches_index,
        ticket=ticket,
        policy=policy,
        skip=skip or {},
        cache=cache,
    )


def only(name: str, ctx: CheckContext) -> CheckResult:
    [result] = run_checks(ctx, only=[name]).results
    return result
