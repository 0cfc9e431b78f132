"""What the command line and environment say about one stage run: a leaf every stage imports."""

from __future__ import annotations

import os
from pathlib import Path

from metawsm_hooks.records import Record, field


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
