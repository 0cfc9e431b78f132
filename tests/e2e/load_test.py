"""Load: fifty hook processes at once across linked worktrees, all writing one fresh store.
Every run is recorded exactly once, whole, and the store stays sound.

(Two hooks in the same worktree at once are a different matter: see
``e2e/faults_test.test_index_lock_held_by_another_git_process``.)"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

from testing.util import CLI, commit_all, git, write, write_policy

WORKTREES = 25
COMMITS_PER_WORKTREE = 1
PUSHES_PER_WORKTREE = 1
ZERO = "0" * 40


def test_fifty_concurrent_hooks_across_worktrees_lose_no_record(
    hooked: Path, tmp_path: Path
) -> None:
    write_policy(
        hooked,
        {"required_checks": ["tests", "forbidden_files"], "test_commands": ["true"]},
    )
    commit_all(hooked, "ABC-1: policy")
    remote = tmp_path / "acme" / "repo.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(hooked, "remote", "add", "origin", str(remote))
    db = hooked / ".metawsm" / "metawsm.db"
    assert not db.exists()  # the first processes race to create it

    trees: list[tuple[Path, str, str]] = []
    for n in range(2, 2 + WORKTREES):
        branch = f"abc-{n}/repo/run-{n}"
        wt = tmp_path / f"wt-{n}"
        git(hooked, "worktree", "add", "-q", "-b", branch, str(wt), "abc-1/repo/run-1")
        # The same content everywhere: every run races for the same test-cache entries.
        write(wt, "pushed.txt")
        sha = commit_all(wt, f"ABC-{n}: pushed")
        write(wt, "staged.txt")
        git(wt, "add", "-A")
        trees.append((wt, branch, sha))

    procs: list[tuple[str, str, subprocess.Popen[bytes]]] = []
    stdin_dir = tmp_path / "stdin"
    stdin_dir.mkdir()
    started = time.monotonic()
    for wt, branch, sha in trees:
        for _ in range(COMMITS_PER_WORKTREE):
            proc = subprocess.Popen(
                [CLI, "run", "pre-commit"],
                cwd=wt,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            procs.append(("pre-commit", branch, proc))
        feed = stdin_dir / branch.replace("/", "_")
        feed.write_text(f"refs/heads/{branch} {sha} refs/heads/{branch} {ZERO}\n")
        for _ in range(PUSHES_PER_WORKTREE):
            with open(feed, "rb") as stdin:
                proc = subprocess.Popen(
                    [CLI, "run", "pre-push", "origin", str(remote)],
                    cwd=wt,
                    stdin=stdin,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
            procs.append(("pre-push", branch, proc))
    assert len(procs) == 50

    failures = []
    for stage, branch, proc in procs:
        out, _ = proc.communicate(timeout=120)
        if proc.returncode != 0 or b"Traceback" in out:
            failures.append((stage, branch, proc.returncode, out.decode(errors="replace")))
    assert not failures, failures
    assert time.monotonic() - started < 60

    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        runs = conn.execute(
            "SELECT id, stage, branch, ticket, run_id, verdict, report_json FROM hook_runs"
        ).fetchall()
        cached = conn.execute("SELECT tree_id FROM hook_test_cache").fetchall()
        prs = conn.execute(
            "SELECT ticket, run_id, head_branch, commit_sha, pr_state, error_text"
            " FROM run_pull_requests"
        ).fetchall()
        pending = conn.execute(
            "SELECT ticket, run_id, remote_ref, commit_sha FROM hook_pending_pushes"
        ).fetchall()

    assert len(runs) == 50
    assert len(cached) == 2  # the staged tree and the pushed tree, each remembered once
    assert len({row[0] for row in runs}) == 50
    assert Counter((row[1], row[2]) for row in runs) == Counter(
        {
            (stage, branch): n
            for _, branch, _ in trees
            for stage, n in (
                ("pre-commit", COMMITS_PER_WORKTREE),
                ("pre-push", PUSHES_PER_WORKTREE),
            )
        }
    )
    for _, _, branch, ticket, run_id, verdict, report_json in runs:
        assert verdict == "passed"
        assert (ticket, run_id) == (branch.split("/")[0], branch.split("/")[2])
        report = json.loads(report_json)  # written whole
        assert report["branch"] == branch and report["passed"] is True
    # These pre-push runs were not part of a real git push, so nothing was delivered: each
    # push waits, whole and once, for git to deliver it before its row moves.
    assert prs == []
    assert sorted(pending) == sorted(
        (branch.split("/")[0], branch.split("/")[2], f"refs/heads/{branch}", sha)
        for _, branch, sha in trees
    )
    for wt, _, _ in trees:  # the worktrees are as the user left them
        assert git(wt, "status", "--porcelain").stdout == b"A  staged.txt\n"


def test_hooks_killed_mid_write_never_corrupt_the_store(hooked: Path) -> None:
    """SIGKILL cannot be cleaned up after, but SQLite's journal makes each record all or
    nothing: whatever was killed, the store stays sound and every record in it is whole."""
    db = hooked / ".metawsm" / "metawsm.db"
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    procs = [
        subprocess.Popen(
            [CLI, "run", "pre-commit"],
            cwd=hooked,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(24)
    ]
    for index, proc in enumerate(procs):
        if index % 2:
            time.sleep(0.04)  # spread over the runs: some die early, some mid-write, some after
            proc.kill()
    codes = []
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert b"Traceback" not in err
        codes.append(proc.returncode)
    assert set(codes) <= {0, -9}
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        reports = [row[0] for row in conn.execute("SELECT report_json FROM hook_runs")]
    assert codes.count(0) <= len(reports) <= len(codes)
    assert all(json.loads(report)["passed"] is True for report in reports)
    after = subprocess.run([CLI, "run", "pre-commit"], cwd=hooked, capture_output=True)
    assert after.returncode == 0, after.stderr
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM hook_runs").fetchone()[0] == len(reports) + 1
