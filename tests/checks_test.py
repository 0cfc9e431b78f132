"""checks: the rule that combines the checks' results, the runner and its report."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from metawsm_hooks.checks import (
    CheckResult,
    Report,
    clean_tree,
    forbidden_files,
    passes,
    quote_path,
    run_checks,
    tests,
    ticket_workflow,
)
from metawsm_hooks.git.types import Change
from metawsm_hooks.records import replace
from testing.checks import commit_ctx, make_policy
from testing.util import git, write


@pytest.mark.parametrize(
    ("statuses", "require_all", "expected"),
    [
        pytest.param([], True, True, id="nothing-evaluated"),
        pytest.param(["skipped", "skipped"], True, True, id="all-skipped"),
        pytest.param(["passed", "passed"], True, True, id="all-passed"),
        pytest.param(["passed", "failed"], True, False, id="require-all-one-failed"),
        pytest.param(["passed", "failed"], False, True, id="any-one-passed"),
        pytest.param(["failed", "skipped"], False, False, id="any-none-passed"),
        pytest.param(["failed", "skipped"], True, False, id="require-all-failed-and-skipped"),
    ],
)
def test_passes(statuses: list[str], require_all: bool, expected: bool) -> None:
    results = [CheckResult(f"c{i}", s, "") for i, s in enumerate(statuses)]
    assert passes(results, require_all=require_all) is expected


@pytest.mark.parametrize(
    ("required", "require_all", "operation", "skip", "expected", "passed"),
    [
        pytest.param(
            ("tests", "forbidden_files", "ticket_workflow", "clean_tree"),
            True,
            "commit",
            {},
            [
                ("tests", "passed", "no test commands configured"),
                ("forbidden_files", "failed", "forbidden files detected: .env"),
                ("ticket_workflow", "passed", "ticket unavailable; staged workflow check skipped"),
                ("clean_tree", "skipped", "not applicable to commit"),
            ],
            False,
            id="defaults-with-a-forbidden-file",
        ),
        pytest.param(
            ("tests", "forbidden_files"),
            False,
            "commit",
            {},
            [
                ("tests", "passed", "no test commands configured"),
                ("forbidden_files", "failed", "forbidden files detected: .env"),
            ],
            True,
            id="any-one-passes",
        ),
        pytest.param(
            ("forbidden_files",),
            False,
            "commit",
            {},
            [("forbidden_files", "failed", "forbidden files detected: .env")],
            False,
            id="any-none-passes",
        ),
        pytest.param(
            ("Forbidden_Files, tests",),
            True,
            "commit",
            {"forbidden_files": "Dev <dev@example.com>"},
            [
                ("forbidden_files", "skipped", "skipped by METAWSM_SKIP (Dev <dev@example.com>)"),
                ("tests", "passed", "no test commands configured"),
            ],
            True,
            id="skipped-by-metawsm-skip-and-runtime-entries",
        ),
        pytest.param(
            ("clean_tree",),
            True,
            "commit",
            {},
            [("clean_tree", "skipped", "not applicable to commit")],
            True,
            id="no-applicable-check",
        ),
        pytest.param((), True, "commit", {}, [], True, id="no-required-checks"),
    ],
)
def test_run_checks(
    committed: Path,
    required: tuple[str, ...],
    require_all: bool,
    operation: str,
    skip: dict[str, str],
    expected: list[tuple[str, str, str]],
    passed: bool,
) -> None:
    write(committed, ".env", "SECRET=1\n")
    git(committed, "add", ".env")
    policy = make_policy(required_checks=required, require_all=require_all)
    report = run_checks(commit_ctx(committed, policy, skip=skip, operation=operation))
    assert [(r.name, r.status, r.detail) for r in report.results] == expected
    assert report.passed is passed
    assert report.required_checks == policy.git_pr.checks()


def test_report_json_and_messages(committed: Path) -> None:
    write(committed, "id_rsa")
    write(committed, "x.pem")
    git(committed, "add", "-A")
    policy = make_policy(required_checks=("forbidden_files", "tests"))
    now = datetime(2026, 2, 8, 12, 0, 0, 987654, tzinfo=timezone(timedelta(hours=-8)))
    report = run_checks(commit_ctx(committed, policy), now=now)
    assert report.to_json() == {
        "operation": "commit",
        "require_all": True,
        "required_checks": ["forbidden_files", "tests"],
        "results": [
            {
                "name": "forbidden_files",
                "status": "failed",
                "detail": "forbidden files detected: id_rsa, x.pem",
            },
            {"name": "tests", "status": "passed", "detail": "no test commands configured"},
        ],
        "passed": False,
        "evaluated_at": "2026-02-08T20:00:00Z",
    }
    assert report.failed() == (report.results[0],)
    assert report.failure_message() == "forbidden_files: forbidden files detected: id_rsa, x.pem"
    assert CheckResult("x", "passed", "").to_json() == {"name": "x", "status": "passed"}


def test_only_and_merged(committed: Path) -> None:
    policy = make_policy(required_checks=("tests", "forbidden_files"))
    ctx = commit_ctx(committed, policy)
    failing = Report(
        "commit",
        True,
        ("tests", "forbidden_files"),
        (CheckResult("tests", "failed", "boom"), CheckResult("forbidden_files", "passed", "ok")),
        False,
        "2026-01-01T00:00:00Z",
    )
    again = run_checks(ctx, only=["tests"])
    assert [r.name for r in again.results] == ["tests"]
    merged = failing.merged(again)
    assert merged.passed and [r.status for r in merged.results] == ["passed", "passed"]
    assert merged.failure_message() == ""


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        pytest.param("plain/name.txt", "plain/name.txt", id="plain"),
        pytest.param("ünï/файл", "ünï/файл", id="unicode"),
        pytest.param("new\nline", '"new\\nline"', id="newline"),
        pytest.param("tab\there", '"tab\\there"', id="tab"),
        pytest.param(os.fsdecode(b"caf\xe9"), '"caf\\351"', id="not-utf8"),
        pytest.param('"quoted\x01', '"\\"quoted\\001"', id="control-and-quote"),
    ],
)
def test_quote_path(path: str, shown: str) -> None:
    assert quote_path(path) == shown


def test_check_modules_declare_where_they_apply() -> None:
    assert (
        tests.APPLIES_TO
        == forbidden_files.APPLIES_TO
        == ticket_workflow.APPLIES_TO
        == {"commit", "pr"}
    )
    assert frozenset({"pr"}) == clean_tree.APPLIES_TO


def test_checks_reading_the_change_run_last_and_report_in_policy_order(committed: Path) -> None:
    # At push time the change is still being listed by git: the other checks run meanwhile.
    write(committed, ".env", "SECRET=1\n")
    git(committed, "add", ".env")
    policy = make_policy(required_checks=("forbidden_files", "ticket_workflow"))
    ctx = commit_ctx(committed, policy, ticket="ABC-1")
    seen: list[str] = []

    class Watched:
        def __init__(self, name: str, inner: Any) -> None:
            self.name, self.inner = name, inner

        def __iter__(self) -> Iterator[Change]:
            seen.append(self.name)
            return iter(self.inner)

        def list_files(self, prefix: str) -> list[str]:
            seen.append(self.name)
            files: list[str] = self.inner.list_files(prefix)
            return files

        def read(self, path: str, *, limit: int | None = None) -> bytes | None:
            data: bytes | None = self.inner.read(path, limit=limit)
            return data

    watched = replace(
        ctx, changes=Watched("changes", ctx.changes), source=Watched("tree", ctx.source)
    )
    report = run_checks(watched)
    assert seen[0] == "tree" and seen[-1] == "changes"
    assert [r.name for r in report.results] == ["forbidden_files", "ticket_workflow"]
    assert [r.status for r in report.results] == ["failed", "passed"]
    assert forbidden_files.READS_CHANGES and not hasattr(ticket_workflow, "READS_CHANGES")
