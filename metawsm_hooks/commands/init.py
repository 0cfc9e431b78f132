"""``init``: write metawsm's default policy into the repository."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from metawsm_hooks.commands.common import find_repository, worktree_root
from metawsm_hooks.errors import EXIT_PASS
from metawsm_hooks.output import Output

if TYPE_CHECKING:
    from metawsm_hooks.git.repository import Repository

POLICY_COMMIT_SUMMARY = "Add the metawsm policy"


def init(out: Output, *, force: bool, advise: bool = True) -> int:
    """Write ``.metawsm/policy.json`` (over an existing one only with ``force``); with
    ``advise``, end by saying how to commit it (``say_commit``)."""
    from metawsm_hooks.onboard.init import init_policy

    repo = find_repository()
    root = repo.workdir or worktree_root(repo, "write a policy into")
    path = init_policy(root, force=force)
    out.line(f"wrote {path} (metawsm's defaults; edit it, then: metawsm-hooks validate)")
    if advise:
        say_commit(out, repo, root, None)
    return EXIT_PASS


def say_commit(out: Output, repo: Repository, root: Path, policy: Path | None) -> None:
    """The line saying how to commit the worktree's policy, when ``git status`` shows it
    (``onboard.commit_hint``)."""
    from metawsm_hooks.commands.common import resolved_policy
    from metawsm_hooks.constants import POLICY_RELPATH
    from metawsm_hooks.layout import configured_home
    from metawsm_hooks.onboard.commit_hint import commit_advice

    home = configured_home(repo) is not None
    advice = commit_advice(
        repo,
        root,
        [root / POLICY_RELPATH],
        summary=POLICY_COMMIT_SUMMARY,
        policy=resolved_policy(policy, repo=repo).result.policy,
        home=home,
    )
    if advice:
        out.line(advice)
