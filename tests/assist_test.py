from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from metawsm_hooks.assist import (
    ALLOWED_INTENTS,
    OperatorReply,
    ReplyError,
    build_prompt,
    consult,
    parse_reply,
)
from metawsm_hooks.policy import Policy, default_policy, replace
from metawsm_hooks.store import Store

STANDIN = str(Path(__file__).resolve().parents[1] / "examples" / "operator-standin")


# The operator stand-in reads its STANDIN_* settings.
pytestmark = pytest.mark.usefixtures("standin_environment")


# A stand-in with the attributes of checks.Report that assist reads.
@dataclass(frozen=True)
class Result:
    name: str
    status: str
    detail: str


@dataclass(frozen=True)
class FakeReport:
    results: tuple[Result, ...]

    def failed(self) -> tuple[Result, ...]:
        return tuple(r for r in self.results if r.status == "failed")

    def to_json(self) -> dict[str, object]:
        return {
            "operation": "commit",
            "require_all": True,
            "required_checks": [r.name for r in self.results],
            "results": [dataclasses.asdict(r) for r in self.results],
            "passed": not self.failed(),
            "evaluated_at": "2026-02-08T11:22:26Z",
        }


TESTS_FAILED = FakeReport(
    (
        Result("tests", "failed", "make test: exit 2: 1 failed"),
        Result("forbidden_files", "passed", "no forbidden files"),
    )
)
FORBIDDEN = FakeReport((Result("forbidden_files", "failed", "forbidden files: .env, keys/id_rsa"),))


LLM_FIELDS = {"mode", "command", "model", "timeout_seconds", "max_tokens"}


def policy(**changes: object) -> Policy:
    """metawsm's defaults with the stand-in as the operator, one confirmation, and ``changes``."""
    base = default_policy()
    llm: dict[str, object] = {"command": STANDIN}
    operator: dict[str, object] = {"unhealthy_confirmations": 1}
    for key, value in changes.items():
        (llm if key in LLM_FIELDS else operator)[key] = value
    return replace(
        base,
        operator=replace(base.operator, llm=replace(base.operator.llm, **llm), **operator),
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store" / "metawsm.db"


def calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def run(
    pol: Policy,
    db: Path | None,
    *,
    report: FakeReport | None = TESTS_FAILED,
    failures: tuple[tuple[str, str], ...] = (),
    now: float = 1_000_000.0,
    branch: str | None = "metawsm-009/metawsm/run-1",
    run_id: str | None = "run-1",
) -> tuple[tuple[str, ...], bool]:
    if db is None:
        outcome = consult(
            policy=pol,
            store=None,
            stage="pre-commit",
            repo_name="metawsm",
            branch=branch,
            ticket="metawsm-009",
            run_id=run_id,
            report=report,
            failures=failures,
            now=now,
        )
        return outcome.lines, outcome.rerun_tests
    with Store.open(db) as store:  # a new open each time: state must live in the file
        outcome = consult(
            policy=pol,
            store=store,
            stage="pre-commit",
            repo_name="metawsm",
            branch=branch,
            ticket="metawsm-009",
            run_id=run_id,
            report=report,
            failures=failures,
            now=now,
        )
    return outcome.lines, outcome.rerun_tests


# --- the call ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected_args"),
    [
        pytest.param("gpt-test", ["exec", "--model", "gpt-test"], id="with-model"),
        pytest.param("", ["exec"], id="without-model"),
    ],
)
def test_command_gets_exec_model_and_prompt(
    log: Path, db: Path, model: str, expected_args: list[str]
) -> None:
    lines, rerun = run(policy(model=model, max_tokens=123), db, failures=(("branch", "bad name"),))
    (argv,) = calls(log)
    assert argv[1:-1] == expected_args
    prompt = argv[-1]
    assert prompt.startswith("You are an operator assistant")
    assert (
        "single JSON object with keys: intent, target_run, reason, confidence, needs_human"
        in prompt
    )
    assert all(intent in prompt for intent in ALLOWED_INTENTS)
    assert "Do not include markdown." in prompt
    assert "123 tokens" in prompt
    context = json.loads(prompt.split("Context JSON:\n", 1)[1])
    assert context["stage"] == "pre-commit"
    assert (context["repo"], context["branch"], context["ticket"], context["run"]) == (
        "metawsm",
        "metawsm-009/metawsm/run-1",
        "metawsm-009",
        "run-1",
    )
    assert context["failed_checks"] == [{"name": "tests", "detail": "make test: exit 2: 1 failed"}]
    assert context["failures"] == [{"name": "branch", "detail": "bad name"}]
    assert context["validation_report"]["results"][0]["name"] == "tests"
    assert lines[0].startswith(
        "operator assist: operator-standin suggests auto_restart (confidence 0.6"
    )
    assert "nothing acted on" in lines[0]
    assert lines[1].startswith("operator assist: reason: tests failed")
    assert rerun is False


def test_every_assist_is_recorded(log: Path, db: Path) -> None:
    run(policy(), db, report=FORBIDDEN)
    with Store.open(db) as store:
        (record,) = store.assists()
    assert record["decision"] == "suggested"
    assert record["intent"] == "escalate_guidance"
    assert record["kind"] == "forbidden_files"
    assert json.loads(str(record["context_json"]))["failed_checks"][0]["name"] == "forbidden_files"
    assert '"intent": "escalate_guidance"' in str(record["reply"])


def test_mode_off_never_calls(log: Path, db: Path) -> None:
    for i in range(3):
        assert run(policy(mode="off"), db, now=1_000_000 + 100 * i) == ((), False)
    assert calls(log) == []


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        pytest.param(
            "definitely-not-an-operator-cli",
            "operator assist: definitely-not-an-operator-cli not found on PATH;"
            " set operator.llm.command or operator.llm.mode=off",
            id="missing-on-path",
        ),
        pytest.param(
            "/nonexistent/codex",
            "operator assist: /nonexistent/codex not found;",
            id="missing-path",
        ),
        pytest.param(
            "codex 'unbalanced",
            "operator assist: cannot split operator.llm.command",
            id="bad-quoting",
        ),
    ],
)
def test_missing_command_is_one_note(db: Path, command: str, expected: str) -> None:
    lines, rerun = run(policy(command=command), db)
    assert len(lines) == 1
    assert lines[0].startswith(expected)
    assert rerun is False


def test_command_with_arguments_is_split(log: Path, db: Path, tmp_path: Path) -> None:
    lines, _ = run(policy(command=f"env STANDIN_MODE= {STANDIN}"), db)
    assert "suggests auto_restart" in lines[0]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its reaper is gone for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


@pytest.mark.parametrize("mode", ["sleep", "spawn-and-hang"])
def test_timeout_kills_the_whole_process_group(
    log: Path, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    pidfile = tmp_path / "child.pid"
    monkeypatch.setenv("STANDIN_MODE", mode)
    monkeypatch.setenv("STANDIN_SLEEP", "30")
    monkeypatch.setenv("STANDIN_PIDFILE", str(pidfile))
    started = time.monotonic()
    lines, rerun = run(policy(timeout_seconds=1), db)
    assert time.monotonic() - started < 4
    assert lines == (
        "operator assist: operator-standin gave no answer within 1 s;"
        " raise operator.llm.timeout_seconds or set operator.llm.mode=off",
    )
    assert rerun is False
    if mode == "spawn-and-hang":
        pid = int(pidfile.read_text())
        deadline = time.monotonic() + 2
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        pytest.param("crash", "operator assist: operator-standin exited with status 3", id="crash"),
        pytest.param(
            "garbage",
            "operator assist: operator-standin reply ignored: no JSON object",
            id="garbage",
        ),
        pytest.param(
            "bad-intent",
            "operator assist: operator-standin reply ignored:"
            " intent 'delete_branch' is not one metawsm allows",
            id="bad-intent",
        ),
    ],
)
def test_unusable_replies_are_one_note(
    log: Path, db: Path, monkeypatch: pytest.MonkeyPatch, mode: str, expected: str
) -> None:
    monkeypatch.setenv("STANDIN_MODE", mode)
    for pol in (policy(), policy(mode="auto")):
        label = pol.operator.llm.mode
        lines, rerun = run(pol, db, branch=f"b-{label}", run_id=f"run-{label}")
        assert len(lines) == 1
        assert lines[0].startswith(expected)
        assert rerun is False
    with Store.open(db) as store:
        assert [r["decision"] for r in store.assists()] != []
        assert all(r["note"] for r in store.assists())


# --- thresholds ----------------------------------------------------------------------------------


def test_consults_after_the_confirmations(log: Path, db: Path) -> None:
    pol = policy(unhealthy_confirmations=2)
    lines, _ = run(pol, db, now=1000)
    assert lines == ("operator assist: waiting for 2 consecutive failures of tests (1 so far)",)
    assert calls(log) == []
    lines, _ = run(pol, db, now=1001)
    assert "suggests auto_restart" in lines[0]
    assert len(calls(log)) == 1


def test_another_kind_or_a_success_restarts_the_count(log: Path, db: Path) -> None:
    pol = policy(unhealthy_confirmations=2, restart_cooldown_seconds=1)
    run(pol, db, now=1000)
    lines, _ = run(pol, db, report=FORBIDDEN, now=1001)
    assert lines == (
        "operator assist: waiting for 2 consecutive failures of forbidden_files (1 so far)",
    )
    with Store.open(db) as store:
        store.note_success("metawsm-009/metawsm/run-1")
    lines, _ = run(pol, db, report=FORBIDDEN, now=1002)
    assert "(1 so far)" in lines[0]
    lines, _ = run(pol, db, report=FORBIDDEN, now=1003)
    assert "suggests escalate_guidance" in lines[0]
    assert calls(log) and len(calls(log)) == 1


def test_failure_kind_joins_all_failed_names(log: Path, db: Path) -> None:
    pol = policy(unhealthy_confirmations=3)
    lines, _ = run(pol, db, failures=(("tests", "make test: exit 2: 1 failed"), ("branch", "x")))
    assert lines == (
        "operator assist: waiting for 3 consecutive failures of branch+tests (1 so far)",
    )


def test_budget_holds_across_opens(log: Path, db: Path) -> None:
    pol = policy(restart_budget=2, restart_cooldown_seconds=5)
    assert "suggests" in run(pol, db, now=1000)[0][0]
    assert "suggests" in run(pol, db, now=1010)[0][0]
    lines, _ = run(pol, db, now=1020)
    assert lines == ("operator assist: budget used up (2 of 2 assists for run 'run-1')",)
    assert len(calls(log)) == 2
    # another run on the same store has its own budget
    assert (
        "suggests"
        in run(pol, db, now=1030, run_id="run-2", branch="metawsm-009/metawsm/run-2")[0][0]
    )


def test_cooldown_holds_across_opens(log: Path, db: Path) -> None:
    pol = policy(restart_cooldown_seconds=60)
    assert "suggests" in run(pol, db, now=1000)[0][0]
    lines, _ = run(pol, db, now=1030)
    assert lines == ("operator assist: cooling down; next assist possible in 30 s",)
    assert "suggests" in run(pol, db, now=1060)[0][0]
    assert len(calls(log)) == 2


def test_stale_state_resets(log: Path, db: Path) -> None:
    pol = policy(unhealthy_confirmations=2, restart_budget=1, stale_run_age_seconds=100)
    run(pol, db, now=1000)
    assert "(1 so far)" in run(pol, db, now=1200)[0][0]  # the first failure went stale
    assert "suggests" in run(pol, db, now=1250)[0][0]
    assert "budget used up" in run(pol, db, now=1300)[0][0]
    run(pol, db, now=1500)  # stale again: count restarts at 1
    lines, _ = run(pol, db, now=1550)
    assert "suggests" in lines[0]  # and the run's budget is fresh
    assert len(calls(log)) == 2


def test_without_a_store_every_failure_is_the_first(log: Path) -> None:
    assert "(1 so far)" in run(policy(unhealthy_confirmations=2), None)[0][0]
    assert "suggests" in run(policy(), None)[0][0]
    assert len(calls(log)) == 1


def test_nothing_failed_means_nothing_to_ask(log: Path, db: Path) -> None:
    passed = FakeReport((Result("tests", "passed", "ok"),))
    assert run(policy(), db, report=passed) == ((), False)
    assert calls(log) == []


# --- auto mode -----------------------------------------------------------------------------------


def test_auto_mode_reruns_failed_tests_once(log: Path, db: Path) -> None:
    lines, rerun = run(policy(mode="auto"), db)
    assert rerun is True
    assert lines[-1] == (
        "operator assist: acting on auto_restart: re-running the tests check once (assist 1 of 3)"
    )
    with Store.open(db) as store:
        assert store.assists()[0]["decision"] == "acted"
    lines, rerun = run(policy(mode="auto"), db, now=1_000_010)
    assert rerun is False
    assert lines == ("operator assist: cooling down; next assist possible in 50 s",)


def test_auto_mode_only_acts_through_the_gate(log: Path, db: Path) -> None:
    lines, rerun = run(policy(mode="auto"), db, report=FORBIDDEN)
    assert rerun is False
    assert "suggests escalate_guidance" in lines[0]
    assert "forbidden files: .env, keys/id_rsa" in lines[1]
    assert lines[-1] == "operator assist: not acted on: rejected by policy gate"


def test_assist_mode_never_acts(log: Path, db: Path) -> None:
    lines, rerun = run(policy(mode="assist"), db)
    assert rerun is False
    assert "suggests auto_restart" in lines[0]


# --- parsing metawsm's way -----------------------------------------------------------------------

REPLY = (
    '{"intent": "noop", "target_run": "r", "reason": "fine", "confidence": 0.5,'
    ' "needs_human": false}'
)


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        pytest.param(REPLY, OperatorReply("noop", "r", "fine", 0.5, False), id="bare"),
        pytest.param(
            f"thinking...\n{REPLY}\ntokens used: 12\n",
            OperatorReply("noop", "r", "fine", 0.5, False),
            id="chatter",
        ),
        pytest.param(
            '{"intent": "noop"} and then {"intent": "auto_restart"}',
            OperatorReply("noop", "", "", 0.0, False),
            id="first-object-from-first-brace",
        ),
        pytest.param(
            '{"intent": "pr_ready", "extra": {"nested": [1, {"x": "}"}]}}}',
            OperatorReply("pr_ready", "", "", 0.0, False),
            id="nested-and-trailing-braces",
        ),
        pytest.param(
            '{"INTENT": "noop", "Needs_Human": true, "confidence": 1}',
            OperatorReply("noop", "", "", 1.0, True),
            id="keys-any-case",
        ),
        pytest.param(
            '{"intent": "noop", "intent": "escalate_blocked"}',
            OperatorReply("escalate_blocked", "", "", 0.0, False),
            id="last-duplicate-wins",
        ),
        pytest.param(
            '{"intent": "noop", "reason": null, "confidence": null}',
            OperatorReply("noop", "", "", 0.0, False),
            id="nulls-are-zero",
        ),
        pytest.param(
            'I checked {the tests}.\n{"intent": "escalate_blocked", "reason": "x"}',
            OperatorReply("escalate_blocked", "", "x", 0.0, False),
            id="braces-in-chatter",
        ),
        pytest.param(
            'Context JSON: {"stage": "pre-push", "failed_checks": [{"name": "x"}]}\n'
            'codex\n{"intent": "escalate_blocked", "confidence": 0.9}',
            OperatorReply("escalate_blocked", "", "", 0.9, False),
            id="echoed-context-then-reply",
        ),
        pytest.param(
            '{"intent": "noop", "reason": "line\\n\\u001b[31mred\\u001b[0m"}',
            OperatorReply("noop", "", "line red", 0.0, False),
            id="reason-made-one-safe-line",
        ),
    ],
)
def test_parse_reply(output: str, expected: OperatorReply) -> None:
    assert parse_reply(output) == expected


@pytest.mark.parametrize(
    ("output", "message"),
    [
        pytest.param("", "no JSON object", id="empty"),
        pytest.param("no braces at all", "no JSON object", id="prose"),
        pytest.param("} {", "no JSON object", id="reversed"),
        pytest.param('{"intent": NaN}', "no JSON object", id="nan"),
        pytest.param(
            '{"intent": "noop", "confidence": 1e400}', "no JSON object", id="out-of-range"
        ),
        pytest.param('{"target_run": "r"}', "no intent", id="no-intent"),
        pytest.param('{"intent": ""}', "no intent", id="empty-intent"),
        pytest.param('{"intent": "Noop"}', "not one metawsm allows", id="intent-case-matters"),
        pytest.param('{"intent": "rm_rf"}', "not one metawsm allows", id="unknown-intent"),
        pytest.param(
            '{"intent": "noop", "confidence": "high"}',
            "confidence is not a number",
            id="bad-number",
        ),
        pytest.param(
            '{"intent": "noop", "needs_human": "yes"}',
            "needs_human is not a boolean",
            id="bad-bool",
        ),
        pytest.param('{"intent": 3}', "intent is not a string", id="bad-intent-type"),
        pytest.param("{" * 5000 + "}" * 5000, "no JSON object", id="deep-garbage"),
    ],
)
def test_parse_reply_rejects(output: str, message: str) -> None:
    with pytest.raises(ReplyError, match=message):
        parse_reply(output)


def test_parse_is_fast_on_large_output() -> None:
    output = ('{"a": 1} }' * 6000)[:65536]
    started = time.monotonic()
    with pytest.raises(ReplyError):
        parse_reply(output)
    assert time.monotonic() - started < 1


def test_prompt_shape() -> None:
    prompt = build_prompt('{"stage":"x"}', max_tokens=400)
    assert prompt.splitlines()[0] == "You are an operator assistant for metawsm."
    assert prompt.endswith('Context JSON:\n{"stage":"x"}')


def test_large_details_keep_the_prompt_one_argument(log: Path, db: Path) -> None:
    huge = FakeReport(tuple(Result(f"tests{i}", "failed", "x" * 50_000) for i in range(30)))
    lines, _ = run(policy(), db, report=huge)
    (argv,) = calls(log)
    assert len(argv[-1].encode()) < 128 * 1024
    assert "suggests" in lines[0]
