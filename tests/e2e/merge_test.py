"""Merges through real git with the hooks installed: a merge is checked on what it brings in.

A merge commit counts the paths whose content differs from every parent (its own resolution
included); a push counts only paths introduced by commits the remote does not have. So a file
``main`` already had, and the remote accepted, never blocks a merge of ``main`` into a branch nor
any later push of that branch."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, output, write, write_policy

BRANCH = "abc-1/repo/run-1"


@pytest.fixture
def merged_setup(tmp_path: Path, on_path: None) -> tuple[Path, Path]:
    """main carries ``config/.env.example`` (pushed before the policy forbade it); a feature
    branch forked before that file existed; the hooks are installed; origin has both."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_policy(
        repo, {"required_checks": ["forbidden_files"]}, hooks={"exempt_branches": ["main"]}
    )
    write(repo, "README.md", "hello\n")
    write(repo, "shared.txt", "one\ntwo\nthree\n")
    commit_all(repo, "initial")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "-b", BRANCH)
    write(repo, "src/app.py", "print(1)\n")
    commit_all(repo, "ABC-1: app")
    assert cli(repo, "install").returncode == 0
    git(repo, "push", "-q", "origin", BRANCH)
    git(repo, "checkout", "-q", "main")
    write(repo, "config/.env.example", "KEY=\n")
    commit_all(repo, "env example")  # committed and pushed past the hooks, as history has it
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    git(repo, "checkout", "-q", BRANCH)
    return repo, remote


def test_clean_merge_of_main_then_pushes_pass(merged_setup: tuple[Path, Path]) -> None:
    repo, _ = merged_setup
    git(repo, "merge", "-q", "--no-edit", "main")
    proc = git(repo, "push", "origin", BRANCH, check=False)
    assert proc.returncode == 0, output(proc)
    write(repo, "src/more.py", "print(2)\n")
    git(repo, "add", "-A")
    proc = git(repo, "commit", "-q", "-m", "ABC-1: more", check=False)
    assert proc.returncode == 0, output(proc)
    proc = git(repo, "push", "origin", BRANCH, check=False)
    assert proc.returncode == 0, output(proc)


def test_conflicted_merge_commit_and_push_pass(merged_setup: tuple[Path, Path]) -> None:
    repo, _ = merged_setup
    write(repo, "shared.txt", "one\nTWO on the branch\nthree\n")
    commit_all(repo, "ABC-1: shared")
    git(repo, "checkout", "-q", "main")
    write(repo, "shared.txt", "one\ntwo on main\nthree\n")
    commit_all(repo, "shared on main")
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    git(repo, "checkout", "-q", BRANCH)
    assert git(repo, "merge", "main", check=False).returncode != 0  # the conflict
    write(repo, "shared.txt", "one\nresolved\nthree\n")
    git(repo, "add", "shared.txt")
    proc = git(repo, "commit", "-q", "--no-edit", check=False)
    assert proc.returncode == 0, output(proc)
    assert "config/.env.example" not in output(proc)
    proc = git(repo, "push", "origin", BRANCH, check=False)
    assert proc.returncode == 0, output(proc)


def test_forbidden_file_from_the_merge_resolution_is_caught(
    merged_setup: tuple[Path, Path],
) -> None:
    repo, remote = merged_setup
    git(repo, "merge", "-q", "--no-commit", "main")
    write(repo, "config/.env", "SECRET=1\n")
    git(repo, "add", "config/.env")
    proc = git(repo, "commit", "-q", "--no-edit", check=False)
    assert proc.returncode == 1, output(proc)
    text = output(proc)
    assert "config/.env" in text and "config/.env.example" not in text
    # Committed past the client hook, the push still catches what the merge introduced.
    git(repo, "commit", "-q", "--no-verify", "--no-edit")
    proc = git(repo, "push", "origin", BRANCH, check=False)
    assert proc.returncode == 1, output(proc)
    assert "config/.env" in output(proc) and "config/.env.example" not in output(proc)
    assert git(remote, "rev-parse", BRANCH).stdout != git(repo, "rev-parse", "HEAD").stdout


def test_file_changed_by_the_resolution_counts(merged_setup: tuple[Path, Path]) -> None:
    """A resolution that rewrites a file main brought in differs from both parents: it counts."""
    repo, _ = merged_setup
    git(repo, "merge", "-q", "--no-commit", "main")
    write(repo, "config/.env.example", "KEY=leaked\n")
    git(repo, "add", "config/.env.example")
    proc = git(repo, "commit", "-q", "--no-edit", check=False)
    assert proc.returncode == 1, output(proc)
    assert "config/.env.example" in output(proc)


def test_merge_of_commits_the_remote_lacks_still_counts(merged_setup: tuple[Path, Path]) -> None:
    """main's new commit is not on the remote: the push brings it, so its file counts."""
    repo, _ = merged_setup
    git(repo, "checkout", "-q", "main")
    write(repo, "deploy.pem", "key\n")
    commit_all(repo, "a key on main, not pushed")
    git(repo, "checkout", "-q", BRANCH)
    git(repo, "merge", "-q", "--no-edit", "--no-verify", "main")
    proc = git(repo, "push", "origin", BRANCH, check=False)
    assert proc.returncode == 1, output(proc)
    assert "deploy.pem" in output(proc) and "config/.env.example" not in output(proc)


def test_octopus_merge_counts_only_what_differs_from_every_parent(
    merged_setup: tuple[Path, Path],
) -> None:
    repo, _ = merged_setup
    git(repo, "checkout", "-q", "-b", "side", "main~1")
    write(repo, "docs/side.md", "side\n")
    commit_all(repo, "side")
    git(repo, "push", "-q", "--no-verify", "origin", "side")
    git(repo, "checkout", "-q", BRANCH)
    git(repo, "merge", "-q", "--no-edit", "main", "side")
    assert len(git(repo, "rev-parse", "HEAD^3").stdout.strip()) == 40
    proc = git(repo, "push", "origin", BRANCH, check=False)
    assert proc.returncode == 0, output(proc)


def test_octopus_merge_adding_a_forbidden_file_of_its_own_is_blocked(
    merged_setup: tuple[Path, Path],
) -> None:
    repo, remote = merged_setup
    git(repo, "checkout", "-q", "-b", "side", "main~1")
    write(repo, "docs/side.md", "side\n")
    commit_all(repo, "side")
    git(repo, "push", "-q", "--no-verify", "origin", "side")
    git(repo, "checkout", "-q", BRANCH)
    git(repo, "merge", "-q", "--no-commit", "main", "side")
    write(repo, "config/.env", "SECRET=1\n")  # in none of the three parents
    git(repo, "add", "config/.env")
    git(repo, "commit", "-q", "--no-verify", "--no-edit")
    assert len(git(repo, "rev-parse", "HEAD^3").stdout.strip()) == 40
    proc = git(repo, "push", "origin", BRANCH, check=False)
    assert proc.returncode == 1, output(proc)
    assert "config/.env" in output(proc) and "config/.env.example" not in output(proc)
    assert git(remote, "rev-parse", BRANCH).stdout != git(repo, "rev-parse", "HEAD").stdout


def test_ci_over_a_merge_of_main(merged_setup: tuple[Path, Path]) -> None:
    repo, _ = merged_setup
    git(repo, "merge", "-q", "--no-edit", "main")
    proc = cli(repo, "ci", "--base", "origin/main", "--head", "HEAD", "--branch", BRANCH)
    assert proc.returncode == 0, output(proc)
