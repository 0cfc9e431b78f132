"""``init``: write metawsm's default policy into the repository."""

from __future__ import annotations

from metawsm_hooks.commands.common import find_repository, worktree_root
from metawsm_hooks.errors import EXIT_PASS
from metawsm_hooks.output import Output


def init(out: Output, *, force: bool) -> int:
    """Write ``.metawsm/policy.json`` (over an existing one only with ``force``)."""
    from metawsm_hooks.onboard.init import init_policy

    repo = find_repository()
    path = init_policy(repo.workdir or worktree_root(repo, "write a policy into"), force=force)
    out.line(f"wrote {path} (metawsm's defaults; edit it, then: metawsm-hooks validate)")
    return EXIT_PASS
