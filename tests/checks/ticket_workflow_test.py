"""checks.ticket_workflow: the ticket's documents as metawsm's staged workflow asks for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from metawsm_hooks import records
from metawsm_hooks.checks import CheckResult, ticket_workflow
from metawsm_hooks.git.repository import Repository
from testing.checks import commit_ctx, make_policy, only
from testing.util import git, write

TICKET_DIR = "ttmp/2026/02/10/ABC-1--staged-workflow"
COMPLETE = {
    "reference/99-operator-feedback.md": (
        "# Operator Feedback\n\nRequired workflow: Step 1 analyse. Step 2 plan. Step 3 build."
        " Step 4 PR.\n"
    ),
    "reference/01-codebase-relevance-analysis.md": (
        "# Codebase Relevance Analysis\n\n## Relevant Areas\n\n- x\n\n## Feedback Request\n\n"
        "OK?\n\n## Feedback Response\n\nApproved.\n"
    ),
    "design-doc/01-implementation-plan.md": (
        "# Implementation Plan\n\n## Plan\n\n1. x\n\n## Feedback Request\n\nOK?\n\n"
        "## Feedback Response\n\nAPPROVED\n"
    ),
    "reference/02-diary.md": "# Diary\n\n## Step 1: start\n\n### Prompt Context\n\nx\n",
    "tasks.md": "# Tasks\n\n- [x] one\n  - [X] two\n",
    "changelog.md": "# Changelog\n\n- Step 1: done\n",
}


def stage_ticket(root: Path, files: dict[str, str | None], folder: str = TICKET_DIR) -> None:
    for name, content in files.items():
        if content is not None:
            write(root, f"{folder}/{name}", content)
    git(root, "add", "-A")


def workflow(root: Path, ticket: str | None = "abc-1") -> CheckResult:
    return only(
        "ticket_workflow",
        commit_ctx(root, make_policy(required_checks=("ticket_workflow",)), ticket=ticket),
    )


def test_ticket_workflow_satisfied(committed: Path) -> None:
    stage_ticket(committed, COMPLETE)
    assert workflow(committed) == CheckResult(
        "ticket_workflow", "passed", "staged workflow contract satisfied for 1 ticket doc path(s)"
    )


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        pytest.param(
            {"reference/01-codebase-relevance-analysis.md": None},
            "analysis doc with Relevant Areas + Feedback sections",
            id="no-analysis",
        ),
        pytest.param(
            {
                "reference/01-codebase-relevance-analysis.md": COMPLETE[
                    "reference/01-codebase-relevance-analysis.md"
                ].replace("Approved.", "Pending.")
            },
            "analysis feedback response missing approval",
            id="analysis-not-approved",
        ),
        pytest.param(
            {"design-doc/01-implementation-plan.md": None},
            "implementation plan doc with Plan + Feedback sections",
            id="no-plan",
        ),
        pytest.param(
            {
                "design-doc/01-implementation-plan.md": COMPLETE[
                    "design-doc/01-implementation-plan.md"
                ].replace("APPROVED", "waiting")
            },
            "implementation plan feedback response missing approval",
            id="plan-not-approved",
        ),
        pytest.param(
            {"reference/02-diary.md": "# Diary\n\n## Step 1\n"},
            "diary doc with step entries",
            id="diary-without-prompt-context",
        ),
        pytest.param({"tasks.md": None}, "tasks.md missing", id="no-tasks"),
        pytest.param(
            {"tasks.md": "# Tasks\n\nnothing yet\n"},
            "tasks.md has no completed checklist items",
            id="tasks-none-done",
        ),
        pytest.param(
            {"tasks.md": "- [x] one\n- [ ] two\n"},
            "tasks.md still has unchecked items",
            id="tasks-unchecked",
        ),
        pytest.param({"changelog.md": None}, "changelog.md missing", id="no-changelog"),
        pytest.param(
            {"changelog.md": "# Changelog\n\n- started\n"},
            "changelog.md missing step entries",
            id="changelog-without-steps",
        ),
    ],
)
def test_ticket_workflow_each_shortfall_is_named(
    committed: Path, change: dict[str, str | None], missing: str
) -> None:
    stage_ticket(committed, {**COMPLETE, **change})
    assert workflow(committed) == CheckResult(
        "ticket_workflow",
        "failed",
        f"staged workflow contract unmet: ABC-1--staged-workflow ({missing})",
    )


def test_ticket_workflow_names_every_shortfall(committed: Path) -> None:
    stage_ticket(
        committed,
        {
            "reference/99-operator-feedback.md": COMPLETE["reference/99-operator-feedback.md"],
            "tasks.md": "- [ ] todo\n",
        },
    )
    stage_ticket(committed, COMPLETE, folder="ttmp/abc-1--done")
    assert workflow(committed).detail == (
        "staged workflow contract unmet: ABC-1--staged-workflow (analysis doc with Relevant Areas +"
        " Feedback sections; implementation plan doc with Plan + Feedback sections; diary doc with"
        " step entries; tasks.md has no completed checklist items; tasks.md still has unchecked"
        " items; changelog.md missing)"
    )


@pytest.mark.parametrize(
    ("ticket", "files", "detail"),
    [
        pytest.param(
            None, COMPLETE, "ticket unavailable; staged workflow check skipped", id="no-ticket"
        ),
        pytest.param(
            "  ", COMPLETE, "ticket unavailable; staged workflow check skipped", id="blank-ticket"
        ),
        pytest.param(
            "xyz-9",
            COMPLETE,
            "ticket docs not found; no staged workflow contract detected",
            id="other-ticket",
        ),
        pytest.param(
            "abc-1",
            {
                **COMPLETE,
                "reference/99-operator-feedback.md": "Required workflow: Step 1, Step 2, Step 3.\n",
                "tasks.md": None,
            },
            "no staged workflow contract declared in operator feedback",
            id="contract-not-declared",
        ),
    ],
)
def test_ticket_workflow_passes_with_a_note(
    committed: Path, ticket: str | None, files: dict[str, str | None], detail: str
) -> None:
    stage_ticket(committed, files)
    assert workflow(committed, ticket) == CheckResult("ticket_workflow", "passed", detail)


def test_ticket_workflow_reads_the_index_not_the_worktree(committed: Path) -> None:
    stage_ticket(committed, {**COMPLETE, "changelog.md": None})
    write(committed, f"{TICKET_DIR}/changelog.md", COMPLETE["changelog.md"])  # on disk, not staged
    assert workflow(committed).detail.endswith("(changelog.md missing)")


def test_ticket_workflow_docs_only_directly_in_doc_folders(committed: Path) -> None:
    nested = {
        f"reference/sub/{k.split('/')[-1]}"
        if k.startswith(("reference/0", "design-doc/"))
        else k: v
        for k, v in COMPLETE.items()
    }
    stage_ticket(committed, nested)
    detail = workflow(committed).detail
    assert (
        "analysis doc with" in detail
        and "implementation plan doc with" in detail
        and "diary doc" in detail
    )


def test_ticket_folders_stop_at_the_first_match() -> None:
    files = [
        "ttmp/abc-1--outer/inner/abc-1--nested/tasks.md",
        "ttmp/x/ABC-1--upper/tasks.md",
        "ttmp/abc-10--other/tasks.md",
        "ttmp/abc-1--outer/tasks.md",
        "ttmp/abc-1--file.md",
        "elsewhere/abc-1--x/tasks.md",
    ]
    assert ticket_workflow.ticket_folders(files, " ABC-1 ") == {
        "ttmp/abc-1--outer": [
            "ttmp/abc-1--outer/inner/abc-1--nested/tasks.md",
            "ttmp/abc-1--outer/tasks.md",
        ],
        "ttmp/x/ABC-1--upper": ["ttmp/x/ABC-1--upper/tasks.md"],
    }


def test_ticket_workflow_on_a_pushed_commit(committed: Path) -> None:
    stage_ticket(committed, COMPLETE)
    git(committed, "commit", "-q", "--no-verify", "-m", "docs")
    repo = Repository.discover(committed)
    git(committed, "rm", "-q", "-r", "ttmp")  # the working tree and index no longer matter
    ctx = records.replace(
        commit_ctx(
            committed,
            make_policy(required_checks=("ticket_workflow",)),
            ticket="abc-1",
            operation="pr",
        ),
        source=repo.commit_source("HEAD"),
    )
    assert only("ticket_workflow", ctx).status == "passed"
