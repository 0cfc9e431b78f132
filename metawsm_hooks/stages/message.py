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
    from metawsm_hooks.policy import Policy
    from metawsm_hooks.stages.common import Verdict
    from metawsm_hooks.stages.options import StageOptions


def _message_file(args: Sequence[str], stage: str) -> Path:
    if not args:
        raise FatalError(f"{stage} needs the commit message file git passes (run it from git)")
    return Path(args[0])


class _MessageContext(Record):
    """What a message stage needs to know besides the message: the branch's ticket (None when
    there is none), ``hooks.commit_message``, the git settings that decide how git reads
    the message (``commit.cleanup``, ``core.commentChar``, ``commit.template``), and what its
    audit record is made of (``audit`` None: not metawsm's repository, nothing is recorded)."""

    ticket: str | None
    mode: str
    config: dict[str, str]
    repo: Repository
    audit: _Audit | None = None
    described: str = ""  # which policy was read, as the "policy:" line says it


class _Audit(Record):
    """The audit record of one message stage run, written through the store as every stage's
    is (``stages.common.audit``): the branch and its tokens on ``verdict``, ``outcome``
    unless the stage's own verdict decides it (``passed``/``blocked``), and the policy that says
    how long the store waits (None, the default, when it is invalid)."""

    verdict: Verdict
    options: StageOptions
    outcome: str | None = None
    policy: Policy | None = None


_MESSAGE_CONFIG = ("commit.cleanup", "core.commentchar", "commit.template")


def _message_context(options: StageOptions) -> _MessageContext:
    from metawsm_hooks.branch import BranchMatch, parse_branch
    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.stages.common import Verdict, enforceable, load_stage_policy
    from metawsm_hooks.stages.options import in_shared_hooks

    repo = Repository.discover(options.cwd)
    # One git reads the metawsm home setting and how git will clean up the message; another
    # the author identity (the audit's actor).
    repo.start_config(HOME_CONFIG_KEY, *_MESSAGE_CONFIG)
    repo.start_identity()
    # The policy is read from the index as it is staged (git ls-files); a message stage needs
    # nothing else of the index, so the staged changes are not computed.
    source = repo.index_source(index_file=index_file_of(options), eager=False)
    resolved = load_stage_policy(options, repo, source, where="staged")
    if in_shared_hooks() and resolved.result.defaults_used:
        # Shared hooks in a repository without a policy: not metawsm's, the message is kept
        # (pre-commit said so) and nothing is recorded.
        return _MessageContext(None, "off", {}, repo)
    # pre-commit names the policy (and lists its problems) once per commit, from the same
    # sources: the index, the home, the environment. A message stage names it only when it
    # blocks (``_message_verdict``).
    described = resolved.described
    verdict = Verdict(label="message")
    head = repo.head()
    verdict.branch = None if head.detached else head.branch
    policy = enforceable(resolved.result)
    if policy is None:
        # pre-commit already reported the policy problems; the message stage adds nothing.
        return _MessageContext(
            None, "off", {}, repo, _Audit(verdict, options, "invalid-policy"), described
        )
    if verdict.branch is not None:
        found = parse_branch(policy.git_pr.branch_template, verdict.branch)
        if isinstance(found, BranchMatch):
            verdict.match = found
    if policy.git_pr.effective_mode() == "off":
        return _MessageContext(
            None, "off", {}, repo, _Audit(verdict, options, "off", policy), described
        )
    audit = _Audit(verdict, options, policy=policy)
    mode = policy.hooks.commit_message
    if mode == "off":
        return _MessageContext(None, "off", {}, repo, audit, described)
    ticket = verdict.match.ticket if verdict.match and verdict.match.ticket else None
    config = repo.config_values(*_MESSAGE_CONFIG) if ticket else {}
    return _MessageContext(ticket, mode, config, repo, audit, described)


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
    context = _message_context(options)
    try:
        if origin:
            detail = f"message from {origin}"
            return _message_verdict(out, context, "prepare-commit-msg", None, "kept", detail)
        ticket, mode = context.ticket, context.mode
        if ticket is None or mode != "prefix":
            detail = f"commit_message={mode}"
            return _message_verdict(out, context, "prepare-commit-msg", ticket, "kept", detail)
        message = _read_message(path)
        how = _reading(context, message)
        if not how.edited:
            detail = "no editor runs; git aborts an empty message"
            return _message_verdict(out, context, "prepare-commit-msg", ticket, "kept", detail)
        if commit_message.mentions_ticket(message, ticket, how):
            return _message_verdict(
                out, context, "prepare-commit-msg", ticket, "kept", "has the ticket"
            )
        _write_message(path, commit_message.with_ticket(message, ticket, how))
        return _message_verdict(out, context, "prepare-commit-msg", ticket, "prefilled", "")
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
    context = _message_context(options)
    try:
        return _commit_msg(out, path, context)
    finally:
        context.repo.close()


def _commit_msg(out: Output, path: Path, context: _MessageContext) -> int:
    ticket, mode = context.ticket, context.mode
    if ticket is None or mode == "off":
        return _message_verdict(
            out, context, "commit-msg", ticket, "kept", f"commit_message={mode}"
        )
    message = _read_message(path)
    how = _reading(context, message)
    if mode == "prefix" and (restored := commit_message.without_prefill(message, ticket, how)):
        _write_message(path, restored)
        return _message_verdict(out, context, "commit-msg", ticket, "kept", "empty; git aborts it")
    if not commit_message.subject(message, how):
        return _message_verdict(out, context, "commit-msg", ticket, "kept", "empty; git aborts it")
    template = _template(context)
    if template is not None and commit_message.is_untouched_template(message, template, how):
        detail = "the commit template, unedited; git aborts it"
        return _message_verdict(out, context, "commit-msg", ticket, "kept", detail)
    if commit_message.is_generated(message, how):
        return _message_verdict(out, context, "commit-msg", ticket, "kept", "written by git")
    if commit_message.mentions_ticket(message, ticket, how):
        return _message_verdict(out, context, "commit-msg", ticket, "kept", "has the ticket")
    if _reuses_head_message(context, message, how):
        return _message_verdict(
            out, context, "commit-msg", ticket, "kept", "HEAD's message, reused"
        )
    shown = commit_message.display_ticket(ticket)
    if mode == "require":
        return _message_verdict(
            out,
            context,
            "commit-msg",
            ticket,
            "blocked",
            f"the message lacks the branch's ticket; write it as '{shown}: summary'"
            " (metawsm's commit message form)",
        )
    _write_message(path, commit_message.with_ticket(message, ticket, how))
    return _message_verdict(
        out,
        context,
        "commit-msg",
        ticket,
        "prefixed",
        f"commit message prefixed with '{shown}: ' (hooks.commit_message=prefix)",
    )


def _message_verdict(
    out: Output, context: _MessageContext, stage: str, ticket: str | None, action: str, detail: str
) -> int:
    """Record and report what a message stage did: ``kept``, ``prefilled``, ``prefixed`` or
    ``blocked``."""
    passed = action != "blocked"
    if context.audit is not None:
        # The action leads what passed ("prefixed: ..."); a failure is its reason alone.
        what = detail if not passed else f"{action}: {detail}" if detail else action
        _record(context.audit, context.repo, stage, passed, what)
    if out.json_mode:
        out.document(
            {
                "stage": stage,
                "passed": passed,
                "ticket": ticket,
                "action": action,
                "detail": detail,
                "policy": context.described,
            }
        )
    elif not passed:
        out.verdict(f"{stage} blocked: {detail}; policy: {context.described}", passed=False)
    elif action == "prefixed":
        out.note(detail)
    return EXIT_PASS if passed else EXIT_BLOCKED


def _record(audit: _Audit, repo: Repository, stage: str, passed: bool, what: str) -> None:
    """Write the stage's audit record, keyed by metawsm's identities for the branch as
    pre-commit's is; a store that cannot be written raises a FatalError (the stage fails)."""
    from metawsm_hooks.stages.common import actor_of, identify, open_store
    from metawsm_hooks.stages.common import audit as write_audit

    verdict = audit.verdict
    verdict.add("commit_message", "passed" if passed else "failed", what)
    actor = actor_of(repo)
    store = open_store(audit.options, repo, audit.policy)
    try:
        identify(verdict, store, blocking=False)
        outcome = audit.outcome or ("passed" if passed else "blocked")
        write_audit(store, stage=stage, verdict=verdict, outcome=outcome, skips={}, actor=actor)
    finally:
        store.close()
