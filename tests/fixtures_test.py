"""Each fixture is defined once, so a test's fixture name means one thing across the suite;
shared helpers live in ``testing``, not in ``conftest``."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target) in ("pytest.fixture", "fixture")


def fixture_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_bytes(), filename=str(path))
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and any(map(is_fixture, node.decorator_list))
    ]


def test_every_fixture_is_defined_once() -> None:
    counts = Counter(name for path in TESTS.rglob("*.py") for name in fixture_names(path))
    assert [name for name, count in counts.items() if count > 1] == []


def test_conftest_holds_only_fixtures() -> None:
    tree = ast.parse((TESTS / "conftest.py").read_bytes())
    defined = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    assert defined
    assert all(
        isinstance(node, ast.FunctionDef) and any(map(is_fixture, node.decorator_list))
        for node in defined
    )
