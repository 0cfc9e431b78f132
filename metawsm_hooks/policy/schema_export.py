"""The policy's JSON Schema (draft 2020-12), for editors: ``metawsm-hooks schema``.

pydantic writes it from stand-in dataclasses made from the schema's classes, field for field
(name, type, default, the class's documentation); each property then gets the field's own
documentation and what its rule allows (enum, minimum, at least one item). pydantic and
``dataclasses`` are imported only here, inside the function, so neither loads on a hook's path.
"""

from __future__ import annotations

from metawsm_hooks.golang.encoding_json import INT_MAX
from metawsm_hooks.policy.schema import Policy
from metawsm_hooks.policy.struct import STRUCTS, Struct, fields

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from typing import Any

_SCALARS = {"str": str, "int": int, "float": float, "bool": bool}


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the policy, with descriptions and enumerations."""
    import pydantic

    made: dict[str, type] = {}
    schema: dict[str, Any] = pydantic.TypeAdapter(_stand_in(Policy, made)).json_schema()
    definitions: dict[str, Any] = schema.setdefault("$defs", {})
    for name, definition in [("Policy", schema), *definitions.items()]:
        specs = {spec.name: spec for spec in fields(STRUCTS[name])}
        for key, prop in definition.get("properties", {}).items():
            spec = specs[key]
            rule = spec.rule
            if spec.doc is not None:
                prop["description"] = spec.doc
            if rule is not None and rule.enum is not None:
                prop["enum"] = list(rule.enum)
            if prop.get("type") == "integer":
                assert rule is not None and rule.minimum is not None, f"{name}.{key} has no bound"
                prop["minimum"] = rule.minimum
                prop["maximum"] = INT_MAX
            if prop.get("type") == "number":
                assert rule is not None and rule.exclusive_minimum is not None, (
                    f"{name}.{key} has no bound"
                )
                prop["exclusiveMinimum"] = rule.exclusive_minimum
            if rule is not None and rule.min_items is not None:
                prop["minItems"] = rule.min_items
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "metawsm policy"
    return {"$schema": schema.pop("$schema"), **schema}


def _stand_in(cls: type[Struct], made: dict[str, type]) -> type:
    """A frozen dataclass with the fields, defaults and documentation of ``cls``."""
    import dataclasses
    import types

    if cls.__name__ in made:
        return made[cls.__name__]
    spec_list = []
    for spec in fields(cls):
        annotation = spec.type
        kind: Any
        if annotation.startswith("tuple["):
            inner = annotation[len("tuple[") :].split(",")[0].strip()
            element = _SCALARS.get(inner) or _stand_in(STRUCTS[inner], made)
            kind = types.GenericAlias(tuple, (element, ...))
        elif annotation in _SCALARS:
            kind = _SCALARS[annotation]
        else:
            kind = _stand_in(STRUCTS[annotation], made)
        default = dataclasses.field(default=_stand_in_value(spec.default, made))
        spec_list.append((spec.name, kind, default))
    doc = " ".join((cls.__doc__ or "").split())
    stand_in = dataclasses.make_dataclass(
        cls.__name__, spec_list, frozen=True, namespace={"__doc__": doc}
    )
    made[cls.__name__] = stand_in
    return stand_in


def _stand_in_value(value: Any, made: dict[str, type]) -> Any:
    if isinstance(value, Struct):
        stand_in = _stand_in(type(value), made)
        return stand_in(
            **{
                spec.name: _stand_in_value(getattr(value, spec.name), made)
                for spec in fields(value)
            }
        )
    if isinstance(value, tuple):
        return tuple(_stand_in_value(item, made) for item in value)
    return value
