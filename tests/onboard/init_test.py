"""onboard.init: the default policy file, never overwritten without ``--force``."""

from __future__ import annotations

from pathlib import Path

import pytest

from metawsm_hooks.errors import FatalError
from metawsm_hooks.onboard.init import init_policy
from testing.util import write


def test_init_never_overwrites_without_force(repo: Path) -> None:
    policy = write(repo, ".metawsm/policy.json", '{"version": 7}\n')
    with pytest.raises(FatalError, match=r"already exists; use --force to overwrite it"):
        init_policy(repo, force=False)
    assert policy.read_text() == '{"version": 7}\n'


def test_init_writes_the_defaults(repo: Path) -> None:
    policy_module = pytest.importorskip("metawsm_hooks.policy")
    path = init_policy(repo, force=False)
    assert path == repo / ".metawsm" / "policy.json"
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert '\n  "git_pr": {\n' in text
    assert '"hooks"' not in text
    result = policy_module.load_policy_path(path, strict=True)
    assert result.valid
    assert result.warnings == ()
    assert result.policy == policy_module.default_policy()

    write(repo, ".metawsm/policy.json", "{}")
    assert init_policy(repo, force=True).read_text(encoding="utf-8") == text
