"""The hook stages: each composes policy, git, checks, store and assist, and returns an exit
code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from metawsm_hooks.errors import EXIT_USAGE, FatalError
from metawsm_hooks.output import Output

__all__ = ["STAGES", "StageOptions", "run_stage"]


@dataclass(frozen=True)
class StageOptions:
    """What the command line and environment say about one stage run."""

    policy_path: Path | None = None
    db_path: str | None = None
    json_mode: bool = False
    cwd: Path = field(default_factory=Path.cwd)


STAGES = ("pre-commit", "prepare-commit-msg", "commit-msg", "pre-push", "pre-receive")


def run_stage(stage: str, options: StageOptions, out: Output, args: Sequence[str]) -> int:
    """Run ``stage`` with the arguments git gave its hook."""
    if stage in ("pre-commit", "prepare-commit-msg", "commit-msg"):
        from metawsm_hooks.stages import commit

        return commit.run(stage, options, out, args)
    if stage in ("pre-push", "pre-receive"):
        from metawsm_hooks.stages import push

        return push.run(stage, options, out, args)
    raise FatalError(
        f"unknown stage '{stage}'; choose one of {', '.join(STAGES)}", exit_code=EXIT_USAGE
    )
