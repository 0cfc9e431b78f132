"""``onboard``: ``init`` (unless a policy is there), ``install``, then ``doctor``."""

from __future__ import annotations

from pathlib import Path

from metawsm_hooks.commands.common import find_repository, worktree_root
from metawsm_hooks.commands.doctor import doctor
from metawsm_hooks.commands.init import init
from metawsm_hooks.commands.install import install
from metawsm_hooks.output import Output


def onboard(out: Output, *, force: bool, policy: Path | None, db: str | None) -> int:
    """Set a repository up in one step; the exit code is doctor's."""
    from metawsm_hooks.constants import POLICY_RELPATH

    repo = find_repository()
    root = repo.workdir or worktree_root(repo, "onboard")
    if force or not (root / POLICY_RELPATH).exists():
        init(out, force=force)
    else:
        out.line(f"kept the existing {root / POLICY_RELPATH} (use --force to replace it)")
    install(out, hook_types=())
    return doctor(out, policy=policy, db=db)
