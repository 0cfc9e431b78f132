"""The README stays true: every hook id, command, stage and `hooks` setting is documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from metawsm_hooks.constants import HOOK_TYPES
from metawsm_hooks.main import build_parser
from metawsm_hooks.policy import HooksSettings
from metawsm_hooks.policy.struct import Struct, fields

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "hook", yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()), ids=lambda h: h["id"]
)
def test_readme_mentions_every_hook_id(hook: dict[str, object]) -> None:
    assert f"id: {hook['id']}" in README


def test_readme_mentions_every_command() -> None:
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert f"`metawsm-hooks {name}" in README, name


@pytest.mark.parametrize("stage", HOOK_TYPES)
def test_readme_mentions_every_stage(stage: str) -> None:
    assert f"`{stage}`" in README


def _settings(value: Struct, prefix: str) -> list[tuple[str, object]]:
    """(dotted name, default) of every leaf setting, nested blocks included."""
    found: list[tuple[str, object]] = []
    for spec in fields(value):
        default = getattr(value, spec.name)
        if isinstance(default, Struct):
            found += _settings(default, f"{prefix}{spec.name}.")
        else:
            found.append((f"{prefix}{spec.name}", default))
    return found


@pytest.mark.parametrize(("setting", "default"), _settings(HooksSettings(), "hooks."))
def test_readme_documents_every_hooks_setting_with_its_default(
    setting: str, default: object
) -> None:
    shown = json.dumps(list(default) if isinstance(default, tuple) else default)
    assert re.search(rf"\| `{re.escape(setting)}` \| `{re.escape(shown)}` \|", README), setting


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash .ci/run" in README
    assert ".venv/bin/python -m pytest -q" in ci and ".venv/bin/python -m pytest -q" in README
