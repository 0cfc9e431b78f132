"""Immutable value classes that cost nothing to define: a frozen dataclass without its start-up.

``@dataclass(frozen=True)`` writes each class's ``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__`` and ``__delattr__`` as source text and compiles it with ``exec``
when the module is imported (about 0.4 ms per class on a 2-core machine), and importing
``dataclasses`` pulls in ``inspect``, ``ast``, ``dis`` and ``tokenize`` (about 5 ms). A hook
process defines dozens of such classes and pays that on every commit. A ``Record`` subclass gets
the same behaviour from methods written once here, so defining one costs a dictionary walk.

    class Change(Record):
        path: str
        status: str = "M"

    Change("a.txt") == Change(path="a.txt", status="M")  # True; hashable; repr Change(...)
    replace(Change("a.txt"), status="A")                 # a copy with one field changed

Fields are the class's annotations, base classes' first, in order; a class attribute is the
field's default. ``field(...)`` gives a default with the facts that belong to the field (its
documentation, the rule its value must meet: the policy's schema declares each field once that
way) or a ``default_factory`` making a fresh default per instance. Instances refuse attribute
assignment (``FrozenInstanceError``, an ``AttributeError``), compare equal when they are of the
same class with equal fields, and pickle as plain objects. Type checkers read the class as a
frozen dataclass (PEP 681 ``dataclass_transform``).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from collections.abc import Callable
    from typing import Any, ClassVar, TypeVar, overload

    from typing_extensions import dataclass_transform

    _R = TypeVar("_R", bound="Record")
    _T = TypeVar("_T")
else:

    def dataclass_transform(**_kwargs: object) -> object:
        return lambda cls: cls


__all__ = ["Field", "FrozenInstanceError", "Record", "asdict", "field", "fields", "replace"]

_MISSING: Any = object()


class FrozenInstanceError(AttributeError):
    """An attempt to assign to or delete a field of a ``Record``."""


class Field:
    """One field of a ``Record``: its ``name``, its annotation as written (``type``, a string),
    its ``default`` (absent when ``required``) or ``default_factory``, its ``doc`` (``None``:
    undocumented) and the ``rule`` its value must meet (``None``: any value of its type; the
    policy's constraints are such rules)."""

    __slots__ = ("default", "default_factory", "doc", "name", "rule", "type")

    def __init__(
        self,
        default: Any = _MISSING,
        doc: str | None = None,
        rule: Any = None,
        default_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.name = ""
        self.type = ""
        self.default = default
        self.default_factory = default_factory
        self.doc = doc
        self.rule = rule

    @property
    def required(self) -> bool:
        return self.default is _MISSING and self.default_factory is None


if TYPE_CHECKING:

    @overload
    def field(*, default: _T, doc: str | None = None, rule: Any = None) -> _T: ...
    @overload
    def field(*, default_factory: Callable[[], _T], doc: str | None = None) -> _T: ...
    def field(
        *,
        default: Any = _MISSING,
        default_factory: Callable[[], Any] | None = None,
        doc: str | None = None,
        rule: Any = None,
    ) -> Any:
        """A field's default (or ``default_factory``) with its documentation and rule."""

else:

    def field(*, default=_MISSING, default_factory=None, doc=None, rule=None):
        return Field(default, doc, rule, default_factory)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Record:
    """Base class of an immutable value class; see the module's documentation."""

    __slots__ = ()
    __record_fields__: ClassVar[tuple[Field, ...]] = ()
    # Derived from the fields once per class, for construction.
    _names: ClassVar[tuple[str, ...]] = ()
    _plain_defaults: ClassVar[dict[str, Any]] = {}
    _factories: ClassVar[dict[str, Callable[[], Any]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        specs = {spec.name: spec for spec in cls.__record_fields__}
        # Only this class's own annotations (strings: annotations are not evaluated); inspect
        # is what this module exists to keep out of the hook's imports.
        own: dict[str, str] = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
        for name, annotation in own.items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            declared = cls.__dict__.get(name, _MISSING)
            spec = declared if isinstance(declared, Field) else Field(declared)
            spec.name = name
            spec.type = str(annotation)
            if spec.required and name in specs and not specs[name].required:
                spec = specs[name]  # redeclared without a default: the inherited one holds
            specs[name] = spec
            if spec.default_factory is not None:
                type.__delattr__(cls, name)
            elif not spec.required:
                type.__setattr__(cls, name, spec.default)  # the default, as with a dataclass
        seen_default = False
        for spec in specs.values():
            if not spec.required:
                seen_default = True
            elif seen_default:
                raise TypeError(
                    f"{cls.__name__}: field {spec.name!r} without a default follows one with"
                    " a default"
                )
        cls.__record_fields__ = tuple(specs.values())
        cls._names = tuple(specs)
        cls._plain_defaults = {
            s.name: s.default for s in specs.values() if s.default is not _MISSING
        }
        cls._factories = {
            s.name: s.default_factory for s in specs.values() if s.default_factory is not None
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        names = cls._names
        if not kwargs and len(args) == len(names):  # every field given in order
            self.__dict__.update(zip(names, args, strict=True))
            return
        if len(args) > len(names):
            raise TypeError(
                f"{cls.__name__}() takes {len(names)} arguments, {len(args)} were given"
            )
        state = dict(cls._plain_defaults)
        state.update(zip(names, args, strict=False))  # fewer args: the rest by name or default
        if args and kwargs and not kwargs.keys().isdisjoint(names[: len(args)]):
            twice = next(name for name in names[: len(args)] if name in kwargs)
            raise TypeError(f"{cls.__name__}() got two values for {twice!r}")
        state.update(kwargs)
        for name, factory in cls._factories.items():
            if name not in state:
                state[name] = factory()
        if len(state) != len(names):
            unknown = [name for name in kwargs if name not in names]
            if unknown:
                raise TypeError(f"{cls.__name__}() got an unexpected argument {unknown[0]!r}")
            missing = next(name for name in names if name not in state)
            raise TypeError(f"{cls.__name__}() is missing the argument {missing!r}")
        self.__dict__.update(state)

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r} of {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r} of {type(self).__name__}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        state = self.__dict__
        return hash(tuple(state[name] for name in self._names))

    def __repr__(self) -> str:
        state = self.__dict__
        inner = ", ".join(f"{name}={state[name]!r}" for name in self._names)
        return f"{type(self).__qualname__}({inner})"


def fields(record: Record | type[Record]) -> tuple[Field, ...]:
    """The fields of a record class or instance, in declaration order."""
    return record.__record_fields__


def replace(record: _R, /, **changes: Any) -> _R:
    """A copy of ``record`` with ``changes`` (field name -> value); ``dataclasses.replace``."""
    unknown = [name for name in changes if name not in record._names]
    if unknown:
        raise TypeError(f"{type(record).__name__} has no field {unknown[0]!r}")
    return type(record)(**{**record.__dict__, **changes})


def asdict(record: Record) -> dict[str, Any]:
    """``record`` as nested dicts, field by field in order; tuples stay tuples (JSON writes them
    as lists); ``dataclasses.asdict``."""
    return {name: _plain(record.__dict__[name]) for name in record._names}


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return asdict(value)
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
