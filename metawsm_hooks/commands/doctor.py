"""``doctor``: check the setup and say how to fix what is wrong."""

from __future__ import annotations

from pathlib import Path

from metawsm_hooks.commands.common import explicit_policy, find_repository
from metawsm_hooks.errors import EXIT_BLOCKED, EXIT_PASS
from metawsm_hooks.output import Output


def doctor(out: Output, *, policy: Path | None, db: str | None) -> int:
    """Run every setup check; 1 when any fails."""
    from metawsm_hooks.constants import DEFAULT_HOOK_TYPES, POLICY_RELPATH
    from metawsm_hooks.onboard.doctor import doctor as run_doctor
    from metawsm_hooks.stages.common import store_location

    repo = find_repository()
    root = repo.main_root()
    policy_path = explicit_policy(policy)
    if policy_path is None and repo.workdir is not None:
        policy_path = repo.workdir / POLICY_RELPATH
    checks = run_doctor(
        cwd=Path.cwd(),
        hooks_dir=repo.hooks_dir(),
        policy_path=policy_path,
        db_path=store_location(repo, db),
        root=root,
        hook_types=("pre-receive",) if repo.is_bare else DEFAULT_HOOK_TYPES,
    )
    if out.json_mode:
        out.document({"checks": [c.to_json() for c in checks], "ok": all(c.ok for c in checks)})
    else:
        for check in checks:
            out.check(check.name, "passed" if check.ok else "failed", check.detail)
            if not check.ok and check.fix:
                out.line(f"{'':<16} fix: {check.fix}")
    return EXIT_PASS if all(c.ok for c in checks) else EXIT_BLOCKED
