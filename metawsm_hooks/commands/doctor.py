"""``doctor``: check the setup and say how to fix what is wrong."""

from __future__ import annotations

from pathlib import Path

from metawsm_hooks.commands.common import explicit_policy, find_repository, resolved_policy
from metawsm_hooks.errors import EXIT_BLOCKED, EXIT_PASS, FatalError
from metawsm_hooks.output import Output


def doctor(out: Output, *, policy: Path | None, db: str | None) -> int:
    """Run every setup check (the metawsm home, the policy and the store as the hooks resolve
    them); 1 when any fails."""
    from metawsm_hooks.constants import DEFAULT_HOOK_TYPES
    from metawsm_hooks.layout import configured_home, store_location
    from metawsm_hooks.onboard.doctor import doctor as run_doctor

    repo = find_repository()
    resolved = None
    if not repo.is_bare or explicit_policy(policy) is not None:
        resolved = resolved_policy(policy, repo=repo)
    try:
        db_path: Path | None = store_location(repo, db)
    except FatalError:
        db_path = None  # a home that is not a folder: its check says so and how to fix it
    checks = run_doctor(
        cwd=Path.cwd(),
        hooks_dir=repo.hooks_dir(),
        policy=resolved,
        db_path=db_path,
        root=repo.main_root(),
        hook_types=("pre-receive",) if repo.is_bare else DEFAULT_HOOK_TYPES,
        home=configured_home(repo),
    )
    if repo.workdir is not None:
        from metawsm_hooks.agent.settings import doctor_checks
        from metawsm_hooks.hooks_off import worktree_checks

        checks += worktree_checks(repo.workdir)
        checks += doctor_checks(repo.workdir)
    if out.json_mode:
        out.document({"checks": [c.to_json() for c in checks], "ok": all(c.ok for c in checks)})
    else:
        for check in checks:
            out.check(check.name, check.status, check.detail)
            if (not check.ok or check.warning) and check.fix:
                out.line(f"{'':<16} fix: {check.fix}")
    return EXIT_PASS if all(c.ok for c in checks) else EXIT_BLOCKED
