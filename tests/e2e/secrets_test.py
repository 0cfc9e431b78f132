"""Secrets never leave: a remote URL's credentials are redacted in what the hook prints, stores
and sends to the operator command, and that command gets a minimal environment. Through a real
``git push`` over ssh (a stand-in ssh runs the server side locally) and a real ``git commit -a``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, output, write, write_policy

BRANCH = "abc-1/repo/run-1"
TOKEN = "glpat-SECRET0123456789"


def operator(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in operator command that records its arguments and environment."""
    log = tmp_path / "operator.log"
    script = tmp_path / "operator"
    reply = {
        "intent": "escalate_guidance",
        "target_run": "",
        "reason": "ask a human",
        "confidence": 0.5,
        "needs_human": True,
    }
    script.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" >>{log}\nenv >>{log}\necho \'{json.dumps(reply)}\'\n'
    )
    script.chmod(0o755)
    return script, log


@pytest.fixture
def client(repo: Path, tmp_path: Path, on_path: None) -> tuple[Path, Path]:
    script, log = operator(tmp_path)
    write_policy(
        repo,
        {"required_checks": ["forbidden_files"], "allowed_repos": ["acme/allowed"]},
        operator={"unhealthy_confirmations": 1, "llm": {"mode": "assist", "command": str(script)}},
    )
    write(repo, "README.md")
    commit_all(repo, "initial")
    git(repo, "checkout", "-q", "-b", BRANCH)
    assert cli(repo, "install").returncode == 0
    return repo, log


def store_text(repo: Path) -> str:
    with sqlite3.connect(repo / ".metawsm" / "metawsm.db") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(
            repr(row) for table in tables for row in db.execute(f'SELECT * FROM "{table}"')
        )


def test_credentials_in_the_remote_url_never_leave(
    client: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, log = client
    server = tmp_path / "srv" / "other" / "repo.git"
    server.parent.mkdir(parents=True)
    git(tmp_path, "init", "-q", "--bare", str(server))
    ssh = tmp_path / "ssh"
    ssh.write_text('#!/bin/sh\nfor last; do :; done\nexec sh -c "$last"\n')
    ssh.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(ssh))
    url = f"ssh://deploy:{TOKEN}@git.example.invalid{server}"
    git(repo, "remote", "add", "origin", url)
    write(repo, "a.txt")
    commit_all(repo, "ABC-1: change")
    proc = git(repo, "push", "origin", f"HEAD:refs/heads/{BRANCH}", check=False)
    shown = output(proc)
    assert proc.returncode != 0
    assert "not in git_pr.allowed_repos" in shown
    assert "ssh://***@git.example.invalid" in shown
    assert TOKEN not in shown
    assert TOKEN not in store_text(repo)
    sent = log.read_text()
    assert "allowed_repos" in sent  # the operator was asked, about this failure
    assert TOKEN not in sent


def test_the_operator_command_gets_a_minimal_environment(
    client: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, log = client
    monkeypatch.setenv("DATABASE_PASSWORD", "hunter2")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    write(repo, "README.md", "changed\n")
    write(repo, ".env", "x\n")
    git(repo, "add", ".env")
    proc = git(repo, "commit", "-a", "-m", "ABC-1: secret", check=False)  # sets GIT_INDEX_FILE
    assert proc.returncode != 0
    assert ".env" in output(proc)
    names = {line.partition("=")[0] for line in log.read_text().splitlines() if "=" in line}
    assert "PATH" in names and "HOME" in names and "OPENAI_API_KEY" in names
    assert not {n for n in names if n.startswith("GIT_")}
    assert "DATABASE_PASSWORD" not in names


def test_pr_record_stores_the_url_without_credentials(client: tuple[Path, Path]) -> None:
    repo, _ = client
    proc = cli(repo, "pr", "record", "--url", f"https://ci:{TOKEN}@git.example.com/o/n/pull/7")
    assert proc.returncode == 0, output(proc)
    assert TOKEN not in output(proc)
    assert "https://***@git.example.com/o/n/pull/7" in store_text(repo)
    assert TOKEN not in store_text(repo)
