"""The schema's records: ``metawsm_hooks.records`` (frozen value classes without dataclasses),
plus the registry of the policy's classes by name, through which the decoder and the JSON Schema
export turn an annotation (a string) into its class."""

from __future__ import annotations

from metawsm_hooks.records import Field, Record, asdict, field, fields, replace

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from typing import Any

__all__ = ["STRUCTS", "Field", "Struct", "asdict", "field", "fields", "replace"]

# Every Struct subclass by name, so that annotations (strings) can be resolved to classes.
STRUCTS: dict[str, type[Struct]] = {}


class Struct(Record):
    """Base of the policy's records: a ``Record`` registered in ``STRUCTS``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        STRUCTS[cls.__name__] = cls
