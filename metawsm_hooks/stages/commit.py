"""Commit time: ``pre-commit`` (branch and required checks over the index being committed),
``prepare-commit-msg`` and ``commit-msg`` (metawsm's ``TICKET: summary`` form)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from metawsm_hooks import commit_message
from metawsm_hooks.branch import BranchMatch, parse_branch
from metawsm_hooks.errors import EXIT_BLOCKED, EXIT_PASS, EXIT_USAGE, FatalError
from metawsm_hooks.output import Output
from metawsm_hooks.policy import POLICY_RELPATH
from metawsm_hooks.stages import StageOptions
from metawsm_hooks.stages.common import (
    Verdict,
    actor_of,
    apply_skip,
    audit,
    branch_gate,
    consult_operator,
    enforceable,
    finish,
    load_stage_policy,
    open_store,
    policy_blocked,
    repo_name,
    show_policy,
    show_verdict,
    skipped_checks,
)

if TYPE_CHECKING:
    from metawsm_hooks.checks import Report

_OPERATIONS = {
    "rebase": "a rebase",
    "cherry-pick": "a cherry-pick",
    "revert": "a revert",
    "bisect": "a bisect",
    "merge": "a merge",
}


def _index_file(options: StageOptions) -> Path | None:
    """The index git is committing: ``git commit -a`` and ``git commit <paths>`` use another."""
    value = os.environ.get("GIT_INDEX_FILE", "")
    if not value:
        return None
    return Path(value) if os.path.isabs(value) else options.cwd / value


def detached_note(operation: str | None) -> str:
    during = f" during {_OPERATIONS[operation]}" if operation in _OPERATIONS else ""
    return f"detached HEAD{during}: no branch to check"


def pre_commit(options: StageOptions, out: Output) -> int:
    from metawsm_hooks.checks import CheckContext, run_checks
    from metawsm_hooks.git import Repository

    repo = Repository.discover(options.cwd)
    index_file = _index_file(options)
    source = repo.index_source(index_file=index_file)
    result = load_stage_policy(
        options,
        read_tree_policy=lambda: source.read(POLICY_RELPATH),
        where="index",
        tree_policy_is_folder=lambda: bool(source.list_files(POLICY_RELPATH)),
    )
    show_policy(out, result)
    actor = actor_of(repo)
    head = repo.head()
    verdict = Verdict(label="commit")
    verdict.branch = head.branch
    store = open_store(options, repo)
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
            return policy_blocked(out, "pre-commit", result)
        if policy.git_pr.effective_mode() == "off":
            out.line("metawsm-hooks: enforcement is off (git_pr.mode is off); commit allowed")
            record("off")
            return EXIT_PASS
        if not apply_skip(verdict, skips, "branch"):
            branch_gate(
                verdict,
                policy,
                None if head.detached else head.branch,
                detached_note=detached_note(head.operation),
                repo=repo_name(repo),
                rename_hint="rename with: git branch -m {name}",
            )

        def run() -> Report:
            return run_checks(
                CheckContext(
                    operation="commit",
                    repo=repo,
                    changes=repo.staged_changes(index_file=index_file),
                    source=source,
                    tree_id=lambda: repo.index_tree_id(index_file=index_file),
                    run_in_place=lambda: repo.worktree_matches_index(index_file=index_file),
                    ticket=verdict.match.ticket if verdict.match else None,
                    policy=policy,
                    skip=skips,
                    cache=store,
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


def _message_file(args: Sequence[str], stage: str) -> Path:
    if not args:
        raise FatalError(f"{stage} needs the commit message file git passes (run it from git)")
    return Path(args[0])


def _ticket_for(options: StageOptions, out: Output) -> tuple[str | None, str, str]:
    """The branch's ticket (None when there is none), the commit_message mode and comment char."""
    from metawsm_hooks.git import Repository

    repo = Repository.discover(options.cwd)
    source = repo.index_source(index_file=_index_file(options))
    result = load_stage_policy(
        options, read_tree_policy=lambda: source.read(POLICY_RELPATH), where="index"
    )
    comment = repo.config_value("core.commentChar") or "#"
    if comment in ("auto", ""):
        comment = "#"
    policy = enforceable(result)
    if policy is None:
        # pre-commit already reported the policy problems; the message stage adds nothing.
        return None, "off", comment
    mode = policy.hooks.commit_message
    if policy.git_pr.effective_mode() == "off" or mode == "off":
        return None, "off", comment
    head = repo.head()
    if head.detached or head.branch is None:
        return None, mode, comment
    found = parse_branch(policy.git_pr.branch_template, head.branch)
    if isinstance(found, BranchMatch) and found.ticket:
        return found.ticket, mode, comment
    return None, mode, comment


def _read_message(path: Path) -> str:
    import stat

    chunks = []
    try:
        # git always passes a regular file; anything else (a fifo would block the read forever)
        # is refused, judged on what was actually opened.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise FatalError(
                    f"{path} is not a commit message file (not a regular file);"
                    " run this stage from git"
                )
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise FatalError(f"cannot read the commit message file {path}: {exc.strerror}") from exc
    return b"".join(chunks).decode("utf-8", errors="surrogateescape")


def _write_message(path: Path, text: str) -> None:
    try:
        path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    except OSError as exc:
        raise FatalError(f"cannot write the commit message file {path}: {exc.strerror}") from exc


def prepare_commit_msg(options: StageOptions, out: Output, args: Sequence[str]) -> int:
    """Prefill ``TICKET: `` for a message the user is about to write; never blocks."""
    path = _message_file(args, "prepare-commit-msg")
    origin = args[1] if len(args) > 1 else ""
    if origin not in ("", "template"):
        # -m/-F, merges, squashes and amends keep their message.
        return _message_verdict(out, "prepare-commit-msg", None, "kept", f"message from {origin}")
    ticket, mode, comment = _ticket_for(options, out)
    if ticket is None or mode != "prefix":
        return _message_verdict(out, "prepare-commit-msg", ticket, "kept", f"commit_message={mode}")
    message = _read_message(path)
    if commit_message.mentions_ticket(message, ticket, comment_char=comment):
        return _message_verdict(out, "prepare-commit-msg", ticket, "kept", "has the ticket")
    _write_message(path, commit_message.with_ticket(message, ticket, comment_char=comment))
    return _message_verdict(out, "prepare-commit-msg", ticket, "prefilled", "")


def commit_msg(options: StageOptions, out: Output, args: Sequence[str]) -> int:
    """``prefix``: add the branch's ticket when the message lacks it; ``require``: block instead."""
    path = _message_file(args, "commit-msg")
    ticket, mode, comment = _ticket_for(options, out)
    if ticket is None or mode == "off":
        return _message_verdict(out, "commit-msg", ticket, "kept", f"commit_message={mode}")
    message = _read_message(path)
    if commit_message.is_generated(message, comment_char=comment):
        return _message_verdict(out, "commit-msg", ticket, "kept", "written by git")
    if commit_message.mentions_ticket(message, ticket, comment_char=comment):
        return _message_verdict(out, "commit-msg", ticket, "kept", "has the ticket")
    if not commit_message.subject(message, comment_char=comment):
        return _message_verdict(out, "commit-msg", ticket, "kept", "empty; git aborts it")
    shown = commit_message.display_ticket(ticket)
    if mode == "require":
        return _message_verdict(
            out,
            "commit-msg",
            ticket,
            "blocked",
            f"the message lacks the branch's ticket; write it as '{shown}: summary'"
            " (metawsm's commit message form)",
        )
    _write_message(path, commit_message.with_ticket(message, ticket, comment_char=comment))
    return _message_verdict(
        out,
        "commit-msg",
        ticket,
        "prefixed",
        f"commit message prefixed with '{shown}: ' (hooks.commit_message=prefix)",
    )


def _message_verdict(out: Output, stage: str, ticket: str | None, action: str, detail: str) -> int:
    """Report what a message stage did: ``kept``, ``prefilled``, ``prefixed`` or ``blocked``."""
    passed = action != "blocked"
    if out.json_mode:
        out.document(
            {"stage": stage, "passed": passed, "ticket": ticket, "action": action, "detail": detail}
        )
    elif not passed:
        out.verdict(f"{stage} blocked: {detail}", passed=False)
    elif action == "prefixed":
        out.note(detail)
    return EXIT_PASS if passed else EXIT_BLOCKED


STAGES = ("pre-commit", "prepare-commit-msg", "commit-msg")


def run(stage: str, options: StageOptions, out: Output, args: Sequence[str]) -> int:
    if stage == "pre-commit":
        return pre_commit(options, out)
    if stage == "prepare-commit-msg":
        return prepare_commit_msg(options, out, args)
    if stage == "commit-msg":
        return commit_msg(options, out, args)
    raise FatalError(f"unknown stage '{stage}'", exit_code=EXIT_USAGE)
