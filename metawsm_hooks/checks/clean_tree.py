"""``clean_tree``: at push time the working tree holds no uncommitted change (staged, unstaged
or untracked and not ignored). The tool's own store files never count."""

from __future__ import annotations

from metawsm_hooks.checks import FAILED, PASSED, CheckContext, CheckResult, quote_path
from metawsm_hooks.constants import STORE_RELPATH, STORE_SIDE_SUFFIXES

APPLIES_TO = frozenset({"pr"})
STORE_FILES = (STORE_RELPATH, *(STORE_RELPATH + suffix for suffix in STORE_SIDE_SUFFIXES))
SHOWN = 5  # dirty paths named in the detail; the rest are counted


def run(ctx: CheckContext) -> CheckResult:
    if ctx.repo.workdir is None:
        return CheckResult("clean_tree", PASSED, "no working tree (bare repository)")
    dirty = ctx.repo.dirty_paths(ignore=STORE_FILES)
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
