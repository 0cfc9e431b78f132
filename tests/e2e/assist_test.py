"""Operator assist through real commits and pushes, with the stand-in executable as the LLM."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from metawsm_hooks.store import rfc3339
from testing.util import cli, commit_all, git, output, write, write_policy

# The operator stand-in reads its STANDIN_* settings.
pytestmark = pytest.mark.usefixtures("standin_environment")


STANDIN = str(Path(__file__).resolve().parents[2] / "examples" / "operator-standin")


def assist_policy(repo: Path, *, llm: dict[str, object] | None = None, **operator: object) -> None:
    settings: dict[str, object] = {"mode": "assist", "command": STANDIN, "timeout_seconds": 5}
    settings.update(llm or {})
    write_policy(
        repo,
        {"required_checks": ["tests", "forbidden_files"]},
        operator={
            "unhealthy_confirmations": 1,
            "restart_cooldown_seconds": 1,
            **operator,
            "llm": settings,
        },
    )
    commit_all(repo, "ABC-1: policy")


def blocked_commit(repo: Path, path: str = ".env") -> str:
    write(repo, path, "SECRET=1\n")
    git(repo, "add", path)
    proc = git(repo, "commit", "-q", "-m", "ABC-1: x", check=False)
    assert proc.returncode == 1, output(proc)
    git(repo, "rm", "-q", "--cached", path)
    (repo / path).unlink()
    return output(proc)


def calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_suggestion_printed_and_commit_still_blocked(hooked: Path, log: Path) -> None:
    assist_policy(hooked, llm={"model": "gpt-test"})
    text = blocked_commit(hooked)
    assert "forbidden_files" in text
    assert "escalate_guidance" in text
    [argv] = calls(log)
    assert argv[1:4] == ["exec", "--model", "gpt-test"]
    assert '"stage": "pre-commit"' in argv[4] or '"stage":"pre-commit"' in argv[4]
    assert len(git(hooked, "log", "--format=%H").stdout.split()) == 2


def test_mode_off_never_calls(hooked: Path, log: Path) -> None:
    assist_policy(hooked, llm={"mode": "off"})
    text = blocked_commit(hooked)
    assert "forbidden_files" in text
    assert calls(log) == []


def test_missing_command_is_a_note_after_the_real_failure(hooked: Path) -> None:
    assist_policy(hooked, llm={"command": "no-such-llm-cli"})
    text = blocked_commit(hooked)
    assert ".env" in text
    assert "no-such-llm-cli" in text
    assert "Traceback" not in text


def test_timeout_kills_the_command_and_its_children(
    hooked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assist_policy(hooked, llm={"timeout_seconds": 1})
    pidfile = tmp_path / "child.pid"
    monkeypatch.setenv("STANDIN_MODE", "spawn-and-hang")
    monkeypatch.setenv("STANDIN_PIDFILE", str(pidfile))
    started = time.monotonic()
    text = blocked_commit(hooked)
    elapsed = time.monotonic() - started
    assert elapsed < 1 + 4, elapsed
    assert ".env" in text
    assert "gave no answer within 1 s" in text
    time.sleep(0.2)
    assert not alive(int(pidfile.read_text()))


def alive(pid: int) -> bool:
    """Is ``pid`` running (a zombie waiting to be reaped is not)?"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("mode", ["garbage", "bad-intent", "crash"])
def test_bad_replies_are_one_line_notes(
    hooked: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    assist_policy(hooked)
    monkeypatch.setenv("STANDIN_MODE", mode)
    text = blocked_commit(hooked)
    assert ".env" in text
    assert "operator assist" in text
    assert "Traceback" not in text


def test_confirmations_across_hook_processes(hooked: Path, log: Path) -> None:
    assist_policy(hooked, unhealthy_confirmations=2)
    first = blocked_commit(hooked)
    assert calls(log) == []
    assert "waiting for 2 consecutive failures" in first
    blocked_commit(hooked)
    assert len(calls(log)) == 1


def age_last_assist(repo: Path, seconds: int) -> None:
    """Move the run's last assist ``seconds`` into the past, in the real store: the cooldown is
    judged on the store's clock, so the test need not race a wall clock."""
    db = repo / ".metawsm" / "metawsm.db"
    assert db.is_file()
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "UPDATE hook_assist_runs SET last_assist_at = ?", (rfc3339(time.time() - seconds),)
        )


def test_budget_and_cooldown_across_hook_processes(hooked: Path, log: Path) -> None:
    assist_policy(hooked, restart_budget=2, restart_cooldown_seconds=600)
    blocked_commit(hooked)
    assert len(calls(log)) == 1
    text = blocked_commit(hooked)
    assert "cooling down" in text
    assert len(calls(log)) == 1
    age_last_assist(hooked, 601)
    blocked_commit(hooked)
    assert len(calls(log)) == 2
    age_last_assist(hooked, 601)
    text = blocked_commit(hooked)
    assert "budget used up" in text
    assert len(calls(log)) == 2


def test_stale_state_resets(hooked: Path, log: Path) -> None:
    assist_policy(hooked, unhealthy_confirmations=2, stale_run_age_seconds=1)
    blocked_commit(hooked)
    time.sleep(2.1)  # the store keeps whole seconds
    text = blocked_commit(hooked)
    assert calls(log) == []
    assert "(1 so far)" in text


def test_auto_mode_reruns_a_flaky_test_once(hooked: Path, tmp_path: Path) -> None:
    counter = tmp_path / "attempts"
    flaky = f"n=$(cat {counter} 2>/dev/null || echo 0); echo $((n+1)) > {counter}; [ $n -ge 1 ]"
    write_policy(
        hooked,
        {"required_checks": ["tests"], "test_commands": [flaky]},
        operator={"unhealthy_confirmations": 1, "llm": {"mode": "auto", "command": STANDIN}},
    )
    commit_all(hooked, "ABC-1: flaky policy")
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    proc = git(hooked, "commit", "-q", "-m", "ABC-1: a", check=False)
    assert proc.returncode == 0, output(proc)
    assert counter.read_text().strip() == "2"
    assert "re-ran the tests check once: passed" in output(proc)


def test_assists_are_recorded_and_shown_by_status(hooked: Path, log: Path) -> None:
    assist_policy(hooked)
    blocked_commit(hooked)
    doc = json.loads(cli(hooked, "status", "--format", "json").stdout)
    [assist] = doc["assists"]
    assert assist["intent"] == "escalate_guidance"
    assert "forbidden_files" in assist["context_json"]


def test_push_failure_consults_the_operator(hooked: Path, tmp_path: Path, log: Path) -> None:
    assist_policy(hooked)
    remote = tmp_path / "r" / "acme" / "repo.git"
    remote.parent.mkdir(parents=True)
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(hooked, "remote", "add", "origin", str(remote))
    git(hooked, "checkout", "-q", "-b", "wip")
    proc = git(hooked, "push", "origin", "wip", check=False)
    assert proc.returncode != 0
    assert "does not fit branch_template" in output(proc)
    assert len(calls(log)) == 1
    assert '"stage": "pre-push"' in calls(log)[0][-1] or '"stage":"pre-push"' in calls(log)[0][-1]
