"""Onboarding ends by saying what to commit, and that command makes the first push pass.

metawsm's clean_tree check passes only when ``git status`` shows nothing, so a policy or an agent's
settings left uncommitted would refuse the first push. ``init``, ``onboard`` and
``install --agent`` print the one command line that commits exactly those files, with the message
the commit-msg hook wants; nothing when the file is ignored or already tracked, and the way to
keep it local when a metawsm home governs the checkout or, for a new agent settings file, because
it names this machine's metawsm-hooks by its absolute path."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, output, write

ADVICE = re.compile(r"^next, commit .*?: (git add .*)$", re.MULTILINE)
REQUIRE = json.dumps({"hooks": {"commit_message": "require"}, "operator": {"llm": {"mode": "off"}}})


@pytest.fixture
def project(repo: Path, tmp_path: Path, on_path: None) -> Path:
    """A repository with one commit on main and a bare remote ``origin``."""
    write(repo, "README.md", "hello\n")
    commit_all(repo, "initial")
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(repo, "remote", "add", "origin", str(bare))
    return repo


@pytest.mark.parametrize(
    ("branch", "policy", "command", "message"),
    [
        pytest.param("main", None, ["onboard"], "Add the metawsm policy", id="onboard-main"),
        pytest.param("main", None, ["init"], "Add the metawsm policy", id="init-main"),
        pytest.param(
            "abc-1/repo/run-1", None, ["onboard"], "ABC-1: Add the metawsm policy", id="ticket"
        ),
        pytest.param(
            "abc-1/repo/run-1",
            REQUIRE,
            ["onboard"],
            "ABC-1: Add the metawsm policy",
            id="ticket-required",
        ),
    ],
)
def test_the_advised_commit_lets_the_first_push_pass(
    project: Path, branch: str, policy: str | None, command: list[str], message: str
) -> None:
    if branch != "main":
        git(project, "checkout", "-q", "-b", branch)
    if policy is not None:
        write(project, ".metawsm/policy.json", policy)  # kept by onboard, not yet committed
    if command[0] != "onboard":
        assert cli(project, "install").returncode == 0
    proc = cli(project, *command)
    assert proc.returncode == 0, output(proc)
    [advised] = ADVICE.findall(proc.stdout)
    assert proc.stdout.rstrip().endswith(advised), "the advice is the last word"
    assert f"-m '{message}'" in advised

    # Without it the push is refused for the dirty tree; with it, it passes.
    refused = git(project, "push", "-q", "origin", "HEAD", check=False)
    assert refused.returncode != 0
    assert b"working tree is dirty" in refused.stdout + refused.stderr
    done = subprocess.run(["sh", "-c", advised], cwd=project, capture_output=True, check=False)
    assert done.returncode == 0, output(done)
    assert git(project, "status", "--porcelain").stdout == b""
    assert git(project, "log", "-1", "--format=%s").stdout.decode().strip() == message
    pushed = git(project, "push", "-q", "origin", "HEAD", check=False)
    assert pushed.returncode == 0, output(pushed)


def test_advice_names_paths_from_a_subfolder(project: Path) -> None:
    sub = project / "src" / "deep"
    sub.mkdir(parents=True)
    proc = cli(sub, "onboard")
    [advised] = ADVICE.findall(proc.stdout)
    assert "git add ../../.metawsm/policy.json &&" in advised
    done = subprocess.run(["sh", "-c", advised], cwd=sub, capture_output=True, check=False)
    assert done.returncode == 0, output(done)
    assert git(project, "status", "--porcelain").stdout == b""


def test_advice_says_to_rename_a_branch_the_hooks_refuse(project: Path) -> None:
    git(project, "checkout", "-q", "-b", "feature")
    proc = cli(project, "init")
    assert "the hooks refuse commits on 'feature'" in proc.stdout


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param("ignored", id="ignored"),
        pytest.param("tracked", id="already-tracked"),
    ],
)
def test_nothing_to_commit_says_nothing(project: Path, setup: str) -> None:
    if setup == "ignored":
        write(project, ".gitignore", ".metawsm/\n.claude/\n")
        commit_all(project, "ignore")
        proc = cli(project, "onboard")
        agents = cli(project, "install", "--agent", "claude")
    else:
        assert cli(project, "init").returncode == 0
        write(project, ".claude/settings.json", "{}\n")
        commit_all(project, "policy")
        git(project, "rm", "-q", "--cached", ".claude/settings.json")  # re-added just below
        assert cli(project, "install", "--agent", "claude").returncode == 0
        commit_all(project, "guard")
        proc = cli(project, "onboard")
        agents = cli(project, "install", "--agent", "claude")  # up to date: unchanged
    assert proc.returncode == 0, output(proc)
    assert "next, commit" not in output(proc) + output(agents)
    assert "clean_tree" not in output(agents)


def test_a_metawsm_home_keeps_the_files_local(project: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".metawsm").mkdir(parents=True)
    proc = cli(project, "onboard", "--home", str(home))
    assert proc.returncode == 0, output(proc)
    assert "next, commit" not in output(proc)
    agents = cli(project, "install", "--agent", "claude")
    assert "next, commit" not in agents.stdout
    [line] = [line for line in agents.stdout.splitlines() if "stays local" in line]
    keep = line.partition(" with: ")[2]
    done = subprocess.run(["sh", "-c", keep], cwd=project, capture_output=True, check=False)
    assert done.returncode == 0, output(done)
    assert git(project, "status", "--porcelain").stdout == b""


def test_new_agent_settings_stay_local(project: Path) -> None:
    """They run this installation's metawsm-hooks by its absolute path, which another clone
    may not have: the advice keeps them out of git, and the first push passes."""
    git(project, "checkout", "-q", "-b", "abc-1/repo/run-1")
    assert cli(project, "install").returncode == 0
    assert cli(project, "init").returncode == 0
    git(project, "add", ".metawsm/policy.json")
    git(project, "commit", "-q", "-m", "ABC-1: policy")
    agents = cli(project, "install", "--agent", "claude", "--agent", "codex")
    assert agents.returncode == 0, output(agents)
    assert "next, commit" not in agents.stdout
    [line] = [line for line in agents.stdout.splitlines() if "stays local" in line]
    assert line.startswith("it runs this machine's /")
    assert ".claude/settings.json, .codex/config.toml stays local" in line
    refused = git(project, "push", "-q", "origin", "HEAD", check=False)
    assert b"working tree is dirty" in refused.stdout + refused.stderr
    keep = line.partition(" with: ")[2]
    done = subprocess.run(["sh", "-c", keep], cwd=project, capture_output=True, check=False)
    assert done.returncode == 0, output(done)
    assert git(project, "status", "--porcelain").stdout == b""
    pushed = git(project, "push", "-q", "origin", "HEAD", check=False)
    assert pushed.returncode == 0, output(pushed)


def test_tracked_agent_settings_are_committed_with_a_warning(project: Path) -> None:
    git(project, "checkout", "-q", "-b", "abc-1/repo/run-1")
    assert cli(project, "install").returncode == 0
    assert cli(project, "init").returncode == 0
    write(project, ".claude/settings.json", '{"permissions": {}}\n')  # the team's settings
    git(project, "add", ".metawsm/policy.json", ".claude/settings.json")
    git(project, "commit", "-q", "-m", "ABC-1: policy and settings")
    agents = cli(project, "install", "--agent", "claude")
    assert agents.returncode == 0, output(agents)
    [advised] = ADVICE.findall(agents.stdout)
    assert "-m 'ABC-1: Add the metawsm-hooks guard for claude'" in advised
    assert "(git already tracks it, but it runs this machine's /" in advised
    command = advised.partition(" (git already tracks")[0]
    done = subprocess.run(["sh", "-c", command], cwd=project, capture_output=True, check=False)
    assert done.returncode == 0, output(done)
    assert git(project, "status", "--porcelain").stdout == b""
