"""The message stages: ``prepare-commit-msg`` and ``commit-msg`` (metawsm's ``TICKET: summary``
form, following the branch's ticket)."""

from __future__ import annotations

import os
from pathlib import Path

from metawsm_hooks import commit_message
from metawsm_hooks.constants import HOME_CONFIG_KEY
from metawsm_hooks.errors import EXIT_BLOCKED, EXIT_PASS, FatalError
from metawsm_hooks.records import Record
from metawsm_hooks.stages.options import index_file_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.output import Output
    from metawsm_hooks.stages.options import StageOptions


def _message_file(args: Sequence[str], stage: str) -> Path:
    if not args:
        raise FatalError(f"{stage} needs the commit message file git passes (run it from git)")
    return Path(args[0])


class _MessageContext(Record):
    """What a message stage needs to know besides the message: the branch's ticket (None when
    there is none), ``hooks.commit_message``, and the git settings that decide how git reads
    the message (``commit.cleanup``, ``core.commentChar``, ``commit.template``)."""

    ticket: str | None
    mode: str
    config: dict[str, str]
    repo: Repository


_MESSAGE_CONFIG = ("commit.cleanup", "core.commentchar", "commit.template")


def _message_context(options: StageOptions, out: Output) -> _MessageContext:
    from metawsm_hooks.branch import BranchMatch, parse_branch
    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.stages.common import enforceable, load_stage_policy
    from metawsm_hooks.stages.options import in_shared_hooks

    repo = Repository.discover(options.cwd)
    # One git reads the metawsm home setting and how git will clean up the message.
    repo.start_config(HOME_CONFIG_KEY, *_MESSAGE_CONFIG)
    # The policy is read from the index as it is staged (git ls-files); a message stage needs
    # nothing else of the index, so the staged changes are not computed.
    source = repo.index_source(index_file=index_file_of(options), eager=False)
    resolved = load_stage_policy(options, repo, source, where="staged")
    if in_shared_hooks() and resolved.result.defaults_used:
        # Shared hooks in a repository without a policy: not metawsm's, the message is kept
        # (pre-commit said so).
        return _MessageContext(None, "off", {}, repo)
    # pre-commit lists the policy's problems; a message stage only says which policy it read.
    out.note(f"policy: {resolved.described}")
    policy = enforceable(resolved.result)
    if policy is None:
        # pre-commit already reported the policy problems; the message stage adds nothing.
        return _MessageContext(None, "off", {}, repo)
    mode = policy.hooks.commit_message
    if policy.git_pr.effective_mode() == "off" or mode == "off":
        return _MessageContext(None, "off", {}, repo)
    head = repo.head()
    ticket = None
    if not head.detached and head.branch is not None:
        found = parse_branch(policy.git_pr.branch_template, head.branch)
        if isinstance(found, BranchMatch) and found.ticket:
            ticket = found.ticket
    config = repo.config_values(*_MESSAGE_CONFIG) if ticket else {}
    return _MessageContext(ticket, mode, config, repo)


def _reading(context: _MessageContext, message: str) -> commit_message.Reading:
    # git sets GIT_EDITOR=: for the commit hooks when no editor will run (builtin/commit.c).
    return commit_message.reading(
        cleanup_config=context.config.get("commit.cleanup"),
        comment_config=context.config.get("core.commentchar"),
        no_editor=os.environ.get("GIT_EDITOR") == ":",
        message=message,
    )


def _template(context: _MessageContext) -> str | None:
    """The text of ``commit.template`` (``git commit -t FILE`` is not visible to a hook)."""
    name = context.config.get("commit.template")
    if not name:
        return None
    try:
        return Path(os.path.expanduser(name)).read_bytes().decode("utf-8", "surrogateescape")
    except OSError:
        return None


def _reuses_head_message(
    context: _MessageContext, message: str, how: commit_message.Reading
) -> bool:
    """``git commit --amend --no-edit`` and ``-C HEAD`` hand the hook HEAD's own message."""
    head = context.repo.commit_message("HEAD")
    if head is None:
        return False
    return commit_message.cleaned(message, how) == commit_message.cleaned(head, how)


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
    """Prefill ``TICKET: `` for a message the user is about to write in an editor; never blocks.

    A message that comes from anywhere (``-m``, ``-F``, a template, a merge, a squash, an
    amend) is kept: prefilling an untouched ``commit.template`` would make git take it as
    edited and commit it."""
    path = _message_file(args, "prepare-commit-msg")
    origin = args[1] if len(args) > 1 else ""
    if origin:
        return _message_verdict(out, "prepare-commit-msg", None, "kept", f"message from {origin}")
    context = _message_context(options, out)
    try:
        ticket, mode = context.ticket, context.mode
        if ticket is None or mode != "prefix":
            detail = f"commit_message={mode}"
            return _message_verdict(out, "prepare-commit-msg", ticket, "kept", detail)
        message = _read_message(path)
        how = _reading(context, message)
        if not how.edited:
            detail = "no editor runs; git aborts an empty message"
            return _message_verdict(out, "prepare-commit-msg", ticket, "kept", detail)
        if commit_message.mentions_ticket(message, ticket, how):
            return _message_verdict(out, "prepare-commit-msg", ticket, "kept", "has the ticket")
        _write_message(path, commit_message.with_ticket(message, ticket, how))
        return _message_verdict(out, "prepare-commit-msg", ticket, "prefilled", "")
    finally:
        context.repo.close()


def commit_msg(options: StageOptions, out: Output, args: Sequence[str]) -> int:
    """``prefix``: add the branch's ticket when the message lacks it; ``require``: block instead.

    The message is judged as git will store it (``commit_message.reading``). Left alone: a
    message git will abort (empty, or an untouched ``commit.template``; a prefill the user did
    not write after is taken out again so the abort still happens), a message git wrote
    (merge, revert, fixup/squash/amend), and HEAD's own message reused (``--amend --no-edit``,
    ``-C HEAD``)."""
    path = _message_file(args, "commit-msg")
    context = _message_context(options, out)
    try:
        return _commit_msg(out, path, context)
    finally:
        context.repo.close()


def _commit_msg(out: Output, path: Path, context: _MessageContext) -> int:
    ticket, mode = context.ticket, context.mode
    if ticket is None or mode == "off":
        return _message_verdict(out, "commit-msg", ticket, "kept", f"commit_message={mode}")
    message = _read_message(path)
    how = _reading(context, message)
    if mode == "prefix" and (restored := commit_message.without_prefill(message, ticket, how)):
        _write_message(path, restored)
        return _message_verdict(out, "commit-msg", ticket, "kept", "empty; git aborts it")
    if not commit_message.subject(message, how):
        return _message_verdict(out, "commit-msg", ticket, "kept", "empty; git aborts it")
    template = _template(context)
    if template is not None and commit_message.is_untouched_template(message, template, how):
        detail = "the commit template, unedited; git aborts it"
        return _message_verdict(out, "commit-msg", ticket, "kept", detail)
    if commit_message.is_generated(message, how):
        return _message_verdict(out, "commit-msg", ticket, "kept", "written by git")
    if commit_message.mentions_ticket(message, ticket, how):
        return _message_verdict(out, "commit-msg", ticket, "kept", "has the ticket")
    if _reuses_head_message(context, message, how):
        return _message_verdict(out, "commit-msg", ticket, "kept", "HEAD's message, reused")
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
    _write_message(path, commit_message.with_ticket(message, ticket, how))
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
