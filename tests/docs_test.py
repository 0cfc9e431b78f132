"""The README stays true: every hook id, command, stage and `hooks` setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from metawsm_hooks.constants import HOOK_TYPES
from metawsm_hooks.main import build_parser
from metawsm_hooks.policy import HooksSettings
from metawsm_hooks.policy.struct import fields

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


@pytest.mark.parametrize("setting", [f.name for f in fields(HooksSettings)])
def test_readme_documents_every_hooks_setting_with_its_default(setting: str) -> None:
    default = getattr(HooksSettings(), setting)
    shown = (
        '"' + default + '"'
        if isinstance(default, str)
        else ("[]" if default == () else str(default))
    )
    assert re.search(rf"\| `hooks\.{setting}` \| `{re.escape(shown)}` \|", README), setting


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash .ci/run" in README
    assert ".venv/bin/python -m pytest -q" in ci and ".venv/bin/python -m pytest -q" in README
