"""Operator assist: after a failed stage, ask the operator LLM what to do, as metawsm does.

The deterministic failure always stands. ``assist`` mode only shows the operator's suggestion;
``auto`` mode may act on one allowlisted intent through a deterministic gate (``auto_restart``
re-runs a failed ``tests`` check once). Thresholds (consecutive failures, budget, cooldown,
staleness) live in the store so they hold across hook processes. Nothing here raises for a
missing, slow, crashing or babbling command: each becomes a one-line note.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol, TypeVar

from metawsm_hooks.constants import OPERATOR_EXTRA_ENV

if TYPE_CHECKING:
    from metawsm_hooks.store import Store

ALLOWED_INTENTS = (
    "noop",
    "escalate_guidance",
    "escalate_blocked",
    "auto_restart",
    "auto_stop_stale",
    "commit_ready",
    "pr_ready",
    "review_feedback_ready",
)
MAX_OUTPUT = 64 * 1024
_DETAIL_LIMIT = 2000
# Linux refuses a single argument longer than 128 KiB; the prompt is one argument.
_CONTEXT_LIMIT = 100_000
_REASON_LIMIT = 400
_PREFIX = "operator assist: "
_T = TypeVar("_T", str, bool)


class _LLMSettings(Protocol):
    @property
    def command(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def timeout_seconds(self) -> int: ...
    @property
    def max_tokens(self) -> int: ...
    def effective_mode(self) -> str: ...


class _OperatorSettings(Protocol):
    @property
    def unhealthy_confirmations(self) -> int: ...
    @property
    def restart_budget(self) -> int: ...
    @property
    def restart_cooldown_seconds(self) -> int: ...
    @property
    def stale_run_age_seconds(self) -> int: ...
    @property
    def llm(self) -> _LLMSettings: ...


class PolicyLike(Protocol):
    """The part of ``policy.Policy`` operator assist reads."""

    @property
    def operator(self) -> _OperatorSettings: ...


class _CheckResultLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def detail(self) -> str: ...


class ReportLike(Protocol):
    """The part of ``checks.Report`` operator assist reads."""

    def to_json(self) -> dict[str, object]: ...
    def failed(self) -> Sequence[_CheckResultLike]: ...


class AssistOutcome(NamedTuple):
    lines: tuple[str, ...]  # human lines to show after the deterministic failure
    rerun_tests: bool  # auto mode's gated auto_restart: the stage re-runs the tests check once


class OperatorReply(NamedTuple):
    intent: str
    target_run: str
    reason: str
    confidence: float
    needs_human: bool


class ReplyError(ValueError):
    """The operator's output is not a usable reply; the message says why, in a few words."""


def consult(
    *,
    policy: PolicyLike,
    store: Store | None,
    stage: str,
    repo_name: str,
    branch: str | None,
    ticket: str | None,
    run_id: str | None,
    report: ReportLike | None,
    failures: Sequence[tuple[str, str]],
    now: float | None = None,
) -> AssistOutcome:
    """Consult the operator about a failed stage, within the policy's thresholds.

    ``failures`` are (name, detail) pairs; they may repeat the report's failed checks and add
    the stage's own failures (branch template, invalid policy, ...).
    """
    checks = _failed_checks(report)
    others = _other_failures(failures, checks)
    names = sorted({name for name, _ in checks} | {name for name, _ in others})
    if not names:
        return AssistOutcome(lines=(), rerun_tests=False)
    kind = "+".join(names)
    operator = policy.operator
    branch_key = branch or ""
    run_key = run_id or branch_key
    run_label = run_key or "detached HEAD"
    stale_after = float(operator.stale_run_age_seconds)

    count = 1
    if store is not None:
        count = store.note_failure(branch_key, kind, stale_after=stale_after, now=now).count

    mode = operator.llm.effective_mode()
    if mode == "off":
        return AssistOutcome(lines=(), rerun_tests=False)
    if mode not in ("assist", "auto"):
        return _note(f"operator.llm.mode '{mode}' is not off, assist or auto; not consulted")
    needed = max(1, operator.unhealthy_confirmations)
    if count < needed:
        return _note(f"waiting for {needed} consecutive failures of {kind} ({count} so far)")

    budget = operator.restart_budget
    if store is not None:
        claim = store.claim_assist(
            run_key,
            budget=budget,
            cooldown=float(operator.restart_cooldown_seconds),
            stale_after=stale_after,
            now=now,
        )
        if not claim.granted and claim.reason == "budget":
            return _note(f"budget used up ({claim.used} of {budget} assists for run '{run_label}')")
        if not claim.granted:
            return _note(f"cooling down; next assist possible in {claim.retry_in} s")
        used = claim.used
    else:
        if budget < 1:
            return _note(f"budget used up (0 of {budget} assists for run '{run_label}')")
        used = 1

    context = _context(
        stage=stage,
        repo_name=repo_name,
        branch=branch,
        ticket=ticket,
        run_id=run_id,
        checks=checks,
        others=others,
        report=report,
        count=count,
        used=used,
        budget=budget,
    )
    outcome, reply_text, intent, decision, note = _ask(
        policy, context, mode=mode, tests_failed="tests" in names, used=used, budget=budget
    )
    if store is not None:
        from metawsm_hooks.store import AssistRecord

        store.record_assist(
            AssistRecord(
                run_key=run_key,
                branch=branch_key,
                kind=kind,
                mode=mode,
                context_json=context,
                reply=reply_text,
                intent=intent,
                decision=decision,
                note=note,
            ),
            now=now,
        )
    return outcome


def _note(text: str) -> AssistOutcome:
    return AssistOutcome(lines=(_PREFIX + text,), rerun_tests=False)


def _failed_checks(report: ReportLike | None) -> list[tuple[str, str]]:
    if report is None:
        return []
    return [(r.name, r.detail) for r in report.failed()]


def _other_failures(
    failures: Sequence[tuple[str, str]], checks: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    seen = set(checks)
    out: list[tuple[str, str]] = []
    for name, detail in failures:
        if (name, detail) in seen:
            continue
        seen.add((name, detail))
        out.append((name, detail))
    return out


# --- context and prompt --------------------------------------------------------------------------


def _context(
    *,
    stage: str,
    repo_name: str,
    branch: str | None,
    ticket: str | None,
    run_id: str | None,
    checks: Sequence[tuple[str, str]],
    others: Sequence[tuple[str, str]],
    report: ReportLike | None,
    count: int,
    used: int,
    budget: int,
) -> str:
    """The compact JSON the operator sees (ASCII only, so it passes safely as one argument)."""
    failed = "; ".join(f"{n}: {d}" for n, d in (*checks, *others))
    doc: dict[str, object] = {
        "stage": stage,
        "repo": repo_name,
        "branch": branch,
        "ticket": ticket,
        "run": run_id,
        "rule_intent": "escalate_blocked",
        "rule_reason": f"{stage} blocked: {failed}",
        "failed_checks": [{"name": n, "detail": d} for n, d in checks],
        "failures": [{"name": n, "detail": d} for n, d in others],
        "validation_report": report.to_json() if report is not None else None,
        "consecutive_failures": count,
        "assists_used": used,
        "restart_budget": budget,
    }
    for limit in (_DETAIL_LIMIT, 200):
        text = json.dumps(_capped(doc, limit), separators=(",", ":"), default=str)
        if len(text) <= _CONTEXT_LIMIT:
            return text
    doc["validation_report"] = {"omitted": "too large"}
    doc["failed_checks"] = [{"name": n} for n, _ in checks]
    doc["failures"] = [{"name": n} for n, _ in others]
    doc["rule_reason"] = f"{stage} blocked"
    return json.dumps(_capped(doc, 200), separators=(",", ":"), default=str)[:_CONTEXT_LIMIT]


def _capped(value: object, limit: int) -> object:
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "...[truncated]"
    if isinstance(value, dict):
        return {str(k): _capped(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_capped(v, limit) for v in value]
    return value


def build_prompt(context_json: str, *, max_tokens: int) -> str:
    """metawsm's operator prompt, with the reply's token limit, then the context JSON."""
    return "\n".join(
        [
            "You are an operator assistant for metawsm.",
            "Return a single JSON object with keys: intent, target_run, reason, confidence,"
            " needs_human.",
            f"Allowed intents: {', '.join(ALLOWED_INTENTS)}.",
            "Do not include markdown.",
            f"Keep the reply under {max_tokens} tokens.",
            "Context JSON:",
            context_json,
        ]
    )


# --- the call ------------------------------------------------------------------------------------

# What the operator command inherits: where programs and the user's files are, the locale and
# terminal, the credentials of the usual LLM command-line tools (by prefix), and the variables
# $METAWSM_OPERATOR_ENV names (comma-separated). Nothing of git's (GIT_DIR, GIT_INDEX_FILE, ...),
# of the hook's or of anything else in the environment.
OPERATOR_VARIABLES = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "LC_MESSAGES",
    "TZ",
    "TERM",
    "TMPDIR",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
    "XDG_RUNTIME_DIR",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
    "https_proxy",
    "http_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)
OPERATOR_PREFIXES = ("CODEX_", "OPENAI_", "ANTHROPIC_", "CLAUDE_", "AZURE_OPENAI_")


def operator_environment() -> dict[str, str]:
    """The minimal environment the operator command runs with (see OPERATOR_VARIABLES)."""
    extra = {n.strip() for n in os.environ.get(OPERATOR_EXTRA_ENV, "").split(",")}
    return {
        name: value
        for name, value in os.environ.items()
        if name in OPERATOR_VARIABLES or name.startswith(OPERATOR_PREFIXES) or name in extra
    }


def _ask(
    policy: PolicyLike, context: str, *, mode: str, tests_failed: bool, used: int, budget: int
) -> tuple[AssistOutcome, str, str, str, str]:
    """Run the operator command; (outcome, raw reply, intent, decision, note) for the record."""
    llm = policy.operator.llm
    argv, name, problem = _command(llm.command)
    if problem:
        return _note(problem), "", "", "not-consulted", problem
    args = ["exec"]
    model = llm.model.strip()
    if model:
        args += ["--model", model]
    args.append(build_prompt(context, max_tokens=llm.max_tokens))
    timeout = float(llm.timeout_seconds) if llm.timeout_seconds > 0 else 30.0

    from metawsm_hooks.procs import run_bounded

    try:
        with tempfile.TemporaryDirectory(prefix="metawsm-assist-") as scratch:
            # An empty folder: the operator needs only the context, never the user's files.
            done = run_bounded(
                [*argv, *args],
                cwd=Path(scratch),
                timeout=timeout,
                env=operator_environment(),
                max_output=MAX_OUTPUT,
                kill_grace=1.0,
            )
    except OSError as exc:
        note = (
            f"cannot run {name} ({exc.strerror or exc});"
            " set operator.llm.command or operator.llm.mode=off"
        )
        return _note(note), "", "", "no-reply", note
    output = _decoded(done.output)
    if done.timed_out:
        note = (
            f"{name} gave no answer within {timeout:g} s; raise operator.llm.timeout_seconds"
            " or set operator.llm.mode=off"
        )
        return _note(note), output, "", "no-reply", note
    if done.returncode != 0:
        last = _last_line(output)
        note = f"{name} exited with status {done.returncode}" + (f" ({last})" if last else "")
        return _note(note), output, "", "no-reply", note
    try:
        reply = parse_reply(output)
    except ReplyError as exc:
        note = f"{name} reply ignored: {exc}"
        return _note(note), output, "", "rejected", note

    lines = [
        f"{name} suggests {reply.intent} (confidence {reply.confidence:g},"
        f" needs_human {'yes' if reply.needs_human else 'no'})"
    ]
    if reply.reason:
        lines.append(f"reason: {reply.reason}")
    rerun = False
    if mode == "assist":
        decision = "suggested"
        lines[0] += "; a suggestion only, nothing acted on"
    elif reply.intent == "auto_restart" and tests_failed and not reply.needs_human:
        decision, rerun = "acted", True
        lines.append(
            f"acting on auto_restart: re-running the tests check once (assist {used} of {budget})"
        )
    elif reply.intent == "escalate_blocked":
        decision = "agreed"
        lines.append("not acted on: agrees with the deterministic decision (blocked)")
    else:
        decision = "rejected-by-policy-gate"
        why = ""
        if reply.intent == "auto_restart":
            why = (
                " (a human is needed)"
                if reply.needs_human
                else " (only a failed tests check is re-run)"
            )
        lines.append(f"not acted on: rejected by policy gate{why}")
    return (
        AssistOutcome(lines=tuple(_PREFIX + line for line in lines), rerun_tests=rerun),
        output,
        reply.intent,
        decision,
        "",
    )


def _command(command: str) -> tuple[list[str], str, str]:
    """(argv, short name, problem) for ``operator.llm.command``."""
    import shlex

    text = command.strip()
    if not text:
        return [], "", "operator.llm.command is empty; set it or set operator.llm.mode=off"
    if os.path.isfile(text) and os.access(text, os.X_OK):
        argv = [text]  # a path with spaces, used whole as metawsm does
    else:
        try:
            argv = shlex.split(text)
        except ValueError as exc:
            return [], "", f"cannot split operator.llm.command ({exc}); fix its quoting"
    if not argv:
        return [], "", "operator.llm.command is empty; set it or set operator.llm.mode=off"
    name = os.path.basename(argv[0]) or argv[0]
    found = shutil.which(argv[0])
    if found is None:
        where = "" if os.sep in argv[0] else " on PATH"
        return (
            [],
            name,
            f"{argv[0]} not found{where}; set operator.llm.command or operator.llm.mode=off",
        )
    return argv, name, ""


def _decoded(output: object) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", "replace")
    return str(output)


_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x1f\x7f]")


def _one_line(text: str, limit: int) -> str:
    """Untrusted text made safe for one terminal line: no escapes, no control characters."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _last_line(output: str) -> str:
    for line in reversed(output.splitlines()):
        if line.strip():
            return _one_line(line, 160)
    return ""


# --- parsing, metawsm's way ----------------------------------------------------------------------


def parse_reply(output: str) -> OperatorReply:
    """The operator's reply in ``output``, as metawsm reads it.

    metawsm takes the text from the first ``{`` and tries ever shorter spans ending at a ``}``
    until one parses (the widest span that parses). When that finds nothing, the first later
    ``{`` that starts a JSON object is tried. The object must hold an allowed ``intent``;
    fields are matched case-insensitively and must have JSON's types (as Go decodes them).
    """
    found = _extract_object(output)
    if found is None:
        raise ReplyError("no JSON object in the output")
    fields: dict[str, object] = {}
    for key, value in found:
        field = _field_of(key)
        if field is not None:
            fields[field] = value
    intent = _typed(fields, "intent", str, "")
    target_run = _typed(fields, "target_run", str, "")
    reason = _typed(fields, "reason", str, "")
    needs_human = _typed(fields, "needs_human", bool, False)
    raw_conf = fields.get("confidence")
    if raw_conf is None:
        confidence = 0.0
    elif isinstance(raw_conf, (int, float)) and not isinstance(raw_conf, bool):
        confidence = float(raw_conf)
    else:
        raise ReplyError("confidence is not a number")
    if not intent:
        raise ReplyError("the reply has no intent")
    if intent not in ALLOWED_INTENTS:
        raise ReplyError(f"intent '{_one_line(intent, 60)}' is not one metawsm allows")
    return OperatorReply(
        intent=intent,
        target_run=_one_line(target_run, 200),
        reason=_one_line(reason, _REASON_LIMIT),
        confidence=confidence,
        needs_human=needs_human,
    )


_FIELDS = ("intent", "target_run", "reason", "confidence", "needs_human")


def _field_of(key: str) -> str | None:
    """The reply field ``key`` names, compared as Go's ``bytes.EqualFold`` does."""
    folded = key.replace("\u017f", "s").replace("\u212a", "k")
    if not folded.isascii():
        return None
    folded = folded.lower()
    return folded if folded in _FIELDS else None


def _typed(fields: dict[str, object], name: str, kind: type[_T], default: _T) -> _T:
    """A field as Go decodes it: null or absent leaves the zero value, another type fails."""
    value = fields.get(name)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise ReplyError(f"{name} is not a {'boolean' if kind is bool else 'string'}")
    return value


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


def _finite_int(text: str) -> int:
    if math.isinf(float(text)):
        raise ValueError("number out of range")
    return int(text)


_DECODER = json.JSONDecoder(
    object_pairs_hook=lambda pairs: pairs,
    parse_constant=_reject_constant,
    parse_float=_finite_float,
    parse_int=_finite_int,
)
_MAX_STARTS = 256


def _object_at(text: str, start: int) -> tuple[list[tuple[str, object]] | None, int]:
    try:
        value, end = _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError):
        return None, start + 1
    return (value if isinstance(value, list) else None), end


def _extract_object(text: str) -> list[tuple[str, object]] | None:
    """The key/value pairs of the reply object, or None.

    A JSON object is prefix-free, so metawsm's "widest span from the first ``{`` that parses" is
    exactly the object a decoder reads from there: one decode instead of one per ``}``. When
    that object has no intent (an echoed prompt, say), or nothing parses there, the following
    objects are tried in order; the first with an intent wins, else the first that parsed.
    """
    start = text.find("{")
    if start < 0 or text.rfind("}") < start:
        return None
    first: list[tuple[str, object]] | None = None
    for _ in range(_MAX_STARTS):
        found, end = _object_at(text, start)
        if found is not None:
            if any(_field_of(key) == "intent" for key, _ in found):
                return found
            if first is None:
                first = found
        start = text.find("{", end)
        if start < 0:
            break
    return first
