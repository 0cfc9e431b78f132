"""``clean_tree``: at push time the working tree holds no uncommitted change (staged, unstaged
or untracked and not ignored). The tool's own files never count: the store, its side files and
its ignore file, and hook scripts it wrote into a hooks folder inside the work tree."""

from __future__ import annotations

from metawsm_hooks.checks import FAILED, PASSED, CheckContext, CheckResult, quote_path
from metawsm_hooks.constants import (
    HOOK_SCRIPT_MARKER,
    HOOK_TYPES,
    STORE_IGNORE_FILE,
    STORE_RELPATH,
    STORE_SIDE_SUFFIXES,
)

APPLIES_TO = frozenset({"pr"})
STORE_FILES = (
    STORE_RELPATH,
    *(STORE_RELPATH + suffix for suffix in STORE_SIDE_SUFFIXES),
    f"{STORE_RELPATH.rpartition('/')[0]}/{STORE_IGNORE_FILE}",
)
SHOWN = 5  # dirty paths named in the detail; the rest are counted


def run(ctx: CheckContext) -> CheckResult:
    if ctx.repo.workdir is None:
        return CheckResult("clean_tree", PASSED, "no working tree (bare repository)")
    dirty = ctx.repo.dirty_paths(ignore=(*STORE_FILES, *_own_scripts(ctx)))
    if not dirty:
        return CheckResult("clean_tree", PASSED, "working tree is clean")
    listed = ", ".join(quote_path(path) for path in dirty[:SHOWN])
    if len(dirty) > SHOWN:
        listed += f" (and {len(dirty) - SHOWN} more)"
    return CheckResult(
        "clean_tree",
        FAILED,
        f"working tree is dirty: {listed}; commit or stash them, then push again",
    )


def _own_scripts(ctx: CheckContext) -> list[str]:
    """Hook scripts of ours in a hooks folder inside the work tree (``core.hooksPath``), as
    paths relative to its root."""
    import os

    root = ctx.repo.workdir
    assert root is not None
    hooks = ctx.repo.hooks_dir()
    try:
        folder = hooks.resolve().relative_to(root.resolve())
    except ValueError:
        return []  # outside the work tree (.git/hooks, a global folder)
    found = []
    for hook_type in HOOK_TYPES:
        try:
            with open(hooks / hook_type, "rb") as handle:
                head = handle.read(200)
        except OSError:
            continue
        if HOOK_SCRIPT_MARKER.encode() in head:
            found.append(f"{folder.as_posix()}/{hook_type}".removeprefix("./"))
    return [os.fsdecode(path) for path in found]
