"""`ci --format sarif` over a real range, validated against the official SARIF 2.1.0 schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from metawsm_hooks.constants import CHECK_NAMES
from metawsm_hooks.sarif import RULE_IDS, sarif_document
from testing.util import cli, commit_all, git, output, write, write_policy

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text()
)


def valid(doc: dict[str, Any]) -> dict[str, Any]:
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    return doc


@pytest.fixture
def ranged(repo: Path) -> tuple[Path, str]:
    """A repository with a policy and a base commit; returns (repo, base commit)."""
    write_policy(
        repo,
        {
            "required_checks": ["forbidden_files", "tests"],
            "forbidden_file_patterns": ["*.env", "secrets/"],
            "test_commands": ["test -f README.md"],
        },
    )
    write(repo, "README.md", "hello\n")
    base = commit_all(repo, "base")
    return repo, base


def run_ci(repo: Path, base: str, *extra: str) -> tuple[int, dict[str, Any]]:
    proc = cli(repo, "ci", "--base", base, "--head", "HEAD", "--format", "sarif", *extra)
    assert proc.returncode in (0, 1), output(proc)
    return proc.returncode, valid(json.loads(proc.stdout))


def test_failing_checks_are_error_results_and_forbidden_files_carry_their_paths(
    ranged: tuple[Path, str],
) -> None:
    repo, base = ranged
    git(repo, "checkout", "-q", "-b", "wip/a/b/c")
    write(repo, "config/prod.env", "x\n")
    write(repo, "secrets/key with space.txt", "x\n")
    write(repo, "src/ok.py", "x\n")
    commit_all(repo, "change")
    code, doc = run_ci(repo, base)
    assert code == 1
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "metawsm-hooks"
    assert [rule["id"] for rule in driver["rules"]] == [
        "branch",
        "forbidden_files",
        "tests",
        "ticket_workflow",
        "clean_tree",
        "allowed_repos",
    ]
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for result in run["results"]:
        assert result["level"] == "error"
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        by_rule.setdefault(result["ruleId"], []).append(result)
    assert set(by_rule) == {"branch", "forbidden_files"}
    uris = sorted(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in by_rule["forbidden_files"]
    )
    assert uris == ["config/prod.env", "secrets/key%20with%20space.txt"]
    assert "wip/a/b/c" in by_rule["branch"][0]["message"]["text"]


def test_a_passing_range_has_no_results(ranged: tuple[Path, str]) -> None:
    repo, base = ranged
    git(repo, "checkout", "-q", "-b", "abc-1/repo/run-1")
    write(repo, "src/ok.py", "x\n")
    commit_all(repo, "change")
    code, doc = run_ci(repo, base)
    assert code == 0
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["invocations"] == [{"executionSuccessful": True}]


def test_a_failing_test_command_is_a_result_of_the_tests_rule(ranged: tuple[Path, str]) -> None:
    repo, base = ranged
    git(repo, "checkout", "-q", "-b", "abc-1/repo/run-1")
    git(repo, "rm", "-q", "README.md")
    commit_all(repo, "drop the readme")
    code, doc = run_ci(repo, base)
    assert code == 1
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["tests"]


def test_an_invalid_policy_is_an_error_notification(ranged: tuple[Path, str]) -> None:
    repo, base = ranged
    git(repo, "checkout", "-q", "-b", "abc-1/repo/run-1")
    write(repo, ".metawsm/policy.json", '{"git_pr": {"required_checks": ["nope"]}}\n')
    commit_all(repo, "break the policy")
    code, doc = run_ci(repo, base)
    assert code == 1
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes and all(n["level"] == "error" for n in notes)
    assert any("required_checks" in n["message"]["text"] for n in notes)


def test_every_rule_id_is_known_to_the_document() -> None:
    assert set(RULE_IDS) == {*CHECK_NAMES, "branch", "allowed_repos"}
    doc = valid(sarif_document({}))
    assert tuple(r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]) == RULE_IDS
    assert doc["runs"][0]["results"] == []
