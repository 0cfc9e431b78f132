"""The ``tests`` check runs in exactly the tree being committed or pushed, through real git with
the hooks installed: in place only when the working tree is that tree, else in a temporary
checkout that is a working git checkout too, so test commands that call git see the same tree
and give the same verdict either way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, output, write, write_policy

BRANCH = "abc-1/repo/run-1"

# Each command looks at the tree through git; every one must pass in place and in a checkout.
GIT_AWARE = [
    "git ls-files --error-unmatch README.md",
    'test "$(git rev-parse --abbrev-ref HEAD)" = abc-1/repo/run-1',
    'test "$(git describe --tags --abbrev=0)" = v1',
    'test "$(git diff --cached --name-only)" = src/new.py',
    'test -z "$(git diff --name-only)"',
    'test "$(git status --porcelain --untracked-files=no)" = "A  src/new.py"',
    'test "$(git show HEAD:README.md)" = hello',
]


def set_tests(repo: Path, commands: list[str]) -> None:
    write_policy(
        repo,
        {"required_checks": ["tests"], "test_commands": commands},
        hooks={"exempt_branches": ["main"]},
    )


@pytest.fixture
def tested(repo: Path, on_path: None) -> Path:
    write(repo, "README.md", "hello\n")
    write(repo, "docs/manual.txt", "manual\n")
    write(repo, "src/app.py", "print(1)\n")
    set_tests(repo, GIT_AWARE)
    commit_all(repo, "initial")
    git(repo, "tag", "v1")
    git(repo, "checkout", "-q", "-b", BRANCH)
    assert cli(repo, "install").returncode == 0
    return repo


def commit(repo: Path, message: str = "ABC-1: change") -> tuple[int, str]:
    proc = git(repo, "commit", "-q", "-m", message, check=False)
    return proc.returncode, output(proc)


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param("", id="clean-worktree-in-place"),
        pytest.param("untracked", id="untracked-file"),
        pytest.param("unstaged", id="unstaged-edit"),
    ],
)
def test_git_commands_see_the_tree_being_committed(tested: Path, extra: str) -> None:
    repo = tested
    write(repo, "src/new.py", "print(2)\n")
    git(repo, "add", "src/new.py")
    if extra == "untracked":
        write(repo, "notes.txt", "scratch\n")
    elif extra == "unstaged":
        write(repo, "src/app.py", "print('edited, not staged')\n")
    code, text = commit(repo)
    assert code == 0, text


def test_the_same_tree_gets_the_same_verdict(tested: Path) -> None:
    """A failing git-aware command fails in place and in a checkout alike (no cached pass)."""
    repo = tested
    set_tests(repo, ["git ls-files --error-unmatch missing.txt"])
    git(repo, "add", "-A")
    write(repo, "untracked.txt")
    code, text = commit(repo)
    assert code == 1 and "missing.txt" in text, text
    (repo / "untracked.txt").unlink()
    code, text = commit(repo)
    assert code == 1 and "missing.txt" in text, text


def sparse(repo: Path) -> None:
    git(repo, "sparse-checkout", "set", "src", ".metawsm")
    assert not (repo / "docs").exists()


def test_sparse_checkout_is_not_the_tree(tested: Path) -> None:
    repo = tested
    set_tests(repo, ["test -f docs/manual.txt"])
    git(repo, "add", "-A")
    sparse(repo)
    code, text = commit(repo)
    assert code == 0, text


def test_sparse_checkout_greps_what_the_index_holds(tested: Path) -> None:
    """docs/ is not on disk but is in the index: a check of it must see it, and a wrong pass
    must not be cached for the tree."""
    repo = tested
    set_tests(repo, ["! grep -r TODO docs/"])
    write(repo, "docs/manual.txt", "TODO write the manual\n")
    git(repo, "add", "-A")
    sparse(repo)
    code, text = commit(repo)
    assert code == 1 and "TODO" in text, text
    git(repo, "sparse-checkout", "disable")
    code, text = commit(repo)
    assert code == 1 and "TODO" in text, text


@pytest.mark.parametrize("bit", ["--skip-worktree", "--assume-unchanged"])
def test_hidden_index_entries_are_not_the_tree(tested: Path, bit: str) -> None:
    """A file whose on-disk copy status does not compare is read from the index, not disk."""
    repo = tested
    set_tests(repo, ['test "$(cat README.md)" = hello'])
    git(repo, "add", "-A")
    git(repo, "update-index", bit, "README.md")
    write(repo, "README.md", "local edit git is told to ignore\n")
    code, text = commit(repo)
    assert code == 0, text
    git(repo, "update-index", bit.replace("--", "--no-"), "README.md")
    git(repo, "checkout", "-q", "--", "README.md")


def test_temporary_checkout_leaves_no_trace(tested: Path, tmp_path: Path) -> None:
    """A command that commits and tags in the checkout changes nothing in the repository."""
    repo = tested
    set_tests(
        repo,
        [
            "git -c user.name=t -c user.email=t@e commit -q --allow-empty -m x --no-verify",
            "git tag evil",
        ],
    )
    git(repo, "add", "-A")
    write(repo, "untracked.txt")
    others = ["for-each-ref", "--format=%(objectname) %(refname)", "refs/tags", "refs/remotes"]
    refs = git(repo, *others).stdout
    code, text = commit(repo)
    assert code == 0, text
    assert git(repo, *others).stdout == refs  # no tag "evil", no other ref moved
    assert git(repo, "log", "--format=%s", "-1").stdout.decode().strip() == "ABC-1: change"
    listed = git(repo, "worktree", "list", "--porcelain").stdout.decode()
    assert listed.count("worktree ") == 1


def test_push_runs_git_aware_tests_in_a_checkout(tested: Path, tmp_path: Path) -> None:
    repo = tested
    set_tests(
        repo,
        [
            "git ls-files --error-unmatch src/new.py",
            'test "$(git rev-parse HEAD)" = "$(git rev-parse abc-1/repo/run-1)"',
            'test "$(git describe --tags --abbrev=0)" = v1',
        ],
    )
    write(repo, "src/new.py", "print(2)\n")
    commit_all(repo, "ABC-1: new")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    write(repo, "untracked.txt")  # the push is tested in a checkout
    proc = git(repo, "push", "origin", BRANCH, check=False)
    assert proc.returncode == 0, output(proc)


def test_pre_receive_with_server_policy_runs_git_aware_tests(tmp_path: Path, on_path: None) -> None:
    remote = tmp_path / "srv" / "repo.git"
    remote.parent.mkdir(parents=True)
    git(tmp_path, "init", "-q", "--bare", str(remote))
    assert cli(remote, "install", "--hook-type", "pre-receive").returncode == 0
    server_policy = tmp_path / "etc" / "policy.json"
    server_policy.parent.mkdir()
    server_policy.write_text(
        json.dumps(
            {
                "git_pr": {
                    "required_checks": ["tests"],
                    "test_commands": [
                        "git ls-files --error-unmatch src/app.py",
                        'test "$(git log --format=%s -1)" = "ABC-1: app"',
                        'test "$(git rev-parse --abbrev-ref HEAD)" = abc-1/repo/run-1',
                    ],
                },
                "operator": {"llm": {"mode": "off"}},
            }
        )
    )
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        hook.read_text().replace("run pre-receive", f"run pre-receive --policy {server_policy}")
    )
    client = tmp_path / "client"
    git(tmp_path, "clone", "-q", str(remote), str(client))
    write(client, "src/app.py", "print(1)\n")
    commit_all(client, "ABC-1: app")
    proc = git(client, "push", "origin", f"HEAD:refs/heads/{BRANCH}", check=False)
    assert proc.returncode == 0, output(proc)
    write(client, "src/other.py", "print(2)\n")
    git(client, "rm", "-q", "src/app.py")
    commit_all(client, "ABC-1: app gone")
    proc = git(client, "push", "origin", f"HEAD:refs/heads/{BRANCH}", check=False)
    assert proc.returncode == 1, output(proc)
    assert "src/app.py" in output(proc)
