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
    return sorted((root / "policy").glob("*.json")) if (root / "policy").is_dir() else []


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


class _Planted:
    """What a planted pickle would run when loaded: it must never be."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        import os

        return (os.system, (f"touch {self.marker}",))


def test_a_planted_pickle_never_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache holds JSON data only: a pickle planted under an entry's name (or an old
    ``.pickle`` one) is never loaded, and is replaced by a good entry."""
    monkeypatch.setenv("METAWSM_CACHE_DIR", str(tmp_path))
    data = b'{"version": 0}'
    load_policy_bytes(data, source="x")
    (entry,) = cache_entries(tmp_path)
    marker = tmp_path / "ran"
    planted = pickle.dumps(_Planted(marker))
    entry.write_bytes(planted)
    entry.with_suffix(".pickle").write_bytes(planted)
    assert error_paths(load_policy_bytes(data, source="x")) == ["version"]
    assert not marker.exists()
    assert entry.read_bytes().startswith(b'{"format": 2')


def test_a_cache_folder_open_to_others_is_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METAWSM_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "policy"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)  # a shared folder: anyone could plant an entry
    load_policy_bytes(b"{}", source="x")
    assert cache_entries(tmp_path) == []
    folder.chmod(0o700)
    load_policy_bytes(b"{}", source="x")
    assert len(cache_entries(tmp_path)) == 1
    (entry,) = cache_entries(tmp_path)
    folder.chmod(0o755)
    entry.write_bytes(b"{}")  # would be read only if the folder were private
    monkeypatch.setattr(metawsm_hooks.policy.load, "_evaluate", _evaluated := _Counter())
    load_policy_bytes(b"{}", source="x")
    assert _evaluated.calls == 1


class _Counter:
    def __init__(self) -> None:
        self.calls = 0
        self.real = metawsm_hooks.policy.load._evaluate

    def __call__(self, *args: object, **kwargs: object) -> PolicyResult:
        self.calls += 1
        result: PolicyResult = self.real(*args, **kwargs)  # type: ignore[arg-type]
        return result


def test_the_cache_is_bounded_in_entries_and_age(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import time

    from metawsm_hooks.policy.cache import MAX_AGE_SECONDS, MAX_ENTRIES

    monkeypatch.setenv("METAWSM_CACHE_DIR", str(tmp_path))
    load_policy_bytes(b'{"version": 1}', source="x")
    (old,) = cache_entries(tmp_path)
    long_ago = time.time() - MAX_AGE_SECONDS - 60
    os.utime(old, (long_ago, long_ago))
    for number in range(MAX_ENTRIES + 20):
        load_policy_bytes(f'{{"version": {number + 2}}}'.encode(), source="x")
    entries = cache_entries(tmp_path)
    assert len(entries) == MAX_ENTRIES
    assert old not in entries


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
