"""The policy core decides exactly as metawsm's Load + Validate, and reports every problem."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import metawsm_hooks.policy.load
from metawsm_hooks import policy
from metawsm_hooks.policy import (
    Agent,
    AgentProfile,
    DocAPIEndpoint,
    Finding,
    HooksSettings,
    Policy,
    PolicyResult,
    RunnerOptions,
    asdict,
    default_policy,
    defaults_result,
    load_policy_bytes,
    load_policy_path,
    replace,
    runtime_entries,
)
from metawsm_hooks.policy.schema_export import json_schema
from testing.util import FUZZ

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "policy.example.json"
GO_VERDICTS = Path(__file__).resolve().parent / "data" / "policies" / "go_verdicts.json"


def load(text: str | bytes, *, strict: bool = False) -> PolicyResult:
    data = text.encode() if isinstance(text, str) else text
    return load_policy_bytes(data, source="test", strict=strict)


def error_paths(result: PolicyResult) -> list[str]:
    return [f.path for f in result.errors]


# ---------------------------------------------------------------------------------------------
# Defaults and the example policy


def test_defaults_are_metawsms() -> None:
    p = default_policy()
    assert p.version == 2
    assert (p.workspace.default_strategy, p.workspace.branch_prefix, p.workspace.base_branch) == (
        "create",
        "task",
        "main",
    )
    assert p.docs.authority_mode == "workspace_active"
    assert p.docs.seed_mode == "copy_from_repo_on_start"
    assert p.docs.stale_warning_seconds == 900
    assert p.docs.api.request_timeout_seconds == 3
    assert p.docs.api.workspace_endpoints == p.docs.api.repo_endpoints == ()
    assert p.tmux.session_pattern == "{agent}-{workspace}"
    assert p.execution.step_retries == 1
    assert tuple(asdict(p.health).values()) == (300, 900, 1200)
    assert p.close.require_clean_git is True
    assert tuple(asdict(p.operator).values())[:4] == (2, 3, 60, 3600)
    assert tuple(asdict(p.operator.llm).values()) == ("assist", "codex", "", 30, 400)
    assert p.forum.enabled is True
    assert tuple(asdict(p.forum.topics).values()) == (
        "forum.commands",
        "forum.events",
        "forum.integration",
    )
    assert tuple(asdict(p.forum.redis).values()) == (
        "redis://127.0.0.1:6379/0",
        "metawsm-forum",
        "metawsm-forum",
        "operator",
    )
    assert p.forum.sla.escalation_minutes == 30
    assert p.forum.docs_sync.enabled is True
    g = p.git_pr
    assert (g.mode, g.credential_mode, g.branch_template, g.require_all) == (
        "assist",
        "local_user_auth",
        "{ticket}/{repo}/{run}",
        True,
    )
    assert g.required_checks == ("tests", "forbidden_files", "ticket_workflow", "clean_tree")
    assert g.test_commands == g.allowed_repos == g.default_labels == g.default_reviewers == ()
    assert g.forbidden_file_patterns == (
        ".env",
        ".env.*",
        "*.pem",
        "*.key",
        "*.p12",
        "*.pfx",
        "id_rsa",
        "id_ed25519",
    )
    assert tuple(asdict(g.review_feedback).values()) == (False, "assist", True, (), 50, 1)
    assert p.agent_profiles == (
        AgentProfile(
            name="default-shell", runner="shell", runner_options=RunnerOptions(command="bash")
        ),
    )
    assert p.agent_profiles[0].skills == () and p.agent_profiles[0].base_prompt == ""
    assert p.agents == (Agent(name="agent", profile="default-shell"),)
    assert p.hooks == HooksSettings("prefix", 600, 20, ())


def test_defaults_result() -> None:
    result = defaults_result()
    assert result == PolicyResult("built-in defaults", Policy(), (), (), defaults_used=True)
    assert result.valid


@pytest.mark.parametrize(
    "text", ["{}", " null ", "{\n}\n"], ids=["empty-object", "null", "newlines"]
)
def test_an_empty_policy_is_the_defaults(text: str) -> None:
    result = load(text)
    assert result.valid and result.warnings == ()
    assert result.policy == default_policy()
    assert result.defaults_used is False


def test_example_policy_is_valid_and_decoded_over_the_defaults() -> None:
    result = load(EXAMPLE.read_bytes())
    assert result.valid and result.errors == () and result.warnings == ()
    p = result.policy
    assert p is not None
    assert p.docs.api.workspace_endpoints == (
        DocAPIEndpoint(
            "workspace-metawsm",
            "http://127.0.0.1:8787",
            "http://127.0.0.1:8787",
            "metawsm",
            "metawsm-001",
        ),
    )
    assert p.docs.api.repo_endpoints == (
        DocAPIEndpoint("repo-metawsm", "http://127.0.0.1:8790", "http://127.0.0.1:8790", "metawsm"),
    )
    assert p.git_pr.test_commands == ("go test ./... -count=1",)
    assert p.git_pr.review_feedback == policy.ReviewFeedbackPolicy()
    (profile,) = p.agent_profiles
    assert (profile.name, profile.runner, profile.skills) == (
        "codex-default",
        "codex",
        ("docmgr", "diary"),
    )
    assert profile.base_prompt.startswith("You are the implementation agent")
    # Decoded INTO the default profile: the default's runner_options.command stays.
    assert profile.runner_options == RunnerOptions(full_auto=True, command="bash")
    assert p.agents == (Agent("agent", "codex-default"),)
    assert p.forum == policy.ForumPolicy()  # absent from the file: defaults
    assert p.hooks == HooksSettings()
    assert replace(p, docs=Policy().docs, git_pr=Policy().git_pr) != Policy()


# ---------------------------------------------------------------------------------------------
# metawsm's rules, one table row per side of each rule

ENDPOINT_OK = '{"name": "w", "base_url": "http://h", "repo": "r", "workspace": "ws"}'


def endpoints(workspace: str = "", repo: str = "") -> str:
    lists = f'"workspace_endpoints": [{workspace}], "repo_endpoints": [{repo}]'
    return f'{{"docs": {{"api": {{{lists}}}}}}}'


RULES = [
    # 1 version
    pytest.param('{"version": 1}', [], id="r01-version-1"),
    pytest.param('{"version": 0}', ["version"], id="r01-version-0"),
    pytest.param('{"version": -3}', ["version"], id="r01-version-negative"),
    # 2 workspace.default_strategy: exact
    pytest.param('{"workspace": {"default_strategy": "reuse"}}', [], id="r02-reuse"),
    pytest.param('{"workspace": {"default_strategy": "fork"}}', [], id="r02-fork"),
    pytest.param(
        '{"workspace": {"default_strategy": "Create"}}',
        ["workspace.default_strategy"],
        id="r02-case",
    ),
    pytest.param(
        '{"workspace": {"default_strategy": " create"}}',
        ["workspace.default_strategy"],
        id="r02-space",
    ),
    # 3 tmux.session_pattern
    pytest.param('{"tmux": {"session_pattern": "\\u001c"}}', [], id="r03-go-keeps-u001c"),
    pytest.param(
        '{"tmux": {"session_pattern": " \\u3000\\u00a0"}}', ["tmux.session_pattern"], id="r03-blank"
    ),
    # 4 docs.authority_mode: trimmed, case matters
    pytest.param('{"docs": {"authority_mode": " workspace_active\\n"}}', [], id="r04-trimmed"),
    pytest.param('{"docs": {"authority_mode": ""}}', ["docs.authority_mode"], id="r04-empty"),
    pytest.param(
        '{"docs": {"authority_mode": "Workspace_Active"}}', ["docs.authority_mode"], id="r04-case"
    ),
    # 5 docs.seed_mode
    pytest.param('{"docs": {"seed_mode": "\\u2028none\\u0085"}}', [], id="r05-none-trimmed"),
    pytest.param('{"docs": {"seed_mode": "NONE"}}', ["docs.seed_mode"], id="r05-case"),
    pytest.param('{"docs": {"seed_mode": " "}}', ["docs.seed_mode"], id="r05-blank"),
    # 6 docs thresholds
    pytest.param(
        '{"docs": {"stale_warning_seconds": 1, "api": {"request_timeout_seconds": 1}}}',
        [],
        id="r06-one",
    ),
    pytest.param(
        '{"docs": {"stale_warning_seconds": 0}}', ["docs.stale_warning_seconds"], id="r06-stale-0"
    ),
    pytest.param(
        '{"docs": {"api": {"request_timeout_seconds": -1}}}',
        ["docs.api.request_timeout_seconds"],
        id="r06-timeout-negative",
    ),
    # 7 doc API endpoints
    pytest.param(
        endpoints(ENDPOINT_OK, '{"name": "r", "base_url": "https://h:1/p", "repo": "r"}'),
        [],
        id="r07-ok",
    ),
    pytest.param(
        endpoints('{"name": " ", "base_url": "http://h", "repo": "r", "workspace": "w"}'),
        ["docs.api.workspace_endpoints[0].name"],
        id="r07-name-empty",
    ),
    pytest.param(
        endpoints(ENDPOINT_OK, '{"name": " w ", "base_url": "http://h", "repo": "r"}'),
        ["docs.api.repo_endpoints[0].name"],
        id="r07-name-unique-across-lists",
    ),
    pytest.param(
        endpoints(repo='{"name": "a", "repo": "r"}'),
        ["docs.api.repo_endpoints[0].base_url"],
        id="r07-base-empty",
    ),
    pytest.param(
        endpoints(repo='{"name": "a", "base_url": "ftp://h", "repo": "r"}'),
        ["docs.api.repo_endpoints[0].base_url"],
        id="r07-base-scheme",
    ),
    pytest.param(
        endpoints(repo='{"name": "a", "base_url": " http://h\\t", "web_url": " ", "repo": "r"}'),
        [],
        id="r07-trimmed-and-blank-web-url",
    ),
    pytest.param(
        endpoints(repo='{"name": "a", "base_url": "http://h", "web_url": "h", "repo": "r"}'),
        ["docs.api.repo_endpoints[0].web_url"],
        id="r07-web-url-no-scheme",
    ),
    pytest.param(
        endpoints(repo='{"name": "a", "base_url": "http://h", "repo": " "}'),
        ["docs.api.repo_endpoints[0].repo"],
        id="r07-repo-empty",
    ),
    pytest.param(
        endpoints('{"name": "a", "base_url": "http://h", "repo": "r"}'),
        ["docs.api.workspace_endpoints[0].workspace"],
        id="r07-workspace-needed",
    ),
    # 8 workspace.base_branch
    pytest.param(
        '{"workspace": {"base_branch": "\\t"}}', ["workspace.base_branch"], id="r08-blank"
    ),
    # 9 health
    pytest.param(
        '{"health": {"idle_seconds": 900, "activity_stalled_seconds": 900}}', [], id="r09-equal"
    ),
    pytest.param(
        '{"health": {"idle_seconds": 901}}',
        ["health.activity_stalled_seconds"],
        id="r09-activity-below-idle",
    ),
    pytest.param(
        '{"health": {"idle_seconds": 0, "progress_stalled_seconds": 0}}',
        ["health.idle_seconds", "health.progress_stalled_seconds"],
        id="r09-zero",
    ),
    # 10 operator thresholds
    pytest.param(
        '{"operator": {"unhealthy_confirmations": 0, "restart_budget": 0, '
        '"restart_cooldown_seconds": -1, "stale_run_age_seconds": 0}}',
        [
            "operator.unhealthy_confirmations",
            "operator.restart_budget",
            "operator.restart_cooldown_seconds",
            "operator.stale_run_age_seconds",
        ],
        id="r10-all-zero",
    ),
    # 11 operator.llm
    pytest.param('{"operator": {"llm": {"mode": " AUTO\\u3000"}}}', [], id="r11-mode-any-case"),
    pytest.param('{"operator": {"llm": {"mode": "ass\\u0130st"}}}', [], id="r11-dotted-capital-i"),
    pytest.param(
        '{"operator": {"llm": {"mode": "maybe"}}}', ["operator.llm.mode"], id="r11-mode-bad"
    ),
    pytest.param(
        '{"operator": {"llm": {"command": " ", "timeout_seconds": 0, "max_tokens": 0}}}',
        ["operator.llm.command", "operator.llm.timeout_seconds", "operator.llm.max_tokens"],
        id="r11-command-timeout-tokens",
    ),
    # 12 forum
    pytest.param(
        '{"forum": {"enabled": false, "topics": {"event_prefix": " "}, "redis": {"group": ""}, '
        '"sla": {"escalation_minutes": 0}}}',
        ["forum.topics.event_prefix", "forum.redis.group", "forum.sla.escalation_minutes"],
        id="r12-forum",
    ),
    # 13 git_pr mode, credential mode, template
    pytest.param(
        '{"git_pr": {"mode": "OFF", "credential_mode": " Local_User_Auth "}}', [], id="r13-any-case"
    ),
    pytest.param(
        '{"git_pr": {"mode": "on", "credential_mode": "token", "branch_template": " "}}',
        ["git_pr.mode", "git_pr.credential_mode", "git_pr.branch_template"],
        id="r13-bad",
    ),
    # 14 git_pr lists
    pytest.param(
        '{"git_pr": {"required_checks": [" Tests ", "CLEAN_TREE"]}}', [], id="r14-checks-any-case"
    ),
    pytest.param('{"git_pr": {"required_checks": []}}', [], id="r14-no-checks"),
    pytest.param(
        '{"git_pr": {"required_checks": ["tests", " ", "lint", "tests,clean_tree"]}}',
        ["git_pr.required_checks[1]", "git_pr.required_checks[2]", "git_pr.required_checks[3]"],
        id="r14-checks-bad",
    ),
    pytest.param(
        '{"git_pr": {"test_commands": ["make", ""], "forbidden_file_patterns": ["\\u00a0"], '
        '"allowed_repos": [" "], "default_labels": ["\\n"], "default_reviewers": ["\\u205f"]}}',
        [
            "git_pr.test_commands[1]",
            "git_pr.forbidden_file_patterns[0]",
            "git_pr.allowed_repos[0]",
            "git_pr.default_labels[0]",
            "git_pr.default_reviewers[0]",
        ],
        id="r14-empty-entries",
    ),
    # 15 review_feedback
    pytest.param(
        '{"git_pr": {"review_feedback": {"mode": "Auto", "ignore_authors": ["bot"]}}}',
        [],
        id="r15-ok",
    ),
    pytest.param(
        '{"git_pr": {"review_feedback": {"mode": "off", "include_review_comments": false, '
        '"ignore_authors": [" "], "max_items_per_sync": 0, "auto_dispatch_cap_per_interval": 0}}}',
        [
            "git_pr.review_feedback.mode",
            "git_pr.review_feedback.include_review_comments",
            "git_pr.review_feedback.ignore_authors[0]",
            "git_pr.review_feedback.max_items_per_sync",
            "git_pr.review_feedback.auto_dispatch_cap_per_interval",
        ],
        id="r15-bad",
    ),
    # 16 execution.step_retries
    pytest.param('{"execution": {"step_retries": 0}}', [], id="r16-zero"),
    pytest.param(
        '{"execution": {"step_retries": -1}}', ["execution.step_retries"], id="r16-negative"
    ),
    # 17 agent profiles
    pytest.param(
        '{"agent_profiles": [{"name": "c", "runner": " Codex ", "base_prompt": "go", '
        '"skills": ["s"]}], "agents": [{"name": "a", "profile": "c"}]}',
        [],
        id="r17-codex",
    ),
    pytest.param('{"agent_profiles": []}', ["agent_profiles", "agents[0].profile"], id="r17-none"),
    pytest.param(
        '{"agent_profiles": [{"name": " "}, {"name": "default-shell"}, {"name": "default-shell", '
        '"runner": "shell", "runner_options": {"command": "sh"}}]}',
        ["agent_profiles[0].name", "agent_profiles[1].runner", "agent_profiles[2].name"],
        id="r17-names",
    ),
    pytest.param(
        '{"agent_profiles": [{"runner": "codex"}, {"name": "s", "runner": "shell", '
        '"runner_options": {"command": " "}, "skills": ["ok", ""]}]}',
        [
            "agent_profiles[0].base_prompt",
            "agent_profiles[1].runner_options.command",
            "agent_profiles[1].skills[1]",
        ],
        id="r17-runner-needs",
    ),
    # 18 agents
    pytest.param(
        '{"agents": [{"name": "a", "profile": " default-shell "}]}', [], id="r18-trimmed-profile"
    ),
    pytest.param('{"agents": []}', ["agents"], id="r18-none"),
    pytest.param(
        '{"agents": [{"name": " "}, {"name": "b"}, {"name": "c", "profile": "Default-Shell"}]}',
        ["agents[0].name", "agents[1].profile", "agents[2].profile"],
        id="r18-bad",
    ),
]


@pytest.mark.parametrize(("text", "expected"), RULES)
def test_rules(text: str, expected: list[str]) -> None:
    result = load(text)
    assert error_paths(result) == expected
    assert result.valid is (expected == [])
    assert all(f.line in (1, None) for f in result.errors)


# ---------------------------------------------------------------------------------------------
# Loading: every point of metawsm's (Go's) decoding


def test_absent_keys_keep_their_defaults_at_every_depth() -> None:
    p = load('{"git_pr": {"review_feedback": {"enabled": true}}}').policy
    assert p is not None
    assert p.git_pr.review_feedback == policy.ReviewFeedbackPolicy(enabled=True)
    assert replace(p.git_pr, review_feedback=policy.ReviewFeedbackPolicy()) == policy.GitPRPolicy()


def test_a_list_replaces_the_default_list() -> None:
    p = load(
        '{"git_pr": {"required_checks": ["tests"], "forbidden_file_patterns": [".env"]}}'
    ).policy
    assert p is not None
    assert p.git_pr.required_checks == ("tests",)
    assert p.git_pr.forbidden_file_patterns == (".env",)


def test_array_elements_are_decoded_into_the_default_elements() -> None:
    result = load('{"agent_profiles": [{"name": "p"}], "agents": [{"name": "a", "profile": "p"}]}')
    assert result.valid
    assert result.policy is not None
    assert result.policy.agent_profiles == (
        AgentProfile(name="p", runner="shell", runner_options=RunnerOptions(command="bash")),
    )
    nulls = load('{"git_pr": {"required_checks": [null, null]}}').policy
    assert nulls is not None
    assert nulls.git_pr.required_checks == ("tests", "forbidden_files")


def test_elements_beyond_the_default_list_start_from_zero_values() -> None:
    result = load('{"agent_profiles": [{}, {"name": "q"}]}')
    assert result.policy is not None
    assert result.policy.agent_profiles[1] == AgentProfile(name="q")
    assert error_paths(result) == ["agent_profiles[1].runner"]
    checks = load('{"git_pr": {"required_checks": [null, null, null, null, null]}}')
    assert error_paths(checks) == ["git_pr.required_checks[4]"]


@pytest.mark.parametrize(
    ("text", "attribute", "expected"),
    [
        pytest.param('{"version": null}', "version", 2, id="number"),
        pytest.param(
            '{"tmux": {"session_pattern": null}}',
            "tmux.session_pattern",
            "{agent}-{workspace}",
            id="string",
        ),
        pytest.param(
            '{"close": {"require_clean_git": null}}', "close.require_clean_git", True, id="bool"
        ),
        pytest.param('{"git_pr": null}', "git_pr", policy.GitPRPolicy(), id="object"),
        pytest.param(
            '{"git_pr": {"required_checks": null}}', "git_pr.required_checks", (), id="list"
        ),
        pytest.param(
            '{"agent_profiles": [null]}', "agent_profiles", Policy().agent_profiles, id="element"
        ),
    ],
)
def test_null_leaves_values_and_empties_lists(text: str, attribute: str, expected: Any) -> None:
    value: Any = load(text).policy
    for name in attribute.split("."):
        value = getattr(value, name)
    assert value == expected


@pytest.mark.parametrize(
    ("text", "valid", "strategy"),
    [
        pytest.param('{"WORKSPACE": {"Default_Strategy": "fork"}}', True, "fork", id="ascii-case"),
        pytest.param(
            '{"wor\u212aspace": {"default_\u017ftrategy": "fork"}}',
            True,
            "fork",
            id="kelvin-long-s",
        ),
        pytest.param(
            '{"workspace": {"default_strategy": "fork", "DEFAULT_STRATEGY": "x"}}',
            False,
            "x",
            id="dup-fold",
        ),
    ],
)
def test_keys_match_case_insensitively_like_go(text: str, valid: bool, strategy: str) -> None:
    result = load(text)
    assert result.valid is valid
    assert result.policy is not None
    assert result.policy.workspace.default_strategy == strategy


def test_full_case_mappings_do_not_match_keys() -> None:
    # "ß" upper-cases to "SS" in Python but has no simple fold to s in Go; dotless ı neither.
    result = load('{"health": {"progre\u00df_stalled_seconds": 0, "\u0131dle_seconds": 0}}')
    assert result.valid
    # Keys outside plain ASCII are shown escaped, so look-alike letters are visible.
    assert [w.path for w in result.warnings] == [
        'health["progre\\u00df_stalled_seconds"]',
        'health["\\u0131dle_seconds"]',
    ]


def test_duplicate_keys_apply_in_order() -> None:
    result = load(
        '{"version": 0, "git_pr": {"mode": "off"}, "version": 3, "git_pr": {"require_all": false}}'
    )
    assert result.valid
    p = result.policy
    assert p is not None
    assert p.version == 3
    assert (p.git_pr.mode, p.git_pr.require_all) == ("off", False)
    assert [w.path for w in result.warnings] == ["version", "git_pr"]
    assert "last one wins" in result.warnings[0].message


def test_duplicate_arrays_reuse_gos_backing_array() -> None:
    # The first array grows the slice to 5; the second cuts it to 1 but Go keeps the memory;
    # the third lengthens it again and finds the old elements, which null leaves in place.
    five = '["tests", "forbidden_files", "clean_tree", "ticket_workflow", "bogus"]'
    kept = load(
        f'{{"git_pr": {{"required_checks": {five}, "required_checks": ["tests"], '
        '"required_checks": [null, null, null]}}'
    )
    assert kept.policy is not None
    assert kept.policy.git_pr.required_checks == ("tests", "forbidden_files", "clean_tree")
    assert kept.valid
    # An empty array (or null) drops the memory: the elements come back as zero values.
    dropped = load(
        f'{{"git_pr": {{"required_checks": {five}, "required_checks": [], '
        '"required_checks": ["tests", null]}}'
    )
    assert dropped.policy is not None
    assert dropped.policy.git_pr.required_checks == ("tests", "")
    assert error_paths(dropped) == ["git_pr.required_checks[1]"]


def test_invalid_utf8_in_strings_becomes_replacement_characters() -> None:
    result = load(b'{"git_pr": {"branch_template": "\xff{ticket}\xe2\x82"}}')
    assert result.valid
    assert result.policy is not None
    assert result.policy.git_pr.branch_template == "\ufffd{ticket}\ufffd\ufffd"


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        pytest.param(b"\xef\xbb\xbf{}", 1, 1, id="byte-order-mark"),
        pytest.param("{}".encode("utf-16"), 1, 1, id="utf-16"),
        pytest.param(b'{"version": NaN}', 1, 13, id="nan"),
        pytest.param(b'{"version": Infinity}', 1, 13, id="infinity"),
        pytest.param(b'{"x": ' + b"[" * 10001 + b"]" * 10001 + b"}", 1, 10006, id="too-deep"),
        pytest.param(
            b'{\n  "version": 2,\n  "git_pr": {"mode": "off",}\n}', 3, 28, id="trailing-comma"
        ),
        pytest.param(b"", 1, 1, id="empty-file"),
    ],
)
def test_invalid_json_is_one_error_with_line_and_column(
    data: bytes, line: int, column: int
) -> None:
    result = load(data)
    assert result.policy is None
    (finding,) = result.errors
    assert finding.path == ""
    assert finding.message.startswith("invalid JSON: ")
    assert (finding.line, finding.column) == (line, column)
    assert finding.to_json() == {
        "path": "",
        "message": finding.message,
        "line": line,
        "column": column,
    }


def test_nesting_below_gos_limit_is_fine() -> None:
    deep = b"[" * 9999 + b"]" * 9999
    result = load(b'{"unknown": ' + deep + b', "version": ' + deep + b"}")
    assert error_paths(result) == ["version"]
    assert result.errors[0].message == "must be an integer, not a list"


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        pytest.param(
            '{"version": "2"}', "version", "must be an integer, not a string", id="string-for-int"
        ),
        pytest.param(
            '{"version": 2.0}', "version", "must be a whole number, not 2.0", id="fraction"
        ),
        pytest.param(
            '{"version": 2e0}', "version", "must be a whole number, not 2e0", id="exponent"
        ),
        pytest.param(
            '{"version": 9223372036854775808}',
            "version",
            "9223372036854775808 does not fit in a 64-bit integer",
            id="beyond-int64",
        ),
        pytest.param(
            '{"close": {"require_clean_git": "true"}}',
            "close.require_clean_git",
            "must be true or false, not a string",
            id="string-for-bool",
        ),
        pytest.param(
            '{"close": {"require_clean_git": 1}}',
            "close.require_clean_git",
            "must be true or false, not a number",
            id="number-for-bool",
        ),
        pytest.param(
            '{"tmux": {"session_pattern": 5}}',
            "tmux.session_pattern",
            "must be a string, not a number",
            id="number-for-string",
        ),
        pytest.param(
            '{"agents": {}}',
            "agents",
            "must be a list of objects, not an object",
            id="object-for-list",
        ),
        pytest.param(
            '{"git_pr": []}', "git_pr", "must be an object, not a list", id="list-for-object"
        ),
        pytest.param(
            '{"git_pr": {"required_checks": "tests"}}',
            "git_pr.required_checks",
            "must be a list of strings, not a string",
            id="string-for-list",
        ),
        pytest.param(
            '{"agents": [1]}', "agents[0]", "must be an object, not a number", id="number-element"
        ),
        pytest.param("[]", "", "the policy must be a JSON object, not a list", id="top-level-list"),
        pytest.param(
            '"x"', "", "the policy must be a JSON object, not a string", id="top-level-string"
        ),
    ],
)
def test_type_mismatches_are_errors(text: str, path: str, message: str) -> None:
    result = load(text)
    assert not result.valid
    assert [(f.path, f.message) for f in result.errors] == [(path, message)]
    assert result.policy is not None  # what metawsm had decoded when it gave up


@pytest.mark.parametrize(
    "text",
    [
        '{"version": -0}',
        '{"version": 9223372036854775807}',
        '{"unknown": [1.5, "x", {"a": 1e999}]}',
    ],
    ids=["minus-zero-int", "int64-max", "anything-under-unknown-keys"],
)
def test_numbers_go_accepts(text: str) -> None:
    assert error_paths(load(text)) == ([] if "-0" not in text else ["version"])


def test_decoding_goes_on_after_a_type_error() -> None:
    result = load('{"version": "2", "tmux": {"session_pattern": 1}, "git_pr": {"mode": "x"}}')
    assert error_paths(result) == ["version", "tmux.session_pattern", "git_pr.mode"]


# ---------------------------------------------------------------------------------------------
# Every problem, each with its path and line

MANY_ERRORS = """\
{
  "version": 0,
  "workspace": {"default_strategy": "clone"},
  "git_pr": {
    "mode": "sometimes",
    "required_checks": [
      "tests",
      "lint",
      " "
    ],
    "required_checks_typo": 1
  },
  "docs": {"api": {"repo_endpoints": [
    {"name": "r", "base_url": "http://a b", "repo": "x"}
  ]}},
  "health": {"idle_seconds": 1000},
  "agents": [{"name": "a", "profile": "ghost"}]
}
"""


def test_every_error_is_reported_with_path_and_line() -> None:
    result = load(MANY_ERRORS)
    assert [(f.path, f.line) for f in result.errors] == [
        ("version", 2),
        ("workspace.default_strategy", 3),
        ("docs.api.repo_endpoints[0].base_url", 14),
        ("health.activity_stalled_seconds", 16),  # default value: the line of its object
        ("git_pr.mode", 5),
        ("git_pr.required_checks[1]", 8),
        ("git_pr.required_checks[2]", 9),
        ("agents[0].profile", 17),
    ]
    assert [(f.path, f.line) for f in result.warnings] == [("git_pr.required_checks_typo", 11)]
    assert result.errors[5].column == 7
    as_json = [f.to_json() for f in result.errors]
    assert as_json[0] == {
        "path": "version",
        "message": "must be a positive integer, not 0",
        "line": 2,
        "column": 14,
    }


def test_default_values_breaking_a_rule_have_no_line_when_nothing_encloses_them() -> None:
    result = load('{"agent_profiles": [{"name": "p", "runner": "shell"}]}')
    assert [(f.path, f.line) for f in result.errors] == [("agents[0].profile", None)]


def test_the_last_duplicate_gives_the_line() -> None:
    result = load('{\n"version": 1,\n"version": 0\n}')
    assert [(f.path, f.line) for f in result.errors] == [("version", 3)]


def test_columns_count_characters() -> None:
    text = '{"\u00fc\u00df": 1,\n  "na\u00efve": 2, "version": "2"}'
    result = load(text)
    (error,) = result.errors
    line = text.split("\n")[1]
    assert (error.line, error.column) == (2, line.index('"2"') + 1)
    assert [(w.line, w.column) for w in result.warnings] == [(1, 2), (2, 3)]


def test_pathological_files_take_linear_time() -> None:
    unknown = ", ".join(f'"\u00e9{i}": 1' for i in range(20000))
    resets = ", ".join('"skills": ["a"], "skills": []' for _ in range(5000))
    blanks = ", ".join('" "' for _ in range(20000))
    text = (
        f'{{{unknown}, "agent_profiles": [{{{resets}}}], '
        f'"git_pr": {{"test_commands": [{blanks}]}}}}'
    )
    started = time.monotonic()
    result = load(text)
    assert time.monotonic() - started < 10
    assert len(result.errors) == 20000
    assert len(result.warnings) == 20000 + 9999


# ---------------------------------------------------------------------------------------------
# Unknown keys


def test_unknown_keys_warn_with_a_suggestion() -> None:
    result = load('{"git_pr": {"requried_checks": ["tests"]}, "opertor": {}, "zzz": 1}')
    assert result.valid
    assert [(w.path, w.message) for w in result.warnings] == [
        (
            "git_pr.requried_checks",
            'unknown key "requried_checks" (did you mean "required_checks"?); metawsm ignores it',
        ),
        ("opertor", 'unknown key "opertor" (did you mean "operator"?); metawsm ignores it'),
        ("zzz", 'unknown key "zzz"; metawsm ignores it'),
    ]


def test_strict_turns_unknown_keys_into_errors() -> None:
    result = load(
        '{"agents": [{"name": "a", "profile": "default-shell", "profle": "x"}]}', strict=True
    )
    assert not result.valid
    assert [(f.path, f.line) for f in result.errors] == [("agents[0].profle", 1)]
    assert result.warnings == ()


def test_odd_keys_get_readable_paths() -> None:
    result = load('{"git_pr": {"a.b": 1, "x y": 2}}')
    assert [w.path for w in result.warnings] == ['git_pr["a.b"]', 'git_pr["x y"]']


# ---------------------------------------------------------------------------------------------
# The hooks block


def test_hooks_settings() -> None:
    result = load(
        '{"hooks": {"commit_message": " Require ", "test_timeout_seconds": 30, '
        '"output_tail_lines": 5, "exempt_branches": ["main", " release/* "]}}'
    )
    assert result.valid and result.warnings == ()
    assert result.policy is not None
    assert result.policy.hooks == HooksSettings("require", 30, 5, ("main", "release/*"))


HOOKS_PROBLEMS = (
    '{"hooks": {"commit_message": "always", "test_timeout_seconds": 0, "output_tail_lines": "x", '
    '"exempt_branches": ["ok", " "], "colour": true}}'
)


def test_hook_problems_are_warnings_and_fall_back_to_defaults() -> None:
    result = load(HOOKS_PROBLEMS)
    assert result.valid
    assert result.policy is not None
    assert result.policy.hooks == HooksSettings(exempt_branches=("ok",))
    assert [w.path for w in result.warnings] == [
        "hooks.commit_message",
        "hooks.test_timeout_seconds",
        "hooks.output_tail_lines",
        "hooks.exempt_branches[1]",
        "hooks.colour",
    ]
    assert "using 'prefix'" in result.warnings[0].message


def test_hook_problems_are_errors_when_strict() -> None:
    result = load(HOOKS_PROBLEMS, strict=True)
    assert not result.valid
    assert len(result.errors) == 5
    assert result.policy is not None
    assert result.policy.hooks == HooksSettings(exempt_branches=("ok",))


def test_a_hooks_block_of_the_wrong_type_only_warns() -> None:
    result = load('{"hooks": [1]}')
    assert result.valid
    assert [(w.path, w.message) for w in result.warnings] == [
        ("hooks", "must be an object, not a list")
    ]


# ---------------------------------------------------------------------------------------------
# metawsm's run-time reading of lists


def test_runtime_entries() -> None:
    assert runtime_entries(["tests, clean_tree", " ", "tests", "a,,b"]) == (
        "tests",
        "clean_tree",
        "a",
        "b",
    )
    assert runtime_entries(["Tests", "tests"], lower=True) == ("tests",)
    git_pr = policy.GitPRPolicy(
        mode=" Auto ",
        required_checks=("Tests, clean_tree",),
        test_commands=("make test", "make lint, make vet"),
        forbidden_file_patterns=("*.pem",),
        allowed_repos=("o/n",),
    )
    assert git_pr.checks() == ("tests", "clean_tree")
    assert git_pr.commands() == ("make test", "make lint", "make vet")
    assert git_pr.patterns() == ("*.pem",)
    assert git_pr.repos() == ("o/n",)
    assert git_pr.effective_mode() == "auto"
    assert policy.LLMPolicy(mode="\u00a0OFF").effective_mode() == "off"


# ---------------------------------------------------------------------------------------------
# metawsm's verdicts on a corpus


DECODE_MESSAGES = (
    "must be a string, not",
    "must be an integer, not",
    "must be true or false, not",
    "must be an object, not",
    "must be a list of",
    "must be a whole number, not",
    "the policy must be a JSON object",
)


def verdict(result: PolicyResult) -> str:
    """metawsm's outcome: ok, type (encoding/json cannot decode it) or invalid (a rule)."""
    if result.valid:
        return "ok"
    decode_failed = any(
        f.message.startswith(DECODE_MESSAGES) or f.message.endswith("64-bit integer")
        for f in result.errors
    )
    return "type" if decode_failed else "invalid"


def test_metawsm_verdicts_on_the_corpus() -> None:
    cases = json.loads(GO_VERDICTS.read_text(encoding="utf-8"))["cases"]
    assert len(cases) > 500
    wrong = [
        (case["policy"], case["metawsm"], verdict(result))
        for case in cases
        if verdict(result := load(case["policy"])) != case["metawsm"]
    ]
    assert wrong == []


# ---------------------------------------------------------------------------------------------
# Files


def test_missing_file_means_defaults_or_an_error(tmp_path: Path) -> None:
    assert load_policy_path(tmp_path / "none.json") == defaults_result()
    result = load_policy_path(tmp_path / "none.json", missing_ok=False)
    assert (result.valid, result.policy, result.source) == (
        False,
        None,
        str(tmp_path / "none.json"),
    )
    assert [f.message for f in result.errors] == ["file not found"]


def test_a_file_loads_with_its_path_as_source(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{"version": 0}', encoding="utf-8")
    result = load_policy_path(path)
    assert result.source == str(path)
    assert error_paths(result) == ["version"]


def test_a_directory_is_an_error(tmp_path: Path) -> None:
    result = load_policy_path(tmp_path)
    assert [f.message for f in result.errors] == ["is a directory, not a policy file"]


def test_a_path_through_a_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("{}", encoding="utf-8")
    result = load_policy_path(tmp_path / "file" / "policy.json")
    assert result.errors[0].message.startswith("cannot read the policy file")


def test_a_fifo_is_an_error_and_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "policy.json"
    os.mkfifo(fifo)
    outcome: list[PolicyResult] = []
    worker = threading.Thread(target=lambda: outcome.append(load_policy_path(fifo)), daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert outcome, "load_policy_path blocked on a fifo"
    assert "not a regular file" in outcome[0].errors[0].message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text("{}", encoding="utf-8")
    path.chmod(0)
    result = load_policy_path(path)
    assert result.errors[0].message == "cannot read the policy file: Permission denied"


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    with open(path, "wb") as handle:
        handle.truncate(policy.MAX_POLICY_BYTES + 1)  # sparse: no memory, no disk
    result = load_policy_path(path)
    assert result.policy is None
    assert "larger than 5 MiB" in result.errors[0].message
    path.write_bytes(b" " * (policy.MAX_POLICY_BYTES - 2) + b"{}")
    assert load_policy_path(path).valid


# ---------------------------------------------------------------------------------------------
# The cache


def cache_entries(root: Path) -> list[Path]:
    return sorted((root / "policy").glob("*.pickle")) if (root / "policy").is_dir() else []


def test_results_are_cached_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METAWSM_CACHE_DIR", str(tmp_path))
    data = EXAMPLE.read_bytes()
    first = load_policy_bytes(data, source="a")
    assert len(cache_entries(tmp_path)) == 1

    def fail(*args: object, **kwargs: object) -> PolicyResult:
        raise AssertionError("evaluated again")

    monkeypatch.setattr(metawsm_hooks.policy.load, "_evaluate", fail)
    again = load_policy_bytes(data, source="b")
    assert again == replace(first, source="b")
    with pytest.raises(AssertionError):
        load_policy_bytes(data, source="a", strict=True)  # strict is a different entry


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param(
            {"METAWSM_CACHE_DIR": "explicit", "XDG_CACHE_HOME": "xdg"}, "explicit", id="explicit"
        ),
        pytest.param({"XDG_CACHE_HOME": "xdg"}, "xdg/metawsm-hooks", id="xdg"),
        pytest.param({}, "home/.cache/metawsm-hooks", id="home"),
    ],
)
def test_cache_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for key, value in env.items():
        monkeypatch.setenv(key, str(tmp_path / value))
    load_policy_bytes(b"{}", source="x")
    assert len(cache_entries(tmp_path / expected)) == 1


def test_a_corrupt_cache_entry_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METAWSM_CACHE_DIR", str(tmp_path))
    load_policy_bytes(b'{"version": 0}', source="x")
    (entry,) = cache_entries(tmp_path)
    entry.write_bytes(b"garbage")
    assert error_paths(load_policy_bytes(b'{"version": 0}', source="x")) == ["version"]
    entry.write_bytes(pickle.dumps({"not": "a result"}))
    assert error_paths(load_policy_bytes(b'{"version": 0}', source="x")) == ["version"]


def test_an_unusable_cache_directory_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("METAWSM_CACHE_DIR", str(blocker / "cache"))
    assert load_policy_bytes(b"{}", source="x").valid
    assert list(tmp_path.iterdir()) == [blocker]


def test_import_does_not_load_pydantic() -> None:
    code = "import sys, metawsm_hooks.policy; sys.exit('pydantic' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ---------------------------------------------------------------------------------------------
# JSON Schema


def schema_errors(
    schema: dict[str, Any], value: Any, root: dict[str, Any], where: str = "$"
) -> list[str]:
    """A small validator for the keywords the policy schema uses."""
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return schema_errors(target, value, root, where)
    errors: list[str] = []
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    if kind is not None and not checks[kind](value):
        return [f"{where}: not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in enum")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{where}: below minimum")
    if "minItems" in schema and len(value) < schema["minItems"]:
        errors.append(f"{where}: too few items")
    if kind == "object":
        for key, item in value.items():
            if key in schema.get("properties", {}):
                errors += schema_errors(schema["properties"][key], item, root, f"{where}.{key}")
    if kind == "array":
        for i, item in enumerate(value):
            errors += schema_errors(schema["items"], item, root, f"{where}[{i}]")
    return errors


def test_json_schema_describes_the_policy_and_accepts_the_example() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    json.dumps(schema)  # serialisable
    allowed = {
        "$schema",
        "$defs",
        "$ref",
        "type",
        "properties",
        "items",
        "title",
        "description",
        "default",
        "enum",
        "minimum",
        "maximum",
        "minItems",
    }
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "type" in node or "$ref" in node:
                assert set(node) <= allowed, set(node) - allowed
            for key, value in node.items():
                if key not in ("default", "properties", "$defs"):
                    stack.append(value)
                elif key != "default":
                    stack.extend(value.values())
        elif isinstance(node, list):
            stack.extend(node)
    git_pr = schema["$defs"]["GitPRPolicy"]["properties"]
    assert git_pr["mode"]["enum"] == ["off", "assist", "auto"]
    assert "description" in git_pr["required_checks"]
    assert schema["properties"]["hooks"]["$ref"] == "#/$defs/HooksSettings"
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert schema_errors(schema, example, schema) == []
    assert schema_errors(schema, json.loads(json.dumps(asdict(Policy()))), schema) == []
    broken = {"version": 0, "git_pr": {"mode": "sometimes"}, "agents": []}
    assert schema_errors(schema, broken, schema) == [
        "$.version: below minimum",
        "$.git_pr.mode: 'sometimes' not in enum",
        "$.agents: too few items",
    ]


# ---------------------------------------------------------------------------------------------
# Never raises


@FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_give_a_result(data: bytes) -> None:
    result = load_policy_bytes(data, source="fuzz")
    assert isinstance(result, PolicyResult)
    assert result.valid is (not result.errors)


TOKENS = [
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b'"',
    b"null",
    b"0",
    b"-1",
    b"1.5",
    b"1e999",
    b'""',
    b'" "',
    b'"x"',
    b"true",
    b"\\u0000",
    b"\\ud800",
    b"\xff",
    b'"version"',
    b'"agents"',
    b'"git_pr"',
    b'"hooks"',
    b'"required_checks"',
    b'"AGENT_PROFILES"',
    b'"base_url"',
    b'"http://[::1"',
    b"9223372036854775808",
    b"\n",
]
BASE = EXAMPLE.read_bytes()


@FUZZ
@given(
    edits=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(BASE)),
            st.integers(min_value=0, max_value=20),
            st.sampled_from(TOKENS),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_mutated_policies_give_a_result(edits: list[tuple[int, int, bytes]]) -> None:
    data = BASE
    for at, drop, insert in edits:
        at = min(at, len(data))
        data = data[:at] + insert + data[at + drop :]
    result = load_policy_bytes(data, source="fuzz")
    assert isinstance(result, PolicyResult)
    for finding in (*result.errors, *result.warnings):
        assert isinstance(finding, Finding)
        assert finding.line is None or finding.line >= 1


@FUZZ
@given(
    overlay=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.sampled_from(["", " ", "x", "tests", "http://h"]),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(["name", "mode", "runner", "agents", "version", "git_pr"]),
                children,
                max_size=3,
            )
        ),
        max_leaves=12,
    ),
    key=st.sampled_from(
        ["version", "git_pr", "agents", "agent_profiles", "docs", "hooks", "operator"]
    ),
)
def test_structural_mutations_give_a_result(overlay: Any, key: str) -> None:
    document = json.loads(BASE)
    document[key] = overlay
    result = load_policy_bytes(json.dumps(document).encode(), source="fuzz")
    assert isinstance(result, PolicyResult)
    assert result.policy is not None


def test_results_survive_pickling() -> None:
    result = load(MANY_ERRORS)
    assert pickle.loads(pickle.dumps(result)) == result
