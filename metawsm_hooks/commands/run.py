"""``run STAGE``: what the hook scripts call, with the arguments and stdin git gives the hook."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from metawsm_hooks.errors import EXIT_USAGE, FatalError
from metawsm_hooks.output import Output


def run(
    out: Output, stage: str, hook_args: Sequence[str], *, policy: Path | None, db: str | None
) -> int:
    """Run the hook stage ``stage`` (one of ``constants.HOOK_TYPES``); each stage module starts git
    early and imports the rest after, so only the one stage is imported."""
    from metawsm_hooks.stages.options import StageOptions

    options = StageOptions(policy_path=policy, db_path=db, json_mode=out.json_mode)
    if stage == "pre-commit":
        from metawsm_hooks.stages.commit import pre_commit

        return pre_commit(options, out)
    if stage in ("prepare-commit-msg", "commit-msg"):
        from metawsm_hooks.stages import message

        if stage == "commit-msg":
            return message.commit_msg(options, out, hook_args)
        return message.prepare_commit_msg(options, out, hook_args)
    if stage in ("pre-push", "pre-receive"):
        from metawsm_hooks.stages import push

        if stage == "pre-push":
            return push.pre_push(options, out, hook_args)
        return push.pre_receive(options, out, hook_args)
    if stage == "reference-transaction":
        from metawsm_hooks.stages.ledger import reference_transaction

        return reference_transaction(options, out, hook_args)
    raise FatalError(f"unknown stage '{stage}'", exit_code=EXIT_USAGE)
