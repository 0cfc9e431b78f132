"""The guard against what a careful reviewer would refuse: every bypass here really commits
past a pre-commit hook that always fails (run in bash, as the agents' shell tools run it), and
the guard refuses it; its "run instead" keeps the whole line; unreadable input and bad
arguments are said in one line."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from metawsm_hooks.agent import guard
from testing.util import cli, commit_all, git, output, write, write_policy

FITTING = "abc-1/repo/run-1"


def tool_call(command: str, cwd: Path) -> bytes:
    return json.dumps(
        {
            "cwd": str(cwd),
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command},
        }
    ).encode()


def decide(command: str, cwd: Path, *argv: str) -> tuple[int, str]:
    """The guard in this process: its exit code and what it wrote to stderr."""
    err = io.StringIO()
    code = guard.main(
        ["--agent", "claude", *argv], stdin=io.BytesIO(tool_call(command, cwd)), stderr=err
    )
    return code, err.getvalue()


def bash(cwd: Path, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, capture_output=True, text=True, check=False
    )


def commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD").stdout)


@pytest.fixture
def failing_hook_repo(repo: Path) -> Path:
    """A repository on a fitting branch whose pre-commit hook always fails, a change staged."""
    write(repo, "README.md", "hello\n")
    commit_all(repo, "initial")
    git(repo, "checkout", "-q", "-b", FITTING)
    hook = write(repo, ".git/hooks/pre-commit", "#!/bin/sh\necho 'hook ran: no' >&2\nexit 1\n")
    hook.chmod(0o755)
    write(repo, "change.txt", "x\n")
    git(repo, "add", "change.txt")
    return repo


BYPASSES = [
    pytest.param("", 'g""it commit -n -m x', id="quotes-in-git"),
    pytest.param("", "gi\\t commit -n -m x", id="backslash-in-git"),
    pytest.param("", "g'it' commit -n -m x", id="single-quotes-in-git"),
    pytest.param("", "$'\\x67it' commit -n -m x", id="ansi-c-git"),
    pytest.param("", 'git commit --no-""verify -m x', id="quotes-in-no-verify"),
    pytest.param("", 'git commit -""n -m x', id="quotes-in-n"),
    pytest.param("", "git commit $'--no-verify' -m x", id="ansi-c-no-verify"),
    pytest.param("", 'git commit --allow-empty-message -m "" -n', id="empty-message"),
    pytest.param("", "GIT=git; $GIT commit -n -m x", id="variable-git"),
    pytest.param("", "F=--no-verify; git commit $F -m x", id="variable-flag"),
    pytest.param(
        "",
        f"{os.path.dirname(shutil.which('git') or '/usr/bin/git')}/g[i]t commit -n -m x",
        id="glob-git",
    ),
    pytest.param("", 'git -c alias.ci="commit --no-verify" ci -m x', id="alias-c"),
    pytest.param("", 'git -c alias.ci="!git commit -n -m x" ci', id="alias-c-shell"),
    pytest.param("git config alias.ci 'commit -n'", "git ci -m x", id="alias-configured"),
    pytest.param(
        "git config --global alias.ci '!git commit -n'", "git ci -m x", id="alias-global-shell"
    ),
    pytest.param("", "git config alias.zz 'commit -n' && git zz -m x", id="alias-in-line"),
    pytest.param("", "echo --no-verify | xargs git commit -m x", id="xargs"),
    pytest.param("", "echo --no-verify | xargs -I{} git commit {} -m x", id="xargs-I"),
    pytest.param("", "echo commit -n -m x | xargs git", id="xargs-subcommand"),
    pytest.param("", "find . -maxdepth 0 -exec git commit -n -m x \\;", id="find-exec"),
    pytest.param("", "sh -c 'g\"\"it commit -n -m x'", id="sh-c"),
    pytest.param("", "eval 'git commit' '-n -m x'", id="eval"),
]


@pytest.mark.parametrize(("setup", "command"), BYPASSES)
def test_a_command_that_really_bypasses_the_hooks_is_refused(
    failing_hook_repo: Path, tmp_path: Path, setup: str, command: str
) -> None:
    repo = failing_hook_repo
    if setup:
        assert bash(repo, setup).returncode == 0
    code, err = decide(command, repo)
    assert code == 2, err
    assert "refused:" in err and "(policy: git_pr.required_checks)" in err
    assert "Traceback" not in err
    # The proof: in a copy, the command commits although the pre-commit hook always fails.
    copy = tmp_path / "copy"
    shutil.copytree(repo, copy, symlinks=True)
    before = commits(copy)
    proc = bash(copy, command)
    assert commits(copy) == before + 1, output(proc)
    assert "hook ran" not in proc.stderr


@pytest.fixture
def policy_repo(repo: Path, on_path: None) -> Path:
    """A repository with a policy and the hooks installed, on a fitting branch, with a branch
    feature/q that does not fit."""
    write_policy(repo, {"required_checks": []})
    write(repo, "README.md", "hello\n")
    commit_all(repo, "initial")
    git(repo, "checkout", "-q", "-b", FITTING)
    git(repo, "branch", "feature/q")
    assert cli(repo, "install").returncode == 0
    write(repo, "change.txt", "x\n")
    git(repo, "add", "change.txt")
    return repo


@pytest.mark.parametrize(
    ("command", "kept"),
    [
        pytest.param(
            "git checkout feature/q && git commit -m x", "git checkout feature/q && ", id="and"
        ),
        pytest.param(
            "git switch feature/q; git commit -m x", "git switch feature/q; ", id="semicolon"
        ),
        pytest.param(
            "git checkout feature/q\ngit commit -m x", "git checkout feature/q\n", id="newline"
        ),
        pytest.param(
            "git switch -q feature/q && git commit -n -m x",
            "git switch -q feature/q && ",
            id="bypass-too",
        ),
        pytest.param(
            "git checkout -b feature/new && git commit -m x", "git checkout -b ", id="created"
        ),
    ],
)
def test_run_instead_keeps_the_switch_and_renames_the_branch_committed_on(
    policy_repo: Path, command: str, kept: str
) -> None:
    code, err = decide(command, policy_repo)
    assert code == 2, err
    (line,) = [line for line in err.splitlines() if "run instead: " in line]
    instead = line.partition("run instead: ")[2].replace("\\n", "\n")
    assert instead.startswith(kept), instead
    assert instead.endswith("git commit -m x"), instead
    assert decide(instead, policy_repo) == (0, ""), instead
    # Run, the line commits through the hooks on a fitting branch; the branch the line started
    # on is left as it was.
    start = git(policy_repo, "rev-parse", FITTING).stdout
    proc = bash(policy_repo, instead)
    assert proc.returncode == 0, output(proc)
    current = git(policy_repo, "branch", "--show-current").stdout.decode().strip()
    assert current != FITTING and current.startswith("your-ticket/")
    assert git(policy_repo, "rev-parse", FITTING).stdout == start
    assert git(policy_repo, "log", "-1", "--format=%s").stdout.decode().strip().endswith(" x")


@pytest.mark.parametrize(
    "redirect",
    [
        pytest.param("<&-", id="closed"),
        pytest.param("</dev/null", id="empty"),
    ],
)
def test_stdin_that_holds_no_tool_call_is_allowed_with_one_line(
    policy_repo: Path, redirect: str
) -> None:
    proc = subprocess.run(
        ["sh", "-c", f'"$0" agent pre-tool-use --agent claude {redirect}', _script()],
        cwd=policy_repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert "allowed" in proc.stderr and "Traceback" not in proc.stderr


class _Unreadable(io.RawIOBase):
    def read(self, size: int = -1) -> bytes:
        raise OSError(5, "Input/output error")


@pytest.mark.parametrize(
    "stdin",
    [
        pytest.param(_Unreadable(), id="read-fails"),
        pytest.param(io.TextIOWrapper(io.BytesIO(b"")), id="empty-text"),
    ],
)
def test_unreadable_stdin_in_process_is_allowed_with_one_line(stdin: object) -> None:
    err = io.StringIO()
    assert guard.main([], stdin=stdin, stderr=err) == 0
    assert len(err.getvalue().splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--agent", "bogus"], id="unknown-agent"),
        pytest.param(["--agent=claud"], id="unknown-agent-attached"),
        pytest.param(["--bogus"], id="unknown-option"),
        pytest.param(["claude"], id="positional"),
        pytest.param(["--agent"], id="no-value"),
        pytest.param(["--db", "a\0b"], id="nul-in-path"),
        pytest.param(["--policy", "x" * 300], id="long-name"),
    ],
)
def test_a_bad_argument_is_a_one_line_usage_error_that_says_every_call_is_refused(
    policy_repo: Path, argv: list[str]
) -> None:
    for call in (b"", tool_call("ls -la src", policy_repo)):
        err = io.StringIO()
        assert guard.main(argv, stdin=io.BytesIO(call), stderr=err) == 2
        (line,) = err.getvalue().splitlines()
        assert "usage error" in line and "refused until it is fixed" in line
        assert "install --agent" in line
    if "\0" not in "".join(argv):
        proc = cli(policy_repo, "agent", "pre-tool-use", *argv, input=b"{}")
        assert proc.returncode == 2
        assert len(proc.stderr.splitlines()) == 1, proc.stderr


def _script() -> str:
    from testing.util import CLI

    return CLI
