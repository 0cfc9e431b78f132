"""What the command line and environment say about one stage run: a leaf every stage imports."""

from __future__ import annotations

import os
from pathlib import Path

from metawsm_hooks.constants import SHARED_HOOKS_ENV
from metawsm_hooks.records import Record, field


def in_shared_hooks() -> bool:
    """Is this stage run from a hooks folder shared by several repositories?"""
    return os.environ.get(SHARED_HOOKS_ENV) == "1"


class StageOptions(Record):
    """What the command line and environment say about one stage run."""

    policy_path: Path | None = None
    db_path: str | None = None
    json_mode: bool = False
    cwd: Path = field(default_factory=Path.cwd)


def index_file_of(options: StageOptions) -> Path | None:
    """The index git is committing: ``git commit -a`` and ``git commit <paths>`` use another
    (``$GIT_INDEX_FILE``, relative to the worktree root where git runs hooks)."""
    value = os.environ.get("GIT_INDEX_FILE", "")
    if not value:
        return None
    return Path(value) if os.path.isabs(value) else options.cwd / value
