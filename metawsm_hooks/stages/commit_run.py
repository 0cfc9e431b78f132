"""Enforcing the policy on the index being committed: the branch, the required checks, the
audit record and operator assist."""

from __future__ import annotations

from pathlib import Path

from metawsm_hooks.errors import EXIT_PASS
from metawsm_hooks.output import Output
from metawsm_hooks.stages.common import (
    Verdict,
    actor_of,
    apply_skip,
    audit,
    branch_gate,
    consult_operator,
    enforceable,
    finish,
    identify,
    load_stage_policy,
    open_store,
    policy_blocked,
    refuse_agent_skip,
    repo_name,
    run_stamp,
    show_policy,
    show_verdict,
    skipped_checks,
    unclaimed,
)
from metawsm_hooks.stages.options import StageOptions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from metawsm_hooks.checks import Report
    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.git.types import TreeSource

_OPERATIONS = {
    "rebase": "a rebase",
    "cherry-pick": "a cherry-pick",
    "revert": "a revert",
    "bisect": "a bisect",
    "merge": "a merge",
}


def detached_note(operation: str | None) -> str:
    during = f" during {_OPERATIONS[operation]}" if operation in _OPERATIONS else ""
    return f"detached HEAD{during}: no branch to check"


def enforce_commit(
    options: StageOptions,
    out: Output,
    repo: Repository,
    source: TreeSource,
    index_file: Path | None,
) -> int:
    """Branch and required checks over the index being committed; audit; operator assist."""
    from metawsm_hooks.checks import CheckContext, run_checks

    resolved = load_stage_policy(options, repo, source, where="staged")
    if unclaimed(out, "pre-commit", resolved.result):
        repo.close()
        return EXIT_PASS
    show_policy(out, resolved)
    result = resolved.result
    actor = actor_of(repo)
    head = repo.head()
    verdict = Verdict(label="commit")
    verdict.branch = head.branch
    store = open_store(options, repo, enforceable(result))
    try:
        skips = skipped_checks(out, actor)

        def record(outcome: str) -> None:
            audit(
                store,
                stage="pre-commit",
                verdict=verdict,
                outcome=outcome,
                skips=skips,
                actor=actor,
            )

        policy = enforceable(result)
        if policy is None:
            record("invalid-policy")
            return policy_blocked(out, "pre-commit", resolved)
        if policy.git_pr.effective_mode() == "off":
            out.line("metawsm-hooks: enforcement is off (git_pr.mode is off); commit allowed")
            record("off")
            return EXIT_PASS
        if refuse_agent_skip(verdict, policy, skips):
            record("blocked")
            return finish(out, "pre-commit", [verdict])
        if not apply_skip(verdict, skips, "branch"):
            branch_gate(
                verdict,
                policy,
                None if head.detached else head.branch,
                detached_note=detached_note(head.operation),
                repo=repo_name(repo),
                rename_hint="rename with: git branch -m {name}",
                stamp=lambda: run_stamp(repo),
            )
        identify(verdict, store, blocking=False)

        def run() -> Report:
            return run_checks(
                CheckContext(
                    operation="commit",
                    repo=repo,
                    changes=repo.merge_introduced(
                        repo.staged_changes(index_file=index_file), index_file=index_file
                    ),
                    source=source,
                    tree_id=lambda: repo.index_tree_id(index_file=index_file),
                    run_in_place=lambda: repo.worktree_matches_index(index_file=index_file),
                    ticket=verdict.match.ticket if verdict.match else None,
                    policy=policy,
                    skip=skips,
                    cache=store,
                    head_commit=head.oid,
                    head_branch=None if head.detached else head.branch,
                )
            )

        verdict.report = run()
        show_verdict(out, verdict)
        if verdict.passed:
            store.note_success(verdict.branch or "")
        else:
            consult_operator(
                verdict,
                policy=policy,
                store=store,
                stage="pre-commit",
                repo_name=repo_name(repo),
                rerun_tests=run,
            )
        record("passed" if verdict.passed else "blocked")
        return finish(out, "pre-commit", [verdict])
    finally:
        store.close()
        repo.close()
