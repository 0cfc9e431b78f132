"""The real pre-commit framework running this repository's .pre-commit-hooks.yaml."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, output, write, write_policy

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
# pip's cache from before the tests isolated HOME: hook environments install from it when they can.
PIP_CACHE = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This repository as it is now (committed or not), committed into a scratch repository."""
    snapshot = tmp_path_factory.mktemp("hook-repo") / "metawsm-hooks"
    ignore = shutil.ignore_patterns(
        ".git", ".venv", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "build"
    )
    shutil.copytree(ROOT, snapshot, ignore=ignore)
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--no-verify", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=snapshot, env=env, check=True, capture_output=True)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=snapshot, env=env, check=True, capture_output=True
    )
    return snapshot, rev.stdout.decode().strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def framework_env(monkeypatch: pytest.MonkeyPatch, pre_commit_home: Path) -> Iterator[None]:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    monkeypatch.setenv("PIP_CACHE_DIR", PIP_CACHE)
    # The framework's hook environment must find its own metawsm-hooks, not this interpreter's.
    monkeypatch.setenv(
        "PATH",
        os.pathsep.join(
            p for p in os.environ["PATH"].split(os.pathsep) if p != str(Path(sys.executable).parent)
        ),
    )
    yield


def run_pre_commit(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*PRE_COMMIT, *args], cwd=cwd, capture_output=True, check=False)


def test_installed_framework_enforces_commit_and_push(
    repo: Path, tmp_path: Path, hook_repo: tuple[Path, str], framework_env: None
) -> None:
    path, rev = hook_repo
    write(
        repo,
        ".pre-commit-config.yaml",
        f"repos:\n- repo: {path}\n  rev: {rev}\n  hooks:\n"
        "  - id: metawsm-policy\n  - id: metawsm-pre-commit\n"
        "  - id: metawsm-commit-msg\n  - id: metawsm-pre-push\n",
    )
    write_policy(repo, {"required_checks": ["forbidden_files", "tests"]})
    commit_all(repo, "initial")
    proc = run_pre_commit(
        repo,
        "install",
        "--hook-type",
        "pre-commit",
        "--hook-type",
        "commit-msg",
        "--hook-type",
        "pre-push",
    )
    assert proc.returncode == 0, output(proc)
    git(repo, "checkout", "-q", "-b", "abc-1/repo/run-1")

    write(repo, ".env", "SECRET=1\n")
    git(repo, "add", ".env")
    proc = git(repo, "commit", "-m", "add env", check=False)
    assert proc.returncode != 0
    assert ".env" in output(proc)

    git(repo, "rm", "-q", "--cached", ".env")
    (repo / ".env").unlink()
    write(repo, "app.py", "print(1)\n")
    git(repo, "add", "app.py")
    proc = git(repo, "commit", "-m", "add app", check=False)
    assert proc.returncode == 0, output(proc)
    assert git(repo, "log", "-1", "--format=%s").stdout.decode().strip() == "ABC-1: add app"

    remote = tmp_path / "remote" / "acme" / "repo.git"
    remote.parent.mkdir(parents=True)
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    proc = git(repo, "push", "origin", "abc-1/repo/run-1", check=False)
    assert proc.returncode == 0, output(proc)
    # The framework runs no reference-transaction hook: the delivered push reaches the ledger
    # at the next push or status.
    assert cli(repo, "status").returncode == 0
    with sqlite3.connect(repo / ".metawsm" / "metawsm.db") as db:
        [(ticket, run_id, sha)] = db.execute(
            "SELECT ticket, run_id, commit_sha FROM run_pull_requests"
        ).fetchall()
    assert (ticket, run_id) == ("abc-1", "run-1")
    assert sha == git(repo, "rev-parse", "HEAD").stdout.decode().strip()

    # The framework runs pre-push hooks only when the push carries commits the remote lacks.
    git(repo, "checkout", "-q", "-b", "Not_A_Run")
    write(repo, "more.py", "print(2)\n")
    git(repo, "add", "more.py")
    git(repo, "commit", "-q", "--no-verify", "-m", "ABC-1: more")
    proc = git(repo, "push", "origin", "Not_A_Run", check=False)
    assert proc.returncode != 0
    assert "does not fit branch_template" in output(proc)


def test_try_repo_metawsm_policy(
    repo: Path, hook_repo: tuple[Path, str], framework_env: None
) -> None:
    path, _ = hook_repo
    write(
        repo, ".metawsm/policy.json", '{\n  "git_pr": {\n    "required_checks": ["lint"]\n  }\n}\n'
    )
    write(repo, "ok/.metawsm/policy.json", '{"version": 2}\n')
    git(repo, "add", "-A")
    proc = run_pre_commit(
        repo,
        "try-repo",
        str(path),
        "metawsm-policy",
        "--files",
        ".metawsm/policy.json",
        "ok/.metawsm/policy.json",
    )
    text = output(proc)
    assert proc.returncode == 1, text
    assert "git_pr.required_checks[0]" in text
    assert ":3:" in text
    assert "ok/.metawsm/policy.json: valid" in text


def test_framework_pre_push_never_passes_refs_it_did_not_see(
    repo: Path, tmp_path: Path, hook_repo: tuple[Path, str], framework_env: None
) -> None:
    """The framework hands its pre-push hook one ref per push: a push of two is refused rather
    than half-checked, and a push of one says which ref passed."""
    path, rev = hook_repo
    write(
        repo,
        ".pre-commit-config.yaml",
        f"repos:\n- repo: {path}\n  rev: {rev}\n  hooks:\n  - id: metawsm-pre-push\n"
        "    verbose: true\n",
    )
    write_policy(repo, {"required_checks": ["forbidden_files"]})
    commit_all(repo, "initial")
    proc = run_pre_commit(repo, "install", "--hook-type", "pre-push")
    assert proc.returncode == 0, output(proc)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    git(repo, "checkout", "-q", "-b", "abc-1/repo/run-1")
    write(repo, "ok.py", "print(1)\n")
    commit_all(repo, "ABC-1: ok")
    git(repo, "checkout", "-q", "-b", "abc-2/repo/run-2", "main")
    write(repo, "id_rsa", "key\n")
    commit_all(repo, "ABC-2: a key")

    proc = git(repo, "push", "origin", "abc-1/repo/run-1", "abc-2/repo/run-2", check=False)
    text = output(proc)
    assert proc.returncode != 0, text
    assert "2 refspecs" in text and "one ref only" in text
    heads = git(remote, "for-each-ref", "--format=%(refname)", "refs/heads").stdout.decode()
    assert heads.split() == ["refs/heads/main"]

    proc = git(repo, "push", "origin", "abc-1/repo/run-1", check=False)
    text = output(proc)
    assert proc.returncode == 0, text
    assert "pre-push passed for" in text and "the one ref the hook manager" in text
