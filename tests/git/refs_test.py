"""The ``git log`` that lists what a push adds, as ``refs`` builds it."""

from __future__ import annotations

from metawsm_hooks.git import refs


def test_the_pushed_log_bounds_gits_delta_cache() -> None:
    # git's default (96 MiB) made the log of a 10,000-commit push 54 MiB large (bench/run.py).
    args = refs.pushed_log_args("a" * 40, None, "origin", exclude_all_refs=False)
    assert args[:3] == ("-c", "core.deltaBaseCacheLimit=16m", "log")
