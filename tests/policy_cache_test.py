"""policy.cache: validated results are reused by content and never trusted blindly."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import metawsm_hooks.policy.load
from metawsm_hooks.policy import (
    PolicyResult,
    load_policy_bytes,
    replace,
)
from testing.policy import EXAMPLE, error_paths

# ---------------------------------------------------------------------------------------------
# The cache


def cache_entries(root: Path) -> list[Path]:
    return sorted((root / "policy").glob("*.pickle")) if (root / "policy").is_dir() else []


def test_results_are_cached_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METAWSM_CACHE_DIR", str(tmp_path))
    data = EXAMPLE.read_bytes()
    first = load_policy_bytes(data, source="a")
    assert len(cache_entries(tmp_path)) == 1

    def fail(*args: object, **kwargs: object) -> PolicyResult:
        raise AssertionError("evaluated again")

    monkeypatch.setattr(metawsm_hooks.policy.load, "_evaluate", fail)
    again = load_policy_bytes(data, source="b")
    assert again == replace(first, source="b")
    with pytest.raises(AssertionError):
        load_policy_bytes(data, source="a", strict=True)  # strict is a different entry


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param(
            {"METAWSM_CACHE_DIR": "explicit", "XDG_CACHE_HOME": "xdg"}, "explicit", id="explicit"
        ),
        pytest.param({"XDG_CACHE_HOME": "xdg"}, "xdg/metawsm-hooks", id="xdg"),
        pytest.param({}, "home/.cache/metawsm-hooks", id="home"),
    ],
)
def test_cache_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for key, value in env.items():
        monkeypatch.setenv(key, str(tmp_path / value))
    load_policy_bytes(b"{}", source="x")
    assert len(cache_entries(tmp_path / expected)) == 1


def test_a_corrupt_cache_entry_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METAWSM_CACHE_DIR", str(tmp_path))
    load_policy_bytes(b'{"version": 0}', source="x")
    (entry,) = cache_entries(tmp_path)
    entry.write_bytes(b"garbage")
    assert error_paths(load_policy_bytes(b'{"version": 0}', source="x")) == ["version"]
    entry.write_bytes(pickle.dumps({"not": "a result"}))
    assert error_paths(load_policy_bytes(b'{"version": 0}', source="x")) == ["version"]


def test_an_unusable_cache_directory_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("METAWSM_CACHE_DIR", str(blocker / "cache"))
    assert load_policy_bytes(b"{}", source="x").valid
    assert list(tmp_path.iterdir()) == [blocker]


def test_import_does_not_load_pydantic() -> None:
    code = "import sys, metawsm_hooks.policy; sys.exit('pydantic' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
