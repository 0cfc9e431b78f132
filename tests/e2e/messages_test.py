"""Messages read properly whatever is missing: no value left blank before a closing parenthesis,
a place for every policy problem in the human and JSON forms alike, each note once, and only
work-tree paths in ``.git/info/exclude``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, output, write, write_policy

BRANCH = "abc-1/repo/run-1"


def _no_blank_values(text: str) -> None:
    for blank in (" )", ", )", ": )", "( "):
        assert blank not in text, text


@pytest.fixture
def unborn_server(tmp_path: Path, on_path: None) -> tuple[Path, Path]:
    """A bare server with pre-receive whose default branch ``main`` has no commit yet."""
    remote = tmp_path / "srv.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    assert cli(remote, "install", "--hook-type", "pre-receive").returncode == 0
    client = tmp_path / "client"
    git(tmp_path, "clone", "-q", str(remote), str(client))
    git(client, "checkout", "-q", "-b", BRANCH)
    write(client, "README.md")
    commit_all(client, "ABC-1: init")
    return remote, client


def test_a_server_without_a_default_branch_says_so(unborn_server: tuple[Path, Path]) -> None:
    _, client = unborn_server
    proc = git(client, "push", "origin", BRANCH, check=False)
    text = output(proc)
    assert proc.returncode == 0, text
    assert (
        "policy: metawsm's built-in defaults (the repository had no default branch before the"
        " push)" in text
    )
    _no_blank_values(text)


def test_ci_with_an_all_zero_base_says_so(repo: Path) -> None:
    write(repo, "README.md")
    commit_all(repo, "init")
    git(repo, "checkout", "-q", "-b", BRANCH)
    proc = cli(repo, "ci", "--base", "0" * 40, "--head", "HEAD")
    assert "policy: metawsm's built-in defaults (--base is all zeros: a new branch)" in output(proc)
    _no_blank_values(output(proc))


def test_an_invalid_pushed_policy_notes_untrusted_commands_once(
    unborn_server: tuple[Path, Path],
) -> None:
    _, client = unborn_server
    git(client, "checkout", "-q", "-b", "main")
    write_policy(client, {"test_commands": ["true"]})
    commit_all(client, "policy")
    assert git(client, "push", "-q", "origin", "main", check=False).returncode == 0
    git(client, "checkout", "-q", BRANCH)
    git(client, "merge", "-q", "main")
    write(client, ".metawsm/policy.json", '{"version": 0}\n')
    commit_all(client, "ABC-1: invalid policy")
    proc = git(client, "push", "origin", BRANCH, check=False)
    text = output(proc)
    assert proc.returncode != 0
    assert "version: must be a positive integer, not 0" in text
    assert text.count("are not run on the server") == 1, text


def test_a_missing_file_has_the_same_place_in_json_and_text(repo: Path) -> None:
    human = cli(repo, "validate", "nosuch.json")
    doc = json.loads(cli(repo, "validate", "nosuch.json", "--format", "json").stdout)
    [error] = doc["files"][0]["errors"]
    assert (error["line"], error["column"]) == (1, 1)
    assert "nosuch.json:1:1: (document): file not found" in human.stderr


@pytest.mark.parametrize(
    ("hooks_path", "excluded"),
    [
        pytest.param(None, [], id="git-hooks"),
        pytest.param(".githooks", ["/.githooks/pre-commit"], id="in-work-tree"),
        pytest.param("tools/hooks", ["/tools/hooks/pre-commit"], id="nested-in-work-tree"),
        pytest.param("{git}/custom-hooks", [], id="inside-git-folder"),
        pytest.param("{outside}", [], id="outside"),
    ],
)
def test_only_work_tree_scripts_are_excluded(
    repo: Path, tmp_path: Path, hooks_path: str | None, excluded: list[str]
) -> None:
    if hooks_path is not None:
        folder = hooks_path.format(git=repo / ".git", outside=tmp_path / "elsewhere")
        git(repo, "config", "core.hooksPath", folder)
    args = ["install", "--hook-type", "pre-commit"]
    proc = cli(repo, *args, *(["--shared"] if hooks_path == "{outside}" else []))
    assert proc.returncode == 0, output(proc)
    lines = (repo / ".git" / "info" / "exclude").read_text(encoding="utf-8").splitlines()
    scripts = [line for line in lines if line.startswith("/")]
    assert scripts == excluded
