"""policy.decode: a file is decoded as Go's encoding/json decodes it into metawsm's Config,
and every problem is reported with its path and line."""

from __future__ import annotations

import time
from typing import Any

import pytest

from metawsm_hooks import policy
from metawsm_hooks.policy import (
    AgentProfile,
    Policy,
    PolicyResult,
    RunnerOptions,
    replace,
)
from testing.policy import MANY_ERRORS, error_paths, load

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


@pytest.mark.parametrize(
    ("number", "expected"),
    [("0.3", 0.3), ("2", 2.0), ("25e-1", 2.5), ("1.7976931348623157e308", 1.7976931348623157e308)],
    ids=["fraction", "whole", "exponent", "float64-max"],
)
def test_a_number_setting_takes_any_number_go_does(number: str, expected: float) -> None:
    result = load(f'{{"hooks": {{"store_busy_timeout_seconds": {number}}}}}')
    assert result.valid, result.errors
    assert result.policy is not None
    assert result.policy.hooks.store_busy_timeout_seconds == expected


def test_decoding_goes_on_after_a_type_error() -> None:
    result = load('{"version": "2", "tmux": {"session_pattern": 1}, "git_pr": {"mode": "x"}}')
    assert error_paths(result) == ["version", "tmux.session_pattern", "git_pr.mode"]


# ---------------------------------------------------------------------------------------------
# Every problem, each with its path and line


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


def _pathological(entries: int) -> str:
    """``entries`` unknown keys and blank commands, and ``entries // 4`` resets of one list."""
    unknown = ", ".join(f'"\u00e9{i}": 1' for i in range(entries))
    resets = ", ".join('"skills": ["a"], "skills": []' for _ in range(entries // 4))
    blanks = ", ".join('" "' for _ in range(entries))
    return (
        f'{{{unknown}, "agent_profiles": [{{{resets}}}], '
        f'"git_pr": {{"test_commands": [{blanks}]}}}}'
    )


def _timed_load(text: str) -> tuple[float, PolicyResult]:
    """The CPU seconds ``load(text)`` took, and its result."""
    started = time.process_time()
    result = load(text)
    return time.process_time() - started, result


def test_pathological_files_take_linear_time() -> None:
    # Four times the entries may cost four times the CPU, not sixteen (a quadratic step).
    # CPU time of the same process, compared with itself: neither the machine's load nor
    # coverage's tracing (which slows both sizes alike) moves the ratio.
    _timed_load(_pathological(100))  # warm-up: imports and caches
    small, _ = _timed_load(_pathological(5000))
    large, result = _timed_load(_pathological(20000))
    assert large < 8 * small
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
