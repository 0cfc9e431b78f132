"""The message stages: ``prepare-commit-msg`` and ``commit-msg`` (metawsm's ``TICKET: summary``
form, following the branch's ticket)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from metawsm_hooks import commit_message
from metawsm_hooks.errors import EXIT_BLOCKED, EXIT_PASS, FatalError
from metawsm_hooks.stages.options import index_file_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from metawsm_hooks.git import Repository, TreeSource
    from metawsm_hooks.output import Output
    from metawsm_hooks.stages.options import StageOptions


def _message_file(args: Sequence[str], stage: str) -> Path:
    if not args:
        raise FatalError(f"{stage} needs the commit message file git passes (run it from git)")
    return Path(args[0])


def _ticket_for(options: StageOptions) -> tuple[str | None, str, str]:
    """The branch's ticket (None when there is none), the commit_message mode and comment char."""
    from metawsm_hooks.git import Repository

    repo = Repository.discover(options.cwd)
    try:
        # Starts git on the staged changes (the policy may be staged too); the policy and the
        # branch rules load meanwhile.
        source = repo.index_source(index_file=index_file_of(options))
        return _message_settings(repo, source, options)
    finally:
        repo.close()


def _message_settings(
    repo: Repository, source: TreeSource, options: StageOptions
) -> tuple[str | None, str, str]:
    from metawsm_hooks.branch import BranchMatch, parse_branch
    from metawsm_hooks.stages.common import enforceable, load_stage_policy

    result = load_stage_policy(options, source, where="index")
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
    ticket, mode, comment = _ticket_for(options)
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
    ticket, mode, comment = _ticket_for(options)
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
