"""The cost of a hostile push on the server is bounded: each push of ``bench/push_cost.py``
(a 40 MB policy, 740,000 patterns, 400 ticket docs of one 5 MB blob, a 3,202-character branch
name against ``{ticket}-{repo}-{run}``) goes through real git to a bare repository whose
pre-receive hook is metered, and is rejected within 2 s of CPU and 256 MiB."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "push_cost.py"
PROJECT = BENCH.parents[1]
CPU_SECONDS = 2.0
MEMORY_MIB = 256


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("push_cost", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["push_cost"] = module
    spec.loader.exec_module(module)
    return module


push_cost = _bench()


@pytest.mark.parametrize("scenario", sorted(push_cost.SCENARIOS))
def test_a_hostile_push_costs_the_server_little(scenario: str) -> None:
    result = push_cost.run_scenario(scenario, code=PROJECT, timeout=30)
    assert result["hook_cpu_s"] is not None, result
    assert not result["killed_at_timeout"], result
    assert not result["accepted"], result
    assert result["hook_cpu_s"] <= CPU_SECONDS, result
    assert result["hook_max_rss_mib"] <= MEMORY_MIB, result
    assert result["verdict"], result  # one line says why
