"""SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format) from a ``ci`` run, for GitHub
code scanning and other SARIF readers.

One run, tool ``metawsm-hooks``, one rule per check (``branch``, ``forbidden_files``, ``tests``,
``ticket_workflow``, ``clean_tree``, ``allowed_repos``). Every failed check is a result of level
``error``; a forbidden file's result has the file's path as its location; the other results
point at the policy file, whose rule they break (GitHub code scanning needs a location on every
result). Passed and skipped checks are not results. Failures that are not a check (an invalid
policy, a refused ``METAWSM_SKIP``) are the invocation's error notifications.

Source: the SARIF 2.1.0 specification (errata 01) and its JSON schema
(``tests/data/sarif/sarif-schema-2.1.0.json``, from oasis-tcs/sarif-spec), and GitHub's "SARIF
support for code scanning" (stable ``ruleId``s, ``partialFingerprints``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from metawsm_hooks import __version__
from metawsm_hooks.constants import POLICY_RELPATH

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# (rule id, name, short description, what it checks)
RULES: tuple[tuple[str, str, str, str], ...] = (
    (
        "branch",
        "BranchTemplate",
        "The branch fits git_pr.branch_template",
        "The branch name must render from the policy's git_pr.branch_template with a ticket, a"
        " repo and a run, as metawsm's RenderGitBranch does.",
    ),
    (
        "forbidden_files",
        "ForbiddenFiles",
        "No changed file matches git_pr.forbidden_file_patterns",
        "No file added or modified in the range may match a pattern of"
        " git_pr.forbidden_file_patterns: the pattern matches the whole path or its base name"
        " (Go's filepath.Match), or, less a trailing /, is the path or one of its parent folders"
        " from the repository root (config/creds covers config/creds/x, not app/config/creds/x).",
    ),
    (
        "tests",
        "Tests",
        "git_pr.test_commands pass",
        "Every command of git_pr.test_commands passes in the tree of the head commit.",
    ),
    (
        "ticket_workflow",
        "TicketWorkflow",
        "The ticket's staged workflow documents are in place",
        "metawsm's staged-workflow contract for the branch's ticket (ttmp/**/<ticket>--*).",
    ),
    (
        "clean_tree",
        "CleanTree",
        "The working tree has no uncommitted changes",
        "The working tree holds nothing beyond the head commit (the store's files aside).",
    ),
    (
        "allowed_repos",
        "AllowedRepos",
        "The remote is in git_pr.allowed_repos",
        "The repository pushed to must be listed in git_pr.allowed_repos.",
    ),
)
RULE_IDS = tuple(rule[0] for rule in RULES)


def sarif_document(report: Mapping[str, Any]) -> dict[str, Any]:
    """The SARIF log for ``report``, the JSON document of a ``ci`` run (``--format json``):
    ``{"targets": [{"branch", "failures": [{"name", "detail"}], "paths": {check: [path, …]},
    …}], …}``."""
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for target in report.get("targets", []):
        paths: Mapping[str, Sequence[str]] = target.get("paths") or {}
        branch = str(target.get("branch") or "")
        for failure in target.get("failures", []):
            name = str(failure.get("name"))
            detail = str(failure.get("detail") or "failed")
            if name not in RULE_IDS:
                notifications.append(_notification(f"{name}: {detail}"))
            elif paths.get(name):
                for path in paths[name]:
                    message = f"{path} is a forbidden file (git_pr.forbidden_file_patterns)"
                    results.append(_result(name, message, path, branch))
            else:
                results.append(_result(name, detail, POLICY_RELPATH, branch))
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "metawsm-hooks",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(*rule) for rule in RULES],
                    }
                },
                "invocations": [invocation],
                "results": results,
            }
        ],
    }


def _rule(rule_id: str, name: str, short: str, full: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": f"{full} Run `metawsm-hooks ci` locally to see the details."},
        "defaultConfiguration": {"level": "error"},
    }


def _result(rule_id: str, message: str, path: str, branch: str) -> dict[str, Any]:
    uri = quote(path.encode("utf-8", "surrogateescape"), safe="/")
    digest = hashlib.sha256(f"{rule_id}\0{path}\0{branch}".encode("utf-8", "surrogateescape"))
    return {
        "ruleId": rule_id,
        "ruleIndex": RULE_IDS.index(rule_id),
        "level": "error",
        "kind": "fail",
        "message": {"text": message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
        "partialFingerprints": {"metawsmHooks/v1": digest.hexdigest()[:32]},
    }


def _notification(text: str) -> dict[str, Any]:
    return {"level": "error", "message": {"text": text}}
