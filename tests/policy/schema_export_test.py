"""policy.schema_export: the JSON Schema describes the policy metawsm accepts."""

from __future__ import annotations

import json
from typing import Any

from metawsm_hooks.policy import (
    Policy,
    asdict,
)
from metawsm_hooks.policy.schema_export import json_schema
from testing.policy import EXAMPLE

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
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    if kind is not None and not checks[kind](value):
        return [f"{where}: not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in enum")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{where}: below minimum")
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        errors.append(f"{where}: not above exclusive minimum")
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
        "exclusiveMinimum",
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


def test_a_number_setting_is_a_positive_number() -> None:
    schema = json_schema()
    timeout = schema["$defs"]["HooksSettings"]["properties"]["store_busy_timeout_seconds"]
    assert (timeout["type"], timeout["exclusiveMinimum"], timeout["default"]) == ("number", 0, 10.0)
    hooks = {"hooks": {"store_busy_timeout_seconds": 0.3}}
    assert schema_errors(schema, hooks, schema) == []
    hooks = {"hooks": {"store_busy_timeout_seconds": 0}}
    assert schema_errors(schema, hooks, schema) == [
        "$.hooks.store_busy_timeout_seconds: not above exclusive minimum"
    ]
