"""Store migrations: a store written before a step is brought up to date without its rows
being rewritten."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from metawsm_hooks import store as store_module
from metawsm_hooks.store import SCHEMA_VERSION, HookRun, Store


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
