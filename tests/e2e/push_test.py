"""Real ``git push`` to real bare remotes with the hooks installed: pre-push, pre-receive, ci."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from testing.util import CLI, cli, commit_all, git, output, write, write_policy

BRANCH = "abc-1/repo/run-1"


def remote_head(remote: Path, ref: str) -> str | None:
    proc = git(remote, "rev-parse", "--verify", "-q", ref, check=False)
    return proc.stdout.decode().strip() or None


def push(repo: Path, *args: str) -> tuple[int, str]:
    proc = git(repo, "push", "-q", *args, check=False)
    return proc.returncode, output(proc)


def rows(repo: Path) -> list[dict[str, object]]:
    with sqlite3.connect(repo / ".metawsm" / "metawsm.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM run_pull_requests ORDER BY run_id")]


def test_fitting_branch_is_pushed_and_recorded(pushable: tuple[Path, Path]) -> None:
    repo, remote = pushable
    write(repo, "src/app.py", "print(1)\n")
    sha = commit_all(repo, "ABC-1: app")
    code, text = push(repo, "origin", BRANCH)
    assert code == 0, text
    assert remote_head(remote, BRANCH) == sha
    [row] = rows(repo)
    assert row["run_id"] == "run-1" and row["ticket"] == "abc-1" and row["repo"] == "repo"
    assert row["head_branch"] == BRANCH
    assert row["base_branch"] == "main"
    assert row["remote_name"] == "origin"
    assert row["commit_sha"] == sha
    assert row["pr_number"] == 0 and row["pr_url"] in ("", None)
    assert row["pr_state"] == "draft"
    assert row["credential_mode"] == "local_user_auth"
    assert row["actor"] == "Test Author <author@example.com>"
    assert row["error_text"] == ""
    assert row["workspace_name"] in ("", None)
    assert str(row["created_at"]).endswith("Z") and str(row["updated_at"]).endswith("Z")
    report = json.loads(str(row["validation_json"]))
    assert report["operation"] == "pr"
    assert report["passed"] is True
    assert report["required_checks"] == ["tests", "forbidden_files"]
    assert [r["name"] for r in report["results"]] == ["tests", "forbidden_files"]
    assert report["evaluated_at"].endswith("Z")


def test_non_fitting_branch_is_rejected_and_remote_unchanged(pushable: tuple[Path, Path]) -> None:
    repo, remote = pushable
    git(repo, "checkout", "-q", "-b", "wip")
    write(repo, "a.txt")
    commit_all(repo, "wip")
    code, text = push(repo, "origin", "wip")
    assert code != 0
    assert "'wip' does not fit branch_template" in text
    assert remote_head(remote, "wip") is None


def test_forbidden_file_earlier_in_range_is_rejected(pushable: tuple[Path, Path]) -> None:
    repo, remote = pushable
    write(repo, "config/.env", "KEY=1\n")
    commit_all(repo, "ABC-1: add env")
    git(repo, "rm", "-q", "config/.env")
    commit_all(repo, "ABC-1: remove env again")
    code, text = push(repo, "origin", BRANCH)
    assert code != 0
    assert "config/.env" in text
    assert remote_head(remote, BRANCH) is None


def test_failed_push_keeps_commit_sha(pushable: tuple[Path, Path]) -> None:
    repo, _ = pushable
    write(repo, "a.txt")
    good = commit_all(repo, "ABC-1: a")
    assert push(repo, "origin", BRANCH)[0] == 0
    write(repo, "id_rsa")
    commit_all(repo, "ABC-1: key")
    code, _ = push(repo, "origin", BRANCH)
    assert code != 0
    [row] = rows(repo)
    assert row["commit_sha"] == good
    assert "id_rsa" in str(row["error_text"])
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    write(repo, "b.txt")
    fixed = commit_all(repo, "ABC-1: b")
    assert push(repo, "origin", BRANCH)[0] == 0
    [row] = rows(repo)
    assert row["error_text"] == ""
    assert row["commit_sha"] == fixed


def test_tags_and_deletions_pass(pushable: tuple[Path, Path]) -> None:
    repo, remote = pushable
    git(repo, "tag", "v1.0", "main")
    code, text = push(repo, "origin", "v1.0")
    assert code == 0, text
    assert remote_head(remote, "refs/tags/v1.0")
    git(repo, "push", "-q", "--no-verify", "origin", "main:refs/heads/Old_Branch")
    code, text = push(repo, "origin", "--delete", "Old_Branch")
    assert code == 0, text
    assert remote_head(remote, "refs/heads/Old_Branch") is None


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        pytest.param("git@github.com:acme/repo.git", True, id="scp"),
        pytest.param("ssh://git@github.com/acme/repo.git", True, id="ssh"),
        pytest.param("https://github.com/Acme/Repo", True, id="https"),
        pytest.param("/srv/git/acme/repo.git", True, id="local-path"),
        pytest.param("https://github.com/evil/repo.git", False, id="other-owner"),
        pytest.param("git@github.com:acme/other.git", False, id="other-name"),
    ],
)
def test_allowed_repos(pushable: tuple[Path, Path], url: str, allowed: bool) -> None:
    repo, _ = pushable
    write_policy(repo, {"required_checks": ["forbidden_files"], "allowed_repos": ["acme/repo"]})
    sha = commit_all(repo, "ABC-1: policy")
    zero = "0" * 40
    proc = cli(
        repo,
        "run",
        "pre-push",
        "origin",
        url,
        input=f"refs/heads/{BRANCH} {sha} refs/heads/{BRANCH} {zero}\n".encode(),
    )
    assert (proc.returncode == 0) is allowed, proc.stdout + proc.stderr
    if not allowed:
        assert "git_pr.allowed_repos" in proc.stdout + proc.stderr


def test_allowed_repos_on_a_real_push(pushable: tuple[Path, Path]) -> None:
    repo, _ = pushable
    write_policy(
        repo, {"required_checks": ["forbidden_files"], "allowed_repos": ["elsewhere/repo"]}
    )
    commit_all(repo, "ABC-1: policy")
    code, text = push(repo, "origin", BRANCH)
    assert code != 0 and "allowed_repos" in text
    write_policy(repo, {"required_checks": ["forbidden_files"], "allowed_repos": ["acme/repo"]})
    commit_all(repo, "ABC-1: policy")
    code, text = push(repo, "origin", BRANCH)
    assert code == 0, text


def test_clean_tree_blocks_a_push_with_uncommitted_changes(pushable: tuple[Path, Path]) -> None:
    repo, _ = pushable
    write_policy(repo, {"required_checks": ["clean_tree", "forbidden_files"]})
    commit_all(repo, "ABC-1: policy")
    write(repo, "dirty.txt")
    code, text = push(repo, "origin", BRANCH)
    assert code != 0
    assert "clean_tree" in text and "dirty.txt" in text
    (repo / "dirty.txt").unlink()
    code, text = push(repo, "origin", BRANCH)
    assert code == 0, text


def test_pr_record_and_status(pushable: tuple[Path, Path]) -> None:
    repo, _ = pushable
    write(repo, "a.txt")
    commit_all(repo, "ABC-1: a")
    assert push(repo, "origin", BRANCH)[0] == 0
    proc = cli(repo, "pr", "record", "--url", "https://github.com/acme/repo/pull/42")
    assert proc.returncode == 0, proc.stderr
    [row] = rows(repo)
    assert (row["pr_url"], row["pr_number"], row["pr_state"]) == (
        "https://github.com/acme/repo/pull/42",
        42,
        "open",
    )
    doc = json.loads(cli(repo, "status", "--format", "json").stdout)
    assert doc["pull_requests"][0]["pr_number"] == 42
    assert any(r["stage"] == "pre-push" for r in doc["hook_runs"])


def test_repeat_push_of_tested_tree_skips_the_tests(pushable: tuple[Path, Path]) -> None:
    repo, _ = pushable
    marker = repo.parent / "test-runs.log"
    write_policy(repo, {"required_checks": ["tests"], "test_commands": [f"echo run >> {marker}"]})
    commit_all(repo, "ABC-1: policy")
    assert push(repo, "origin", BRANCH)[0] == 0
    assert marker.read_text().count("run") == 1
    git(repo, "push", "-q", "--no-verify", "origin", f":{BRANCH}")
    code, text = push(repo, "origin", BRANCH)
    assert code == 0, text
    assert marker.read_text().count("run") == 1


def test_concurrent_pushes_from_worktrees_are_all_recorded(
    pushable: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, _ = pushable
    trees = []
    for n in range(10, 18):
        branch = f"abc-{n}/repo/run-{n}"
        wt = tmp_path / f"wt{n}"
        git(repo, "worktree", "add", "-q", "-b", branch, str(wt), "main")
        write(wt, f"file{n}.txt")
        git(wt, "add", "-A")
        git(wt, "commit", "-q", "--no-verify", "-m", f"ABC-{n}: file")
        trees.append((wt, branch))

    def one(item: tuple[Path, str]) -> subprocess.CompletedProcess[bytes]:
        wt, branch = item
        return git(wt, "push", "-q", "origin", branch, check=False)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, trees))
    assert all(r.returncode == 0 for r in results), [output(r) for r in results]
    recorded = {(r["ticket"], r["run_id"]) for r in rows(repo)}
    assert recorded == {(f"abc-{n}", f"run-{n}") for n in range(10, 18)}


def test_unwritable_store_blocks_the_push(pushable: tuple[Path, Path], tmp_path: Path) -> None:
    repo, remote = pushable
    write(repo, "a.txt")
    commit_all(repo, "ABC-1: a")
    bad = tmp_path / "not-a-db"
    bad.write_bytes(b"this is not sqlite" * 100)
    proc = subprocess.run(
        ["git", "push", "-q", "origin", BRANCH],
        cwd=repo,
        capture_output=True,
        env={**__import__("os").environ, "METAWSM_DB": str(bad)},
    )
    assert proc.returncode != 0
    assert str(bad) in output(proc)
    assert remote_head(remote, BRANCH) is None


def test_ci_over_a_range(pushable: tuple[Path, Path]) -> None:
    repo, _ = pushable
    base = git(repo, "rev-parse", "main").stdout.decode().strip()
    write(repo, "secrets/id_ed25519")
    commit_all(repo, "ABC-1: key")
    proc = cli(repo, "ci", "--base", base, "--head", "HEAD", "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["passed"] is False
    assert any("secrets/id_ed25519" in c["detail"] for c in doc["targets"][0]["checks"])
    git(repo, "rm", "-q", "secrets/id_ed25519")
    commit_all(repo, "ABC-1: rm key")
    head = git(repo, "rev-parse", "HEAD").stdout.decode().strip()
    proc = cli(repo, "ci", "--base", f"{head}~1", "--head", head, "--branch", BRANCH)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- server side -------------------------------------------------------------------------------


@pytest.fixture
def server(tmp_path: Path, on_path: None) -> tuple[Path, Path]:
    """A bare server repository with the pre-receive hook, and a client clone without hooks."""
    remote = tmp_path / "srv" / "acme" / "repo.git"
    remote.parent.mkdir(parents=True)
    git(tmp_path, "init", "-q", "--bare", str(remote))
    proc = cli(remote, "install", "--hook-type", "pre-receive")
    assert proc.returncode == 0, proc.stderr
    client = tmp_path / "client"
    git(tmp_path, "clone", "-q", str(remote), str(client))
    write_policy(client, {"required_checks": ["forbidden_files", "tests"]})
    write(client, "README.md")
    git(client, "add", "-A")
    git(client, "commit", "-q", "-m", "init")
    git(client, "push", "-q", "origin", "HEAD:refs/heads/abc-0/repo/run-0")
    return remote, client


def test_server_rejects_bad_branch_with_message_to_client(server: tuple[Path, Path]) -> None:
    remote, client = server
    write(client, "a.txt")
    commit_all(client, "x")
    proc = git(client, "push", "origin", "HEAD:refs/heads/Bad.Branch", check=False)
    assert proc.returncode != 0
    assert "remote:" in output(proc) and "does not fit branch_template" in output(proc)
    assert remote_head(remote, "refs/heads/Bad.Branch") is None


def test_server_rejects_forbidden_file(server: tuple[Path, Path]) -> None:
    _, client = server
    write(client, "deploy/key.pem")
    commit_all(client, "key")
    proc = git(client, "push", "origin", "HEAD:refs/heads/abc-1/repo/run-1", check=False)
    assert proc.returncode != 0
    assert "deploy/key.pem" in output(proc)


def test_server_accepts_clean_push_and_deletion(server: tuple[Path, Path]) -> None:
    remote, client = server
    write(client, "ok.txt")
    sha = commit_all(client, "ok")
    proc = git(client, "push", "origin", "HEAD:refs/heads/abc-1/repo/run-1", check=False)
    assert proc.returncode == 0, output(proc)
    assert remote_head(remote, "refs/heads/abc-1/repo/run-1") == sha
    proc = git(client, "push", "origin", ":refs/heads/abc-1/repo/run-1", check=False)
    assert proc.returncode == 0, output(proc)
    assert (remote / "metawsm" / "metawsm.db").exists()


def test_server_never_runs_commands_from_a_pushed_policy(
    server: tuple[Path, Path], tmp_path: Path
) -> None:
    _, client = server
    marker = tmp_path / "ran"
    standin = tmp_path / "evil-llm"
    standin.write_text(f"#!/bin/sh\ntouch {marker}.llm\n")
    standin.chmod(0o755)
    write_policy(
        client,
        {"required_checks": ["tests", "forbidden_files"], "test_commands": [f"touch {marker}"]},
        operator={"unhealthy_confirmations": 1, "llm": {"mode": "assist", "command": str(standin)}},
    )
    write(client, ".env")
    commit_all(client, "policy that tries to run code")
    proc = git(client, "push", "origin", "HEAD:refs/heads/abc-1/repo/run-1", check=False)
    assert proc.returncode != 0  # the .env is still caught
    assert not marker.exists()
    assert not Path(f"{marker}.llm").exists()
    # The same policy without the secret: accepted, and still nothing from it ran.
    git(client, "rm", "-q", ".env")
    git(client, "commit", "-q", "--amend", "-m", "policy that tries to run code")
    proc = git(client, "push", "origin", "HEAD:refs/heads/abc-1/repo/run-1", check=False)
    assert proc.returncode == 0, output(proc)
    assert "a pushed policy only adds restrictions" in output(proc)
    assert "changes .metawsm/policy.json" in output(proc)
    assert not marker.exists()


def test_server_policy_flag_runs_its_own_commands(
    server: tuple[Path, Path], tmp_path: Path
) -> None:
    remote, client = server
    server_policy = write_policy(
        tmp_path / "etc", {"required_checks": ["tests"], "test_commands": ["exit 1"]}
    )
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        hook.read_text().replace("run pre-receive", f"run pre-receive --policy {server_policy}")
    )
    write(client, "ok.txt")
    commit_all(client, "ok")
    proc = git(client, "push", "origin", "HEAD:refs/heads/abc-1/repo/run-1", check=False)
    assert proc.returncode != 0
    assert "tests" in output(proc)


def test_pre_receive_rejects_malformed_input(server: tuple[Path, Path]) -> None:
    remote, _ = server
    proc = subprocess.run(
        [CLI, "run", "pre-receive"], cwd=remote, input=b"garbage\n", capture_output=True
    )
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr
    assert b"line 1" in proc.stderr
