"""policy.rules: every rule a field declares in the schema is enforced, at the field's path.

The schema is the one place a field's rule is stated; this walks it, breaks each rule in turn in
an otherwise valid file and expects metawsm's verdict (an error) or, in the ``hooks`` block, a
warning and the fallback. metawsm's own wording and order are checked case by case in
``policy_test.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from metawsm_hooks.policy import Policy, asdict, load_policy_bytes
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
