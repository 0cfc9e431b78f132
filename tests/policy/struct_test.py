"""policy.struct: the schema's records behave as frozen dataclasses do, without dataclasses."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from metawsm_hooks.policy import Finding, Policy, PolicyResult, RunnerOptions, asdict, replace
from metawsm_hooks.policy.constraints import Positive
from metawsm_hooks.policy.struct import Struct, field, fields


class Pair(Struct):
    """A pair, for these tests."""

    left: int
    right: int = field(default=2, doc="The right one.", rule=Positive())


def test_construction_by_position_and_keyword() -> None:
    assert Pair(1) == Pair(left=1) == Pair(1, 2) == Pair(right=2, left=1)
    assert (Pair(1, 5).left, Pair(1, 5).right) == (1, 5)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        pytest.param((), {}, id="missing"),
        pytest.param((1, 2, 3), {}, id="too-many"),
        pytest.param((1,), {"left": 1}, id="repeated"),
        pytest.param((1,), {"other": 1}, id="unknown"),
    ],
)
def test_bad_construction_is_a_type_error(args: tuple[int, ...], kwargs: dict[str, int]) -> None:
    with pytest.raises(TypeError):
        Pair(*args, **kwargs)


def test_equality_and_hash_by_class_and_values() -> None:
    assert Pair(1) == Pair(1)
    assert Pair(1) != Pair(2)
    assert hash(Pair(1)) == hash(Pair(1))
    assert Pair(1) != (1, 2)
    assert RunnerOptions() != Finding("", "")
    assert len({Pair(1), Pair(1), Pair(2)}) == 2


def test_repr_is_a_dataclass_repr() -> None:
    assert repr(Pair(1)) == "Pair(left=1, right=2)"
    assert repr(Finding("version", "bad")) == (
        "Finding(path='version', message='bad', line=None, column=None)"
    )


def test_frozen() -> None:
    pair = Pair(1)
    with pytest.raises(AttributeError):
        pair.left = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del pair.left  # type: ignore[misc]
    assert pair == Pair(1)


def test_fields_keep_their_facts_in_declaration_order() -> None:
    (left, right) = fields(Pair)
    assert (left.name, left.type, left.required) == ("left", "int", True)
    assert (right.name, right.type, right.default) == ("right", "int", 2)
    assert right.doc == "The right one."
    assert isinstance(right.rule, Positive)
    assert Pair.right == 2  # the class attribute is the default, as with a dataclass


def test_replace_and_asdict() -> None:
    assert replace(Pair(1), right=7) == Pair(1, 7)
    with pytest.raises(TypeError):
        replace(Pair(1), middle=7)
    policy = replace(Policy(), version=3)
    data = asdict(policy)
    assert data["version"] == 3
    assert data["agent_profiles"][0]["runner_options"] == {"full_auto": False, "command": "bash"}
    assert list(data) == [spec.name for spec in fields(Policy)]


def test_pickling_round_trips() -> None:
    result = PolicyResult("s", Policy(), (Finding("a", "b", 1, 2),), (), defaults_used=False)
    again = pickle.loads(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == result
    assert again.valid is False


def test_the_policy_imports_no_dataclasses_typing_or_pathlib() -> None:
    # Every hook imports the policy: these cost milliseconds of start-up (inspect, ast, ...).
    # (The interpreter may have loaded some of them already, e.g. for an editable install.)
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import metawsm_hooks.policy\n"
        "heavy = {'dataclasses', 'inspect', 'typing', 'pathlib', 'pydantic', 're'}\n"
        "sys.exit(sorted(heavy & (set(sys.modules) - before)) or 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stderr) == (0, "")
