"""policy.rules: every rule a field declares in the schema is enforced, at the field's path.

The schema is the one place a field's rule is stated; this walks it, breaks each rule in turn in
an otherwise valid file and expects metawsm's verdict (an error) or, in the ``hooks`` block, a
warning and the fallback. Below, metawsm's own wording and order, case by case, one table row
per side of each rule, and the ``hooks`` block's fallbacks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from metawsm_hooks.policy import (
    HooksSettings,
    Policy,
    asdict,
    load_policy_bytes,
)
from metawsm_hooks.policy.constraints import (
    AtLeastOne,
    Constraint,
    Entries,
    HttpURL,
    IsTrue,
    NotEmpty,
    OneOf,
    Positive,
    ZeroOrMore,
)
from metawsm_hooks.policy.struct import STRUCTS, Field, Struct, fields
from testing.policy import error_paths, load


def ruled_fields(cls: type[Struct], prefix: str = "") -> Iterator[tuple[str, Field]]:
    """(path, field) of every field with a rule, an element of each list of objects included."""
    for spec in fields(cls):
        path = f"{prefix}.{spec.name}" if prefix else spec.name
        if spec.rule is not None:
            yield path, spec
        inner = spec.type.removeprefix("tuple[").split(",")[0].strip()
        if spec.type in STRUCTS:
            yield from ruled_fields(STRUCTS[spec.type], path)
        elif spec.type.startswith("tuple[") and inner in STRUCTS:
            yield from ruled_fields(STRUCTS[inner], f"{path}[0]")


BREAKING: dict[type[Constraint], Any] = {
    Positive: 0,
    ZeroOrMore: -1,
    NotEmpty: " \t",
    OneOf: "none of these",
    IsTrue: False,
    HttpURL: "ftp://example.com",
    Entries: [" "],
    AtLeastOne: [],
}
ENDPOINT = {"name": "", "base_url": "https://docs.example.com", "repo": "r", "workspace": "w"}


def valid_document() -> dict[str, Any]:
    """The defaults as a file, with one valid endpoint in each list."""
    document: dict[str, Any] = json.loads(json.dumps(asdict(Policy())))
    api = document["docs"]["api"]
    api["workspace_endpoints"] = [{**ENDPOINT, "name": "first"}]
    api["repo_endpoints"] = [{**ENDPOINT, "name": "second"}]
    return document


def set_path(document: dict[str, Any], path: str, value: Any) -> None:
    steps = [int(s) if s.isdigit() else s for s in re.findall(r"[^.\[\]]+", path)]
    target: Any = document
    for step in steps[:-1]:
        target = target[step]
    target[steps[-1]] = value


CASES = [pytest.param(path, spec, id=path) for path, spec in ruled_fields(Policy)]


def test_the_valid_document_is_valid() -> None:
    result = load_policy_bytes(json.dumps(valid_document()).encode(), source="t")
    assert (result.errors, result.warnings) == ((), ())


def test_every_rule_is_reached() -> None:
    assert len(CASES) > 50
    assert {type(spec.rule) for _, spec in ruled_fields(Policy)} == set(BREAKING)


@pytest.mark.parametrize(("path", "spec"), CASES)
def test_each_field_rule_is_enforced(path: str, spec: Field) -> None:
    document = valid_document()
    set_path(document, path, BREAKING[type(spec.rule)])
    result = load_policy_bytes(json.dumps(document).encode(), source="t")
    where = f"{path}[0]" if isinstance(spec.rule, Entries) else path
    if path.startswith("hooks."):  # metawsm ignores the block: a warning, and the fallback
        assert where in [f.path for f in result.warnings]
        assert result.errors == ()
        assert result.policy is not None
        used = getattr(result.policy.hooks, spec.name)
        assert used == (() if isinstance(spec.rule, Entries) else spec.default)
    else:
        assert where in [f.path for f in result.errors]


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


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param('"1"', "must be a number, not a string", id="string"),
        pytest.param("1e309", "1e309 does not fit in a 64-bit float", id="beyond-float64"),
        pytest.param("0", "must be greater than 0, not 0.0; using 10.0", id="zero"),
        pytest.param("-0.5", "must be greater than 0, not -0.5; using 10.0", id="negative"),
    ],
)
def test_a_bad_store_busy_timeout_warns_and_falls_back(value: str, message: str) -> None:
    result = load(f'{{"hooks": {{"store_busy_timeout_seconds": {value}}}}}')
    assert result.valid
    assert [(w.path, w.message) for w in result.warnings] == [
        ("hooks.store_busy_timeout_seconds", message)
    ]
    assert result.policy is not None
    assert result.policy.hooks.store_busy_timeout_seconds == 10.0


def test_a_hooks_block_of_the_wrong_type_only_warns() -> None:
    result = load('{"hooks": [1]}')
    assert result.valid
    assert [(w.path, w.message) for w in result.warnings] == [
        ("hooks", "must be an object, not a list")
    ]


# --- forbidden patterns Go's filepath.Match rejects: accepted, with a warning ---------------------


@pytest.mark.parametrize(
    ("patterns", "warned", "advice"),
    [
        pytest.param([".env", "*.pem"], [], None, id="good"),
        pytest.param(["["], [(1, '"["')], r'write "\\[" in the JSON', id="open-class"),
        pytest.param(["*.[ch"], [(1, '"*.[ch"')], "as in [abc] or [^abc]", id="unclosed"),
        pytest.param(["[]a]"], [(1, '"[]a]"')], "to match a class", id="empty-class"),
        pytest.param(["a\\"], [(1, '"a\\\\"')], r'write "a\\\\" in the JSON', id="trailing-escape"),
        pytest.param([".env", "*.pem, ["], [(2, '"["')], None, id="comma-separated-entry"),
        pytest.param(["[a-z]", "\\[", "[^x]"], [], None, id="valid-classes-and-escapes"),
    ],
)
def test_a_bad_forbidden_pattern_is_a_warning(
    patterns: list[str], warned: list[tuple[int, str]], advice: str | None
) -> None:
    text = json.dumps({"git_pr": {"forbidden_file_patterns": patterns}}, indent=2)
    for strict in (False, True):
        result = load_policy_bytes(text.encode(), source="p.json", strict=strict)
        assert result.valid and not result.errors  # metawsm's Validate accepts it
        found = [
            (f.path, f.line, f.column) for f in result.warnings if "filepath.Match" in f.message
        ]
        assert found == [(f"git_pr.forbidden_file_patterns[{i - 1}]", 3 + i, 7) for i, _ in warned]
        for finding, (_, shown) in zip(result.warnings, warned, strict=True):
            assert f"{shown} is a bad pattern to Go's filepath.Match" in finding.message
            assert "matches nothing" in finding.message
            if advice:
                assert advice in finding.message
