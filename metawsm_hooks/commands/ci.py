"""``ci``: the push checks over a range of commits, for a CI job."""

from __future__ import annotations

from pathlib import Path

from metawsm_hooks.output import Output


def ci(
    out: Output, *, base: str, head: str, branch: str | None, policy: Path | None, db: str | None
) -> int:
    """Enforce the policy on ``base..head`` as a push of ``branch`` (default: the current one, or
    the CI service's variables)."""
    from metawsm_hooks.stages.options import StageOptions
    from metawsm_hooks.stages.push import ci as ci_stage

    options = StageOptions(policy_path=policy, db_path=db, json_mode=out.json_mode)
    return ci_stage(options, out, base=base, head=head, branch=branch)
