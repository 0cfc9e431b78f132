"""Writing metawsm's default policy into a repository."""

from __future__ import annotations

import os
from pathlib import Path

from metawsm_hooks.constants import POLICY_RELPATH
from metawsm_hooks.errors import FatalError


def default_policy_json() -> str:
    """metawsm's default policy as pretty JSON with a trailing newline (no ``hooks`` block)."""
    import json

    from metawsm_hooks.policy import asdict, default_policy

    data = asdict(default_policy())
    data.pop("hooks", None)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def init_policy(root: Path, *, force: bool = False) -> Path:
    """Write the default policy to ``<root>/.metawsm/policy.json``; returns its path.

    An existing file is replaced only with ``force``.
    """
    path = root / POLICY_RELPATH
    if not force and os.path.lexists(path):
        raise FatalError(f"{path} already exists; use --force to overwrite it")
    text = default_policy_json().encode("utf-8")
    from metawsm_hooks.fs import refuse_symlink, write_new_or_replace

    refuse_symlink(path.parent, what="the policy")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_new_or_replace(path, text, replace=force, what="the policy")
    except FileExistsError as exc:
        raise FatalError(f"{path} already exists; use --force to overwrite it") from exc
    except OSError as exc:
        raise FatalError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path
