"""Worktrees with the hooks switched off, made for real, found by doctor and status, and fixed
by the one command each line gives."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from metawsm_hooks.hooks_off import unhooked_worktrees
from testing.util import cli, git, output, write


def worktree(hooked: Path, name: str) -> Path:
    path = hooked.parent / name
    git(hooked, "worktree", "add", "-q", "-b", f"abc-1/repo/{name}", str(path))
    return path


def per_worktree(path: Path, value: str) -> None:
    git(path, "config", "extensions.worktreeConfig", "true")
    git(path, "config", "--worktree", "core.hooksPath", value)


def fix(command: str) -> None:
    proc = subprocess.run(["sh", "-c", command], capture_output=True, check=False)
    assert proc.returncode == 0, output(proc)


def test_every_kind_of_switched_off_worktree_is_listed_and_its_fix_works(
    hooked: Path, tmp_path: Path
) -> None:
    devnull = worktree(hooked, "devnull")
    per_worktree(devnull, os.devnull)
    empty_value = worktree(hooked, "empty-value")
    per_worktree(empty_value, "")
    missing = worktree(hooked, "missing")
    per_worktree(missing, str(tmp_path / "no-such-folder"))
    empty_dir = worktree(hooked, "empty-dir")
    (tmp_path / "empty-hooks").mkdir()
    per_worktree(empty_dir, str(tmp_path / "empty-hooks"))
    foreign = worktree(hooked, "foreign")
    write(tmp_path / "their-hooks", "pre-commit", "#!/bin/sh\nexit 0\n").chmod(0o755)
    per_worktree(foreign, str(tmp_path / "their-hooks"))
    fine = worktree(hooked, "fine")

    found = {u.worktree.name: u for u in unhooked_worktrees(hooked)}
    assert set(found) == {"devnull", "empty-value", "missing", "empty-dir", "foreign"}
    assert "worktree config" in found["devnull"].reason and os.devnull in found["devnull"].reason
    assert found["devnull"].fix.endswith("config --worktree --unset core.hooksPath")
    assert "is empty" in found["empty-value"].reason
    assert "does not exist" in found["missing"].reason
    assert "is empty" in found["empty-dir"].reason
    assert "lacks our pre-commit, commit-msg, pre-push hooks" in found["foreign"].reason
    assert fine.name not in found

    status = cli(hooked, "status")
    assert "worktrees where the hooks would not run (5):" in status.stdout
    doc = json.loads(cli(hooked, "status", "--format", "json").stdout)
    assert {Path(u["worktree"]).name for u in doc["unhooked_worktrees"]} == set(found)
    doctor = cli(hooked, "doctor")
    assert doctor.returncode == 1
    for unhooked in found.values():
        assert f"fix: {unhooked.fix}" in doctor.stdout

    for unhooked in found.values():
        fix(unhooked.fix)
    assert unhooked_worktrees(hooked) == []
    # The foreign hook was kept and runs first.
    assert (tmp_path / "their-hooks" / "pre-commit.metawsm-chained").exists()
    doctor = cli(hooked, "doctor")
    assert "the hooks run in all 7 worktree(s)" in doctor.stdout


def test_a_global_hooks_path_switches_off_every_worktree(hooked: Path) -> None:
    worktree(hooked, "second")
    git(hooked, "config", "--global", "core.hooksPath", os.devnull)
    found = unhooked_worktrees(hooked)
    assert [u.worktree.name for u in found] == ["repo", "second"]
    assert all("global config" in u.reason for u in found)
    fix(found[0].fix)
    assert unhooked_worktrees(hooked) == []


def test_a_commit_in_a_switched_off_worktree_really_runs_no_hook(hooked: Path) -> None:
    """What the report claims, checked against git: the blocked commit goes through."""
    off = worktree(hooked, "off")
    per_worktree(off, os.devnull)
    write(off, "secret.env", "x\n")
    git(hooked, "config", "core.hooksPath", str(hooked / ".git" / "hooks"))
    git(off, "checkout", "-q", "-b", "not-fitting")
    git(off, "add", "secret.env")
    proc = git(off, "commit", "-q", "-m", "x", check=False)
    assert proc.returncode == 0  # no hook ran
    assert [u.worktree.name for u in unhooked_worktrees(hooked)] == ["off"]


@pytest.mark.parametrize("hook_types", [("pre-commit",)])
def test_a_worktree_with_our_hooks_is_not_listed(hooked: Path, hook_types: tuple[str, ...]) -> None:
    assert unhooked_worktrees(hooked, hook_types=hook_types) == []


def test_doctor_and_install_agree_on_which_hooks_folders_are_the_repositorys_own(
    hooked: Path, tmp_path: Path
) -> None:
    """A folder in the main worktree is the repository's own, also from a linked worktree; one
    outside serves others too. The fix doctor gives is one install accepts."""
    own = worktree(hooked, "own")
    (hooked / "team-hooks").mkdir()
    per_worktree(own, str(hooked / "team-hooks"))
    shared = worktree(hooked, "shared")
    (tmp_path / "shared-hooks").mkdir()
    per_worktree(shared, str(tmp_path / "shared-hooks"))

    found = {u.worktree.name: u for u in unhooked_worktrees(hooked)}
    assert set(found) == {"own", "shared"}
    assert found["own"].fix.endswith("metawsm-hooks install")
    assert found["shared"].fix.endswith("metawsm-hooks install --shared")
    refused = cli(shared, "install")
    assert refused.returncode == 2 and "outside this repository" in refused.stderr
    for unhooked in found.values():
        fix(unhooked.fix)
    assert unhooked_worktrees(hooked) == []
