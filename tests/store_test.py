from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from metawsm_hooks import records
from metawsm_hooks import store as store_module
from metawsm_hooks.errors import EXIT_BLOCKED, FatalError
from metawsm_hooks.store import (
    SCHEMA_VERSION,
    AssistClaim,
    HookRun,
    PRKey,
    PullRequestPush,
    Store,
    store_files,
    store_path,
)

KEY = PRKey(run_id="run-20260208-120000", ticket="METAWSM-009", repo="metawsm")

# metawsm's run_pull_requests as PRAGMA table_info reports it: (name, type, notnull, default, pk)
METAWSM_COLUMNS = [
    ("run_id", "TEXT", 1, None, 1),
    ("ticket", "TEXT", 1, None, 2),
    ("repo", "TEXT", 1, None, 3),
    ("workspace_name", "TEXT", 1, "''", 0),
    ("head_branch", "TEXT", 1, "''", 0),
    ("base_branch", "TEXT", 1, "''", 0),
    ("remote_name", "TEXT", 1, "''", 0),
    ("commit_sha", "TEXT", 1, "''", 0),
    ("pr_number", "INTEGER", 1, "0", 0),
    ("pr_url", "TEXT", 1, "''", 0),
    ("pr_state", "TEXT", 1, "''", 0),
    ("credential_mode", "TEXT", 1, "''", 0),
    ("actor", "TEXT", 1, "''", 0),
    ("validation_json", "TEXT", 1, "''", 0),
    ("error_text", "TEXT", 1, "''", 0),
    ("created_at", "TEXT", 1, None, 0),
    ("updated_at", "TEXT", 1, None, 0),
]

# A database as metawsm leaves it (abridged: two of its tables, one row).
METAWSM_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  policy_json TEXT NOT NULL,
  error_text TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS run_pull_requests (
  run_id TEXT NOT NULL,
  ticket TEXT NOT NULL,
  repo TEXT NOT NULL,
  workspace_name TEXT NOT NULL DEFAULT '',
  head_branch TEXT NOT NULL DEFAULT '',
  base_branch TEXT NOT NULL DEFAULT '',
  remote_name TEXT NOT NULL DEFAULT '',
  commit_sha TEXT NOT NULL DEFAULT '',
  pr_number INTEGER NOT NULL DEFAULT 0,
  pr_url TEXT NOT NULL DEFAULT '',
  pr_state TEXT NOT NULL DEFAULT '',
  credential_mode TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT '',
  validation_json TEXT NOT NULL DEFAULT '',
  error_text TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (run_id, ticket, repo)
);
INSERT INTO runs VALUES ('run-1', 'running', '2026-02-08T11:22:26-08:00',
  '2026-02-08T11:22:26-08:00', '{}', '{}', '');
INSERT INTO run_pull_requests (run_id, ticket, repo, workspace_name, head_branch, base_branch,
  commit_sha, pr_number, pr_url, pr_state, created_at, updated_at)
VALUES ('run-20260208-120000', 'METAWSM-009', 'metawsm', 'ws-9', 'metawsm-009/metawsm/run',
  'main', 'abc123', 42, 'https://github.com/o/metawsm/pull/42', 'open',
  '2026-02-08T11:22:26-08:00', '2026-02-08T11:22:26-08:00');
"""


def push(sha: str = "1" * 40, **overrides: str) -> PullRequestPush:
    fields = {
        "head_branch": "metawsm-009/metawsm/run-20260208-120000",
        "base_branch": "main",
        "remote_name": "origin",
        "commit_sha": sha,
        "credential_mode": "local_user_auth",
        "actor": "Test Author <author@example.com>",
        "validation_json": '{"passed":true}',
    }
    fields.update(overrides)
    return PullRequestPush(key=KEY, **fields)


def hook_run(
    stage: str = "pre-commit", ticket: str | None = "METAWSM-009", branch: str = "b"
) -> HookRun:
    return HookRun(
        stage=stage,
        branch=branch,
        ticket=ticket,
        repo="metawsm",
        run_id="run",
        verdict="passed",
        report_json="{}",
        skipped="",
        actor="a",
        detail="",
    )


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "repo" / ".metawsm" / "metawsm.db"


# --- where the store lives -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "env", "main_root", "bare", "expected"),
    [
        pytest.param("/x/db.sqlite", "/env.db", "/r", False, "/x/db.sqlite", id="override-wins"),
        pytest.param(None, "/env.db", "/r", False, "/env.db", id="env"),
        pytest.param(None, "", "/r", False, "/r/.metawsm/metawsm.db", id="main-worktree"),
        pytest.param(None, None, None, True, "/g.git/metawsm/metawsm.db", id="bare"),
        pytest.param(None, None, "/r", True, "/g.git/metawsm/metawsm.db", id="bare-ignores-root"),
        pytest.param(None, None, None, False, "/g.git/metawsm/metawsm.db", id="no-worktree"),
    ],
)
def test_store_path(
    monkeypatch: pytest.MonkeyPatch,
    override: str | None,
    env: str | None,
    main_root: str | None,
    bare: bool,
    expected: str,
) -> None:
    if env is not None:
        monkeypatch.setenv("METAWSM_DB", env)
    got = store_path(
        override=override,
        main_root=Path(main_root) if main_root else None,
        git_dir=Path("/g.git"),
        is_bare=bare,
    )
    assert got == Path(expected)


def test_store_files_lists_everything_beside_the_database(db_path: Path) -> None:
    names = [p.name for p in store_files(db_path)]
    assert names == [
        "metawsm.db",
        "metawsm.db-wal",
        "metawsm.db-shm",
        "metawsm.db-journal",
        "metawsm.db.lock",
    ]


# --- schema and migrations -----------------------------------------------------------------------


def test_fresh_store_has_metawsm_table_exactly(db_path: Path) -> None:
    Store.open(db_path).close()
    with contextlib.closing(raw(db_path)) as db:
        info = [row[1:] for row in db.execute("PRAGMA table_info(run_pull_requests)")]
        assert info == METAWSM_COLUMNS
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "hook_runs",
        "hook_test_cache",
        "hook_assist_failures",
        "hook_assist_runs",
        "hook_assists",
    } <= tables
    assert all(t.startswith(("hook_", "sqlite_")) or t == "run_pull_requests" for t in tables)


def test_existing_metawsm_database_is_left_as_it_is(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with contextlib.closing(raw(db_path)) as db:
        db.executescript(METAWSM_SCHEMA)
        before = db.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master ORDER BY name"
        ).fetchall()
        rows_before = db.execute("SELECT * FROM run_pull_requests").fetchall()
    for _ in range(2):  # opening again changes nothing more
        with Store.open(db_path) as store:
            assert store.pull_requests()[0]["pr_state"] == "open"
    with contextlib.closing(raw(db_path)) as db:
        after = db.execute("SELECT name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
        assert db.execute("SELECT * FROM run_pull_requests").fetchall() == rows_before
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    ours = [row for row in after if str(row[1]).startswith("hook_") or row[0] == "sqlite_sequence"]
    assert [row for row in after if row not in ours] == before


def test_store_survives_metawsm_creating_its_tables_afterwards(db_path: Path) -> None:
    Store.open(db_path).close()
    with contextlib.closing(raw(db_path)) as db:  # metawsm's Init runs its DDL on every start
        db.executescript(METAWSM_SCHEMA)
    with Store.open(db_path) as store:
        store.upsert_pull_request(push())
        assert store.pull_requests()[0]["commit_sha"] == "1" * 40


# --- run_pull_requests ---------------------------------------------------------------------------


def test_push_upsert_failure_and_pr_record(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(db_path) as store:
        store.upsert_pull_request(push("a" * 40), now=1_770_000_000)
        (row,) = store.pull_requests()
        assert list(row) == [c[0] for c in METAWSM_COLUMNS]
        assert row["pr_state"] == "draft"
        assert row["commit_sha"] == "a" * 40
        assert row["error_text"] == ""
        assert row["pr_number"] == 0
        assert row["created_at"] == row["updated_at"] == "2026-02-02T02:40:00Z"

        monkeypatch.setattr(store_module, "_clock", lambda: 1_770_000_060.0)
        store.record_push_failure(
            KEY,
            error_text="tests: exit 1",
            head_branch="other",
            base_branch="dev",
            remote_name="upstream",
            credential_mode="local_user_auth",
            actor="x",
            validation_json='{"passed":false}',
        )
        (row,) = store.pull_requests()
        assert row["commit_sha"] == "a" * 40  # a failed push never moves it
        assert row["error_text"] == "tests: exit 1"
        assert row["validation_json"] == '{"passed":false}'
        assert row["head_branch"] == "metawsm-009/metawsm/run-20260208-120000"
        assert row["updated_at"] == "2026-02-02T02:41:00Z"
        assert row["created_at"] == "2026-02-02T02:40:00Z"

        store.record_pr(KEY, url="https://github.com/o/metawsm/pull/7", number=7, state="Open")
        store.upsert_pull_request(push("b" * 40), now=1_770_000_120)
        (row,) = store.pull_requests()
        assert row["pr_state"] == "open"  # a recorded PR state is kept
        assert row["pr_number"] == 7
        assert row["pr_url"] == "https://github.com/o/metawsm/pull/7"
        assert row["commit_sha"] == "b" * 40
        assert row["error_text"] == ""
        assert row["created_at"] == "2026-02-02T02:40:00Z"

        store.record_pr(KEY, url="https://github.com/o/metawsm/pull/7", number=0, state="merged")
        (row,) = store.pull_requests()
        assert (row["pr_number"], row["pr_state"]) == (7, "merged")


def test_failure_without_a_row_inserts_an_empty_commit(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.record_push_failure(
            KEY,
            error_text="forbidden_files: .env",
            head_branch="h",
            base_branch="main",
            remote_name="origin",
            credential_mode="local_user_auth",
            actor="x",
            validation_json="{}",
        )
        (row,) = store.pull_requests(tickets=["METAWSM-009"])
        assert row["commit_sha"] == ""
        assert row["error_text"] == "forbidden_files: .env"
        assert row["head_branch"] == "h"
        assert store.pull_requests(tickets=["OTHER-1"]) == []


def test_record_pr_without_a_push_and_bad_state(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.record_pr(KEY, url="u", number=3, state="draft")
        assert store.pull_requests()[0]["pr_number"] == 3
        with pytest.raises(FatalError, match="not one of open, closed, merged, draft"):
            store.record_pr(KEY, url="u", number=3, state="reopened")


def test_workspace_name_from_metawsm_is_not_cleared(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with contextlib.closing(raw(db_path)) as db:
        db.executescript(METAWSM_SCHEMA)
    with Store.open(db_path) as store:
        store.upsert_pull_request(push())
        (row,) = store.pull_requests()
        assert row["workspace_name"] == "ws-9"
        assert row["created_at"] == "2026-02-08T11:22:26-08:00"


# --- the hook's own records ----------------------------------------------------------------------


def test_hook_runs_recent_first_filtered_and_limited(db_path: Path) -> None:
    with Store.open(db_path) as store:
        for i in range(5):
            store.record_hook_run(hook_run(stage=f"s{i}", ticket="T-1" if i % 2 else "T-2"))
        assert [r["stage"] for r in store.hook_runs()] == ["s4", "s3", "s2", "s1", "s0"]
        assert [r["stage"] for r in store.hook_runs(tickets=["T-1"])] == ["s3", "s1"]
        assert [r["stage"] for r in store.hook_runs(limit=2)] == ["s4", "s3"]
        assert set(store.hook_runs()[0]) == {
            "id",
            "stage",
            "branch",
            "ticket",
            "repo",
            "run_id",
            "verdict",
            "report_json",
            "skipped",
            "actor",
            "actor_kind",
            "agent",
            "detail",
            "created_at",
        }


def test_undecodable_names_are_recorded_not_dropped(db_path: Path) -> None:
    branch = os.fsdecode(b"feature/caf\xe9")
    with Store.open(db_path) as store:
        store.record_hook_run(hook_run(branch=branch, ticket=None))
        (row,) = store.hook_runs()
    assert row["branch"] == "feature/caf\\xe9"
    assert row["ticket"] is None


def test_test_cache_survives_reopen(db_path: Path) -> None:
    with Store.open(db_path) as store:
        assert not store.has_passed("k1")
        store.remember_pass("k1", tree_id="t" * 40, commands=["make test"])
    with Store.open(db_path) as store:
        assert store.has_passed("k1")
        assert not store.has_passed("k2")


def test_failure_streaks_and_claims(db_path: Path) -> None:
    with Store.open(db_path) as store:
        assert store.note_failure("b", "tests", stale_after=100, now=1000).count == 1
        assert store.note_failure("b", "tests", stale_after=100, now=1050).count == 2
        assert store.note_failure("b", "clean_tree", stale_after=100, now=1060).count == 1
        assert store.note_failure("b", "clean_tree", stale_after=100, now=1200).count == 1  # stale
        assert store.note_failure("other", "clean_tree", stale_after=100, now=1200).count == 1
        store.note_success("b")
        assert store.failure_streak("b") is None
        assert store.failure_streak("other") is not None

        def claim(now: float) -> AssistClaim:
            return store.claim_assist("r", budget=2, cooldown=60, stale_after=1000, now=now)

        assert claim(1000).granted
        assert claim(1030) == AssistClaim(granted=False, used=1, reason="cooldown", retry_in=30)
        assert claim(1060) == AssistClaim(granted=True, used=2, reason="", retry_in=0)
        assert claim(1500) == AssistClaim(granted=False, used=2, reason="budget", retry_in=0)
        assert claim(2100).used == 1  # stale: a fresh budget


# --- concurrency ---------------------------------------------------------------------------------


def _open_and_record(path: str, barrier: multiprocessing.synchronize.Barrier, index: int) -> None:
    barrier.wait()
    try:
        with Store.open(Path(path)) as store:
            store.record_hook_run(hook_run(stage=f"p{index}"))
    except FatalError as exc:
        print(exc.message)
        os._exit(1)
    os._exit(0)


def test_fifty_processes_create_the_same_fresh_store(db_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(50)
    procs = [
        ctx.Process(target=_open_and_record, args=(str(db_path), barrier, i)) for i in range(50)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
    assert [proc.exitcode for proc in procs] == [0] * 50
    with Store.open(db_path) as store:
        stages = {r["stage"] for r in store.hook_runs(limit=100)}
    assert stages == {f"p{i}" for i in range(50)}


# --- errors --------------------------------------------------------------------------------------


def test_locked_store_fails_after_the_busy_timeout(db_path: Path) -> None:
    Store.open(db_path).close()
    with contextlib.closing(raw(db_path)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO hook_test_cache VALUES ('x', 't', '[]', 'now')")
        store = Store.open(db_path, busy_timeout=0.3)
        started = time.monotonic()
        with pytest.raises(FatalError) as info:
            store.record_hook_run(hook_run())
        assert time.monotonic() - started < 3
        store.close()
        holder.execute("ROLLBACK")
    assert info.value.exit_code == EXIT_BLOCKED
    message = info.value.message
    assert str(db_path) in message
    assert "locked by another process for more than 0.3 s" in message
    assert "METAWSM_DB" in message
    assert "\n" not in message


def test_store_being_created_elsewhere_fails_after_the_busy_timeout(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    lock = db_path.with_name("metawsm.db.lock")
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(FatalError, match="locked by another process"):
            Store.open(db_path, busy_timeout=0.2)


def test_corrupt_store(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not a database\n" * 200)
    with pytest.raises(FatalError) as info:
        Store.open(db_path)
    assert info.value.exit_code == EXIT_BLOCKED
    assert (
        f"cannot open the store {db_path} (the file is not a SQLite database or is corrupt)"
        in info.value.message
    )
    assert "move it aside" in info.value.message


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make ``path`` really read-only for this process: a mode for users, immutable for root."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode:
        pytest.skip("cannot make a file read-only for root on this file system")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def test_read_only_store_file(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.record_hook_run(hook_run())
    with read_only(db_path), pytest.raises(FatalError) as info:
        Store.open(db_path)
    assert info.value.exit_code == EXIT_BLOCKED
    assert (
        f"cannot write the store {db_path} (the file or its folder is read-only)"
        in info.value.message
    )


def test_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder), pytest.raises(FatalError) as info:
        Store.open(folder / "metawsm.db")
    assert str(folder / "metawsm.db") in info.value.message
    assert "read-only" in info.value.message


def test_store_under_a_file_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    with pytest.raises(FatalError, match="cannot create the store") as info:
        Store.open(tmp_path / "plain" / "metawsm.db")
    assert info.value.exit_code == EXIT_BLOCKED


def test_full_store_fails_and_says_so(db_path: Path) -> None:
    with Store.open(db_path) as store:
        db = store._db
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk full" (SQLITE_FULL)
        big = records.replace(hook_run(), detail="x" * 100_000)
        with pytest.raises(FatalError) as info:
            store.record_hook_run(big)
        assert f"cannot write the store {db_path} (the disk is full)" in info.value.message
        db.execute(f"PRAGMA max_page_count = {pages * 1000}")
        store.record_hook_run(hook_run(stage="after"))  # the connection is usable again
        assert [r["stage"] for r in store.hook_runs()] == ["after"]


# --- migrations: a store written before a step is brought up to date, its rows as they were ------


def version_one_store(path: Path) -> None:
    """A store as version 1 of the schema left it, with one audit row."""
    with sqlite3.connect(path) as db:
        store_module.MIGRATIONS[0](db)
        db.execute(
            "INSERT INTO hook_runs (stage, verdict, actor, detail, created_at) VALUES"
            " ('pre-commit', 'passed', 'Old Person <o@example.com>', '', '2026-01-01T00:00:00Z')"
        )
        db.execute("PRAGMA user_version = 1")
    sqlite3.connect(path).close()


def test_actor_kind_is_added_and_old_rows_stay_as_they_were(tmp_path: Path) -> None:
    path = tmp_path / "metawsm.db"
    version_one_store(path)
    with Store.open(path) as store:
        store.record_hook_run(
            HookRun(
                stage="pre-push",
                branch="abc-1/repo/run-1",
                ticket="abc-1",
                repo="repo",
                run_id="run-1",
                verdict="blocked",
                report_json="{}",
                skipped="",
                actor="Agent <a@example.com>",
                detail="",
                actor_kind="agent",
                agent="codex",
            )
        )
        new, old = store.hook_runs()
    assert (new["actor_kind"], new["agent"]) == ("agent", "codex")
    assert (old["actor_kind"], old["agent"], old["actor"]) == ("", "", "Old Person <o@example.com>")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_every_step_is_one_function(tmp_path: Path) -> None:
    assert len(store_module.MIGRATIONS) == SCHEMA_VERSION
    path = tmp_path / "fresh.db"
    with Store.open(path):
        pass
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(hook_runs)")]
    assert columns[-2:] == ["actor_kind", "agent"]
