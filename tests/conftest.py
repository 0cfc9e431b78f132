"""Fixtures: every test runs git with an isolated identity and configuration. Helpers live in
the ``testing`` package."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.util import BIN, IDENTITY, cli, commit_all, git, write, write_policy

# Inherited hook state, and the markers that would make every run look like an agent's.
_SCRUBBED = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "PRE_COMMIT",
    "METAWSM_",
    "CLAUDECODE",
    "CODEX_",
)


@pytest.fixture(autouse=True, scope="session")
def interruptible() -> None:
    """A shell without job control starts a background command with SIGINT ignored, and an
    ignored signal stays ignored across exec: the tests that interrupt this process or a hook
    would wait for a Ctrl-C that never arrives. Python's own handler goes back in, so the
    hooks the tests start begin with the default again."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def isolated_git(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh HOME and global git config per test; no system config, no inherited hook state."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test Author\n\temail = author@example.com\n"
        "[init]\n\tdefaultBranch = main\n"
        '[protocol "file"]\n\tallow = always\n'
        "[advice]\n\tdetachedHead = false\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in IDENTITY.items():
        monkeypatch.setenv(key, value)
    for key in list(os.environ):
        if key.startswith(_SCRUBBED):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    yield home


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty non-bare repository on an unborn ``main``."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return path


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put this interpreter's scripts (``metawsm-hooks``) first on PATH, as an installed tool is."""
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture
def hooked(repo: Path, on_path: None) -> Path:
    """A repository with a committed policy on a fitting branch and the hooks installed."""
    write_policy(repo, {"required_checks": ["tests", "forbidden_files"]})
    write(repo, "README.md", "hello\n")
    commit_all(repo, "initial")
    git(repo, "checkout", "-q", "-b", "abc-1/repo/run-1")
    proc = cli(repo, "install")
    assert proc.returncode == 0, proc.stderr
    return repo


@pytest.fixture
def committed(repo: Path) -> Path:
    """``repo`` with one commit on main: ``README.md`` and ``src/app.py``."""
    write(repo, "README.md", "hello\n")
    write(repo, "src/app.py", "print(1)\n")
    commit_all(repo, "initial")
    return repo


@pytest.fixture
def pushable(tmp_path: Path, hooked: Path) -> tuple[Path, Path]:
    """The hooked repository (on a fitting branch) with a bare remote ``origin`` that has
    ``main``."""
    remote = tmp_path / "remotes" / "acme" / "repo.git"
    remote.parent.mkdir(parents=True)
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(hooked, "remote", "add", "origin", str(remote))
    git(hooked, "push", "-q", "--no-verify", "origin", "main")
    return hooked, remote


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the operator stand-in (``examples/operator-standin``) logs each call."""
    path = tmp_path / "standin.log"
    monkeypatch.setenv("STANDIN_LOG", str(path))
    return path


@pytest.fixture
def standin_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator command gets a minimal environment: name the stand-in's settings."""
    monkeypatch.setenv(
        "METAWSM_OPERATOR_ENV", "STANDIN_MODE,STANDIN_SLEEP,STANDIN_LOG,STANDIN_PIDFILE"
    )
