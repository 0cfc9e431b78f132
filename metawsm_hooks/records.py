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
field's default, ``field(default_factory=...)`` a fresh default per instance. Instances refuse
attribute assignment (``FrozenInstanceError``, an ``AttributeError``), compare equal when they
are of the same class with equal fields, and pickle as plain objects. Type checkers read the
class as a frozen dataclass (PEP 681 ``dataclass_transform``).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar, TypeVar

    from typing_extensions import dataclass_transform

    _R = TypeVar("_R", bound="Record")
    _T = TypeVar("_T")
else:

    def dataclass_transform(**_kwargs: object) -> object:
        return lambda cls: cls


__all__ = [
    "FrozenInstanceError",
    "Record",
    "as_dataclass",
    "asdict",
    "astuple",
    "field",
    "field_types",
    "fields",
    "replace",
]


class FrozenInstanceError(AttributeError):
    """An attempt to assign to or delete a field of a ``Record``."""


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], _T]) -> _T:
    """A field whose default is made anew for every instance (``dataclasses.field``'s
    ``default_factory``)."""
    return _Factory(default_factory)  # type: ignore[return-value]


_MISSING = object()


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Record:
    """Base class of an immutable value class; see the module's documentation."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, object]] = {}
    _types: ClassVar[dict[str, str]] = {}  # each field's annotation, as written
    _plain_defaults: ClassVar[dict[str, object]] = {}
    _factories: ClassVar[dict[str, Callable[[], object]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = list(cls._fields)
        defaults = dict(cls._defaults)
        types = dict(cls._types)
        # The class's own annotations (strings, under postponed evaluation); inspect is what
        # this module exists to keep out of the hook's imports.
        own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063
        for name, annotation in own.items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            if name not in names:
                names.append(name)
            types[name] = str(annotation)
            default = cls.__dict__.get(name, _MISSING)
            if default is not _MISSING:
                defaults[name] = default
                # The class attribute would shadow nothing (instances keep their fields in
                # __dict__) but would read as a shared value; the default lives in _defaults.
                delattr(cls, name)
            elif name in defaults:
                # Redeclared without a default: like a dataclass, it keeps the inherited one.
                pass
        seen_default = False
        for name in names:
            if name in defaults:
                seen_default = True
            elif seen_default:
                raise TypeError(
                    f"{cls.__name__}: field {name!r} without a default follows one with a default"
                )
        cls._fields = tuple(names)
        cls._defaults = defaults
        cls._types = types
        cls._plain_defaults = {
            n: v for n, v in defaults.items() if n in types and not isinstance(v, _Factory)
        }
        cls._factories = {n: v.make for n, v in defaults.items() if isinstance(v, _Factory)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        names = cls._fields
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
            unknown = [name for name in kwargs if name not in cls._defaults and name not in names]
            if unknown:
                raise TypeError(f"{cls.__name__}() got an unexpected argument {unknown[0]!r}")
            missing = next(name for name in names if name not in state)
            raise TypeError(f"{cls.__name__}() is missing the argument {missing!r}")
        self.__dict__.update(state)

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r} of {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r} of {type(self).__name__}")

    def _values(self) -> tuple[object, ...]:
        state = self.__dict__
        return tuple(state[name] for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        state = self.__dict__
        inner = ", ".join(f"{name}={state[name]!r}" for name in self._fields)
        return f"{type(self).__qualname__}({inner})"


def fields(record: Record | type[Record]) -> tuple[str, ...]:
    """The field names of a record or record class, in order."""
    return record._fields


def replace(record: _R, /, **changes: Any) -> _R:
    """A copy of ``record`` with ``changes`` applied (``dataclasses.replace``)."""
    values = {name: record.__dict__[name] for name in record._fields}
    for name in changes:
        if name not in values:
            raise TypeError(f"{type(record).__name__} has no field {name!r}")
    values.update(changes)
    return type(record)(**values)


def field_types(cls: type[Record]) -> dict[str, str]:
    """Each field's annotation as written in the class body (a string), by field name."""
    return dict(cls._types)


def asdict(value: Any) -> Any:
    """``value`` with every record turned into a dict of its fields, recursively through tuples,
    lists and dicts (``dataclasses.asdict``)."""
    if isinstance(value, Record):
        return {name: asdict(value.__dict__[name]) for name in value._fields}
    if isinstance(value, (tuple, list)):
        return type(value)(asdict(item) for item in value)
    if isinstance(value, dict):
        return {key: asdict(item) for key, item in value.items()}
    return value


def astuple(value: Any) -> Any:
    """``value`` with every record turned into a tuple of its fields, recursively through
    tuples, lists and dicts (``dataclasses.astuple``)."""
    if isinstance(value, Record):
        return tuple(astuple(value.__dict__[name]) for name in value._fields)
    if isinstance(value, (tuple, list)):
        return type(value)(astuple(item) for item in value)
    if isinstance(value, dict):
        return {key: astuple(item) for key, item in value.items()}
    return value


def as_dataclass(cls: type[Record], namespace: dict[str, Any]) -> type:
    """A frozen standard dataclass with ``cls``'s name, fields, defaults and docstring, for
    libraries that introspect dataclasses (pydantic's JSON Schema). Off the hook path: this is
    where ``dataclasses`` is imported.

    Annotations are evaluated in ``namespace`` (the module's globals), with every record class
    in it replaced by its converted dataclass; record defaults are converted too.
    """
    import dataclasses

    converted: dict[type, type] = {}
    records = {
        name: item
        for name, item in namespace.items()
        if isinstance(item, type) and issubclass(item, Record) and item is not Record
    }

    def convert(record_cls: type[Record]) -> type:
        known = converted.get(record_cls)
        if known is not None:
            return known
        words = set(
            "".join(
                c if c.isidentifier() or c.isdigit() else " "
                for c in " ".join(record_cls._types.values())
            ).split()
        )
        scope = dict(namespace)
        for name in words & records.keys():
            scope[name] = convert(records[name])
        specs = []
        for name in record_cls._fields:
            # The class's own annotation, as written in its body.
            hint = eval(record_cls._types[name], scope)
            spec: Any = dataclasses.field()
            default = record_cls._defaults.get(name, _MISSING)
            if isinstance(default, _Factory):
                spec = dataclasses.field(default_factory=default.make)
            elif default is not _MISSING:
                spec = dataclasses.field(default=value_of(default))
            specs.append((name, hint, spec))
        made = dataclasses.make_dataclass(record_cls.__name__, specs, frozen=True)
        made.__doc__ = record_cls.__doc__
        made.__module__ = record_cls.__module__
        converted[record_cls] = made
        return made

    def value_of(value: Any) -> Any:
        if isinstance(value, Record):
            made = convert(type(value))
            return made(**{name: value_of(value.__dict__[name]) for name in value._fields})
        if isinstance(value, tuple):
            return tuple(value_of(item) for item in value)
        return value

    return convert(cls)
