"""policy.load: files and bytes give exactly metawsm's verdicts, never an exception."""

from __future__ import annotations

import json
import os
import pickle
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metawsm_hooks import policy
from metawsm_hooks.policy import (
    Finding,
    PolicyResult,
    defaults_result,
    load_policy_bytes,
    load_policy_path,
)
from testing.policy import EXAMPLE, GO_VERDICTS, MANY_ERRORS, error_paths, load
from testing.util import FUZZ

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
