"""Frozen records that cost little to define: the policy's classes are built on every hook run.

A ``Struct`` subclass declares its fields as annotated class attributes, each with its default
and, through ``field(...)``, the facts that belong to it: its documentation and the rule its value
must meet. It behaves as a frozen dataclass does (keyword or positional construction, equality
and hashing by value, the same ``repr``, no assignment after construction, pickling), without
``dataclasses``, whose import (``inspect``, ``ast``) and per-class code generation cost several
milliseconds of every hook's start-up.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from typing import Any, ClassVar, TypeVar

    from typing_extensions import dataclass_transform

    from metawsm_hooks.policy.constraints import Constraint

    _T = TypeVar("_T")
    _S = TypeVar("_S", bound="Struct")
else:

    def dataclass_transform(**_: object) -> object:
        return lambda cls: cls


_MISSING = object()


class Field:
    """One field of a ``Struct``: its ``name``, its annotation as written (``type``, a string),
    its ``default`` (absent when ``required``), its ``doc`` (``None``: undocumented) and the
    ``rule`` its value must meet (``None``: any value of its type)."""

    __slots__ = ("default", "doc", "name", "rule", "type")

    def __init__(self, default: Any, doc: str | None, rule: Constraint | None) -> None:
        self.name = ""
        self.type = ""
        self.default = default
        self.doc = doc
        self.rule = rule

    @property
    def required(self) -> bool:
        return self.default is _MISSING


if TYPE_CHECKING:

    def field(*, default: _T, doc: str | None = None, rule: Constraint | None = None) -> _T:
        """A field's default with its documentation and rule."""

else:

    def field(*, default, doc=None, rule=None):
        return Field(default, doc, rule)


# Every Struct subclass by name, so that annotations (strings) can be resolved to classes.
STRUCTS: dict[str, type[Struct]] = {}


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Struct:
    """Base of the frozen records; see the module's documentation."""

    __struct_fields__: ClassVar[tuple[Field, ...]] = ()

    def __init_subclass__(cls) -> None:
        specs: list[Field] = []
        # Only this class's own annotations (strings: annotations are not evaluated).
        own: dict[str, str] = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
        for name, annotation in own.items():
            if annotation.startswith("ClassVar"):
                continue
            declared = cls.__dict__.get(name, _MISSING)
            spec = declared if isinstance(declared, Field) else Field(declared, None, None)
            spec.name = name
            spec.type = annotation
            specs.append(spec)
            if spec.required:
                continue
            # the class attribute is the default, as with a dataclass
            type.__setattr__(cls, name, spec.default)
        cls.__struct_fields__ = (*cls.__struct_fields__, *specs)
        STRUCTS[cls.__name__] = cls

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        specs = self.__struct_fields__
        if len(args) > len(specs):
            raise TypeError(f"{type(self).__name__}() takes {len(specs)} arguments")
        values = self.__dict__
        for spec, value in zip(specs, args, strict=False):
            values[spec.name] = value
        for spec in specs[len(args) :]:
            value = kwargs.pop(spec.name, spec.default)
            if value is _MISSING:
                raise TypeError(f"{type(self).__name__}() is missing {spec.name!r}")
            values[spec.name] = value
        if kwargs:
            unknown = ", ".join(kwargs)
            raise TypeError(f"{type(self).__name__}() got unexpected or repeated {unknown}")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(tuple(self.__dict__[spec.name] for spec in self.__struct_fields__))

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{spec.name}={self.__dict__[spec.name]!r}" for spec in self.__struct_fields__
        )
        return f"{type(self).__qualname__}({shown})"


def fields(struct: Struct | type[Struct]) -> tuple[Field, ...]:
    """The fields of a Struct class or instance, in declaration order."""
    return struct.__struct_fields__


def replace(struct: _S, **changes: Any) -> _S:
    """A copy of ``struct`` with ``changes`` (field name -> value); ``dataclasses.replace``."""
    return type(struct)(**{**struct.__dict__, **changes})


def asdict(struct: Struct) -> dict[str, Any]:
    """``struct`` as nested dicts, field by field in order; tuples stay tuples (JSON writes them
    as lists); ``dataclasses.asdict``."""
    return {spec.name: _plain(struct.__dict__[spec.name]) for spec in struct.__struct_fields__}


def _plain(value: Any) -> Any:
    if isinstance(value, Struct):
        return asdict(value)
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value
