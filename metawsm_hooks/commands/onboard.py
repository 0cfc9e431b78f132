"""``onboard``: ``init`` (unless a policy is there, or a metawsm home governs the repository),
``install``, then ``doctor``."""

from __future__ import annotations

from pathlib import Path

from metawsm_hooks.commands.common import find_repository, worktree_root
from metawsm_hooks.commands.doctor import doctor
from metawsm_hooks.commands.init import init, say_commit
from metawsm_hooks.commands.install import install
from metawsm_hooks.output import Output


def onboard(
    out: Output, *, force: bool, policy: Path | None, db: str | None, home: Path | None = None
) -> int:
    """Set a repository up in one step; the exit code is doctor's. With ``home`` (or a home
    already configured) no policy is written into the checkout: the home's governs it."""
    from metawsm_hooks.constants import POLICY_RELPATH
    from metawsm_hooks.layout import configured_home

    repo = find_repository()
    root = repo.workdir or worktree_root(repo, "onboard")
    if home is not None:
        install(out, hook_types=(), home=home)
        out.line(f"wrote no policy into {root}: the metawsm home's policy governs it")
        return doctor(out, policy=policy, db=db)
    configured = configured_home(repo)
    if configured is not None:
        out.line(
            f"wrote no policy into {root}: the policy of the metawsm home {configured.path}"
            f" ({configured.origin}) governs it"
        )
    elif force or not (root / POLICY_RELPATH).exists():
        init(out, force=force, advise=False)
    else:
        out.line(f"kept the existing {root / POLICY_RELPATH} (use --force to replace it)")
    install(out, hook_types=())
    _say_branches(out, root / POLICY_RELPATH)
    code = doctor(out, policy=policy, db=db)
    if configured is None:
        # Last, where it is read: a policy left uncommitted fails the first push (clean_tree).
        say_commit(out, repo, root, policy)
    return code


def _say_branches(out: Output, path: Path) -> None:
    """Which branches the hooks hold to the template, as onboarding's last word on them."""
    from metawsm_hooks.constants import DEFAULT_BRANCH_TEMPLATE
    from metawsm_hooks.policy import load_policy_path
    from metawsm_hooks.stages.common import base_branch_note

    result = load_policy_path(path, missing_ok=True)
    if result.policy is None:
        return
    policy = result.policy
    template = policy.git_pr.branch_template.strip() or DEFAULT_BRANCH_TEMPLATE
    base = policy.workspace.base_branch.strip()
    exempt = ", ".join(policy.hooks.exempt_branches) or "none"
    out.line(
        f"branches: {base_branch_note(base)}; every other branch must fit '{template}'"
        f" (hooks.exempt_branches adds more: {exempt}); check one with: metawsm-hooks branch check"
    )
