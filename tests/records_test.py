from __future__ import annotations

import os
import pickle
import subprocess
import sys
from typing import ClassVar

import pytest

from metawsm_hooks.records import (
    FrozenInstanceError,
    Record,
    asdict,
    field,
    fields,
    replace,
)
from testing.util import unmeasured


class Point(Record):
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    LIMIT: ClassVar[int] = 10


class Point3(Point):
    z: int = 0


class Bag(Record):
    items: list[str] = field(default_factory=list)


def test_fields_in_order_with_defaults() -> None:
    assert [f.name for f in fields(Point)] == ["x", "y", "tags"]
    assert [f.name for f in fields(Point3(1))] == ["x", "y", "tags", "z"]
    assert [f.type for f in fields(Point)] == ["int", "int", "tuple[str, ...]"]
    assert [f.required for f in fields(Point)] == [True, False, False]
    assert Point(1) == Point(x=1, y=0, tags=())
    assert Point(1, 2, ("a",)).tags == ("a",)
    assert Point.LIMIT == 10


def test_equality_hash_and_repr_as_a_frozen_dataclass() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(2, 1)
    assert Point(1) != Point3(1)  # another class is never equal, as with dataclasses
    assert Point(1) != (1, 0, ())
    assert len({Point(1), Point(1), Point(2)}) == 2
    assert repr(Point3(1, z=3)) == "Point3(x=1, y=0, tags=(), z=3)"


def test_instances_are_immutable() -> None:
    point = Point(1)
    with pytest.raises(FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.y
    assert point.x == 1


def test_default_factory_makes_a_fresh_value_per_instance() -> None:
    first, second = Bag(), Bag()
    first.items.append("a")
    assert second.items == []


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        pytest.param((), {}, "missing the argument 'x'", id="missing"),
        pytest.param((1, 2, (), 4), {}, "takes 3 arguments", id="too-many"),
        pytest.param((1,), {"x": 2}, "two values for 'x'", id="twice"),
        pytest.param((1,), {"w": 2}, "unexpected argument 'w'", id="unknown"),
    ],
)
def test_bad_arguments_raise_type_error(
    args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        Point(*args, **kwargs)  # type: ignore[arg-type]


def test_a_field_without_default_after_one_with_default_is_refused() -> None:
    with pytest.raises(TypeError, match="'b' without a default"):

        class Bad(Record):
            a: int = 0
            b: int  # type: ignore[misc]


def test_replace_and_pickle() -> None:
    point = Point3(1, tags=("a",))
    assert replace(point, y=5) == Point3(1, 5, ("a",))
    assert point.y == 0
    with pytest.raises(TypeError, match="no field 'w'"):
        replace(point, w=1)
    assert pickle.loads(pickle.dumps(point)) == point


def test_importing_records_loads_neither_dataclasses_nor_typing() -> None:
    code = (
        "import sys, metawsm_hooks.records;"
        "print(sorted({'dataclasses', 'typing', 'inspect'} & set(sys.modules)))"
    )
    # Unmeasured: coverage's start-up in the subprocess imports all three.
    env = unmeasured(dict(os.environ))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out.strip() == "[]"


class Inner(Record):
    """An inner record."""

    name: str = "x"
    sizes: tuple[int, ...] = (1, 2)


class Outer(Record):
    """An outer record."""

    inner: Inner = Inner()
    items: tuple[Inner, ...] = (Inner("a"),)
    maybe: Inner | None = None
    count: int = 3


def test_asdict_is_recursive() -> None:
    assert asdict(Outer()) == {
        "inner": {"name": "x", "sizes": (1, 2)},
        "items": ({"name": "a", "sizes": (1, 2)},),
        "maybe": None,
        "count": 3,
    }


def test_field_carries_its_documentation_and_rule() -> None:
    class Documented(Record):
        size: int = field(default=1, doc="How many.", rule="positive")

    (spec,) = fields(Documented)
    assert (spec.name, spec.default, spec.doc, spec.rule) == ("size", 1, "How many.", "positive")
    assert Documented().size == 1
