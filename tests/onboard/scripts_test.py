"""onboard.scripts: the hook scripts, where install puts them, chaining with the hooks already
there, and the store kept out of git by info/exclude."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from metawsm_hooks.constants import DEFAULT_HOOK_TYPES, HOOK_TYPES, STORE_EXCLUDE
from metawsm_hooks.errors import FatalError
from metawsm_hooks.git.repository import Repository
from metawsm_hooks.onboard.doctor import check_hooks
from metawsm_hooks.onboard.scripts import (
    CHAINED_SUFFIX,
    default_command,
    exclude_store,
    hook_script,
    hook_status,
    install,
    uninstall,
)
from testing.hooks import foreign_hook
from testing.util import commit_all, git, write

PROJECT = Path(__file__).resolve().parents[2]


def stub_cli(folder: Path) -> tuple[Path, Path]:
    """A stand-in ``metawsm-hooks`` that logs its arguments (and stdin for ref-reading stages)
    and exits with ``$STUB_EXIT``; returns (its bin folder, the log)."""
    bin_dir = folder / "stub-bin"
    bin_dir.mkdir()
    log = folder / "calls.log"
    script = bin_dir / "metawsm-hooks"
    script.write_text(
        "#!/bin/sh\n"
        f"log='{log}'\n"
        'printf \'%s\\n\' "metawsm $*" >>"$log"\n'
        'case $2 in pre-push|pre-receive) sed "s/^/metawsm stdin: /" >>"$log" ;; esac\n'
        'exit "${STUB_EXIT:-0}"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return bin_dir, log


def path_without_cli() -> str:
    """PATH minus any folder holding a real ``metawsm-hooks``."""
    return os.pathsep.join(
        d
        for d in os.environ["PATH"].split(os.pathsep)
        if d and not os.path.exists(os.path.join(d, "metawsm-hooks"))
    )


@pytest.fixture
def stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir, log = stub_cli(tmp_path)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{path_without_cli()}")
    return log


def initial_commit(repo: Path) -> str:
    write(repo, "README", "hello\n")
    return commit_all(repo, "initial")


def read_log(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int, int]]:
    result = {}
    for entry in sorted(folder.iterdir()):
        st = entry.lstat()
        content = os.readlink(entry).encode() if entry.is_symlink() else entry.read_bytes()
        result[entry.name] = (content, st.st_mode, st.st_mtime_ns, st.st_ino)
    return result


# --- the scripts ----------------------------------------------------------------------------


@pytest.mark.parametrize("hook_type", HOOK_TYPES)
def test_hook_files_are_the_rendered_template(hook_type: str) -> None:
    path = PROJECT / "hooks" / hook_type
    assert path.read_bytes() == hook_script(hook_type).encode()
    assert path.stat().st_mode & stat.S_IXUSR


@pytest.mark.parametrize("hook_type", HOOK_TYPES)
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(None, id="path"),
        pytest.param(("/opt/it's here/metawsm-hooks",), id="quoted-path"),
        pytest.param(("/v/bin/python", "-m", "metawsm_hooks"), id="python-m"),
    ],
)
def test_scripts_are_valid_posix_sh(hook_type: str, command: tuple[str, ...] | None) -> None:
    text = hook_script(hook_type, command=command)
    proc = subprocess.run(["sh", "-n"], input=text.encode(), capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_default_command_is_this_installation() -> None:
    command = default_command()
    assert os.path.isabs(command[0])
    assert os.access(command[0], os.X_OK)
    assert command[1:] in ((), ("-m", "metawsm_hooks"))
    if not command[1:]:
        assert Path(command[0]).name == "metawsm-hooks"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: write(p, "hooks", "x"), "is not a folder", id="hooks-dir-is-a-file"),
        pytest.param(
            lambda p: (p / "hooks" / "pre-commit").mkdir(parents=True),
            "is a folder, not a hook",
            id="hook-is-a-folder",
        ),
    ],
)
def test_install_refuses_odd_layouts(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    make(tmp_path)
    with pytest.raises(FatalError, match=message):
        install(tmp_path / "hooks", hook_types=("pre-commit",))


def test_unknown_hook_type_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(FatalError, match="unknown hook type 'post-commit'"):
        install(tmp_path, hook_types=("post-commit",))
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("hook_type", "expected_exit", "hint"),
    [
        pytest.param("pre-commit", 1, "git commit --no-verify", id="pre-commit"),
        pytest.param("commit-msg", 1, "git commit --no-verify", id="commit-msg"),
        pytest.param("pre-push", 1, "git push --no-verify", id="pre-push"),
        pytest.param("pre-receive", 1, "pushes are refused", id="pre-receive"),
        pytest.param("prepare-commit-msg", 0, "left as it is", id="prepare-commit-msg"),
    ],
)
def test_missing_command_says_what_to_do(
    tmp_path: Path, hook_type: str, expected_exit: int, hint: str
) -> None:
    hooks = tmp_path / "hooks"
    install(hooks, hook_types=(hook_type,), command=(str(tmp_path / "gone" / "metawsm-hooks"),))
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    proc = subprocess.run(
        ["/bin/sh", str(hooks / hook_type), "x"],
        env={**os.environ, "PATH": str(empty)},
        input=b"",
        capture_output=True,
        check=False,
    )
    assert proc.returncode == expected_exit
    [line] = proc.stderr.decode().splitlines()
    assert line.startswith("metawsm-hooks: command not found")
    # Not on the package index, and with the command gone its uninstall cannot run either.
    assert "pip install git+URL@REV" in line and "pip install metawsm-hooks" not in line
    assert "metawsm-hooks uninstall" not in line
    assert hint in line


# --- where hooks go -------------------------------------------------------------------------


def setup_default(repo: Path) -> tuple[Path, Path]:
    return repo, repo / ".git" / "hooks"


def setup_hooks_path_relative(repo: Path) -> tuple[Path, Path]:
    git(repo, "config", "core.hooksPath", ".githooks")
    (repo / "sub").mkdir()
    return repo / "sub", repo / ".githooks"


def setup_hooks_path_absolute(repo: Path) -> tuple[Path, Path]:
    shared = repo.parent / "shared hooks"
    git(repo, "config", "core.hooksPath", str(shared))
    return repo, shared


def setup_linked_worktree(repo: Path) -> tuple[Path, Path]:
    worktree = repo.parent / "linked"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(worktree))
    return worktree, repo / ".git" / "hooks"


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param(setup_default, id="git-dir"),
        pytest.param(setup_hooks_path_relative, id="hooks-path-relative-from-subfolder"),
        pytest.param(setup_hooks_path_absolute, id="hooks-path-absolute"),
        pytest.param(setup_linked_worktree, id="linked-worktree"),
    ],
)
def test_install_where_git_runs_hooks(
    repo: Path, stub: Path, setup: Callable[[Path], tuple[Path, Path]]
) -> None:
    initial_commit(repo)
    cwd, expected = setup(repo)
    found = Repository.discover(cwd)
    hooks_dir = found.hooks_dir()
    assert hooks_dir == expected
    assert found.common_dir == repo / ".git"

    messages = install(hooks_dir, common_dir=found.common_dir)
    count = len(DEFAULT_HOOK_TYPES)
    assert messages[:count] == [f"installed {hooks_dir / t}" for t in DEFAULT_HOOK_TYPES]
    assert all(hook_status(hooks_dir, t) == "ours" for t in DEFAULT_HOOK_TYPES)

    write(cwd, "file.txt", "content\n")
    git(cwd, "add", "file.txt")
    git(cwd, "commit", "-q", "-m", "with hooks")
    calls = read_log(stub)
    assert calls[0] == "metawsm run pre-commit"
    assert calls[1].startswith("metawsm run commit-msg ")
    assert calls[1].endswith("COMMIT_EDITMSG")


def test_resolve_outside_a_repository(tmp_path: Path) -> None:
    with pytest.raises(FatalError, match="git repository"):
        Repository.discover(tmp_path)


def test_resolve_in_a_bare_repository(tmp_path: Path) -> None:
    bare = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    found = Repository.discover(bare)
    assert found.hooks_dir() == bare / "hooks"
    assert found.common_dir == bare


# --- idempotence ----------------------------------------------------------------------------


def test_install_twice_changes_nothing(repo: Path) -> None:
    hooks = repo / ".git" / "hooks"
    foreign_hook(hooks / "pre-push", repo.parent / "log")
    command = ("/usr/local/bin/metawsm-hooks",)
    install(hooks, command=command, common_dir=repo / ".git")
    before = snapshot(hooks), snapshot(repo / ".git" / "info")

    messages = install(hooks, command=command, common_dir=repo / ".git")

    assert messages == [f"{hooks / t} is up to date" for t in DEFAULT_HOOK_TYPES]
    assert (snapshot(hooks), snapshot(repo / ".git" / "info")) == before


def test_install_updates_the_command(tmp_path: Path) -> None:
    install(tmp_path, hook_types=("pre-commit",), command=("/old/metawsm-hooks",))
    messages = install(tmp_path, hook_types=("pre-commit",), command=("/new/metawsm-hooks",))
    assert messages == [f"updated {tmp_path / 'pre-commit'}"]
    text = (tmp_path / "pre-commit").read_text()
    assert text == hook_script("pre-commit", command=("/new/metawsm-hooks",))
    assert "/old/" not in text
    assert not (tmp_path / f"pre-commit{CHAINED_SUFFIX}").exists()


def test_install_restores_a_lost_executable_bit(tmp_path: Path) -> None:
    install(tmp_path, hook_types=("pre-commit",))
    (tmp_path / "pre-commit").chmod(0o644)
    assert check_hooks(tmp_path, hook_types=("pre-commit",))[0].ok is False
    assert install(tmp_path, hook_types=("pre-commit",)) == [f"updated {tmp_path / 'pre-commit'}"]
    assert (tmp_path / "pre-commit").stat().st_mode & 0o777 == 0o755


# --- chaining -------------------------------------------------------------------------------


def make_regular(hook: Path) -> None:
    hook.write_bytes(b"#!/bin/sh\n# caf\xe9 \xff\r\nexit 0")
    hook.chmod(0o750)


def make_not_executable(hook: Path) -> None:
    hook.write_bytes(b"#!/bin/sh\nexit 1\n")
    hook.chmod(0o600)


def make_symlink(hook: Path) -> None:
    target = hook.parent.parent / "tools" / "hook.sh"
    target.parent.mkdir()
    target.write_bytes(b"#!/bin/sh\nexit 0\n")
    target.chmod(0o755)
    hook.symlink_to(os.path.join("..", "tools", "hook.sh"))


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(make_regular, id="regular-odd-bytes-and-mode"),
        pytest.param(make_not_executable, id="not-executable"),
        pytest.param(make_symlink, id="symlink"),
    ],
)
def test_chain_then_uninstall_restores_the_hook_exactly(
    tmp_path: Path, make: Callable[[Path], None]
) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    hook = hooks / "pre-commit"
    make(hook)
    before = snapshot(hooks)["pre-commit"]

    messages = install(hooks, hook_types=("pre-commit",))
    chained = hooks / f"pre-commit{CHAINED_SUFFIX}"
    assert messages == [
        f"installed {hook} (the hook that was there runs first, kept as {chained.name})"
    ]
    assert hook_status(hooks, "pre-commit") == "chained"
    assert snapshot(hooks)[chained.name] == before
    assert install(hooks, hook_types=("pre-commit",)) == [f"{hook} is up to date"]

    assert uninstall(hooks) == [f"restored {hook} (the hook that was there before)"]
    assert snapshot(hooks) == {"pre-commit": before}


def test_uninstall_leaves_other_hooks_alone(tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    install(hooks, hook_types=("pre-commit", "pre-push"))
    foreign_hook(hooks / "post-commit", tmp_path / "log")
    foreign_hook(hooks / "commit-msg", tmp_path / "log")
    (hooks / "pre-commit.sample").write_text("sample\n")
    others = {k: v for k, v in snapshot(hooks).items() if k not in ("pre-commit", "pre-push")}

    messages = uninstall(hooks)

    assert messages == [f"removed {hooks / 'pre-commit'}", f"removed {hooks / 'pre-push'}"]
    assert snapshot(hooks) == others
    assert uninstall(hooks) == [f"no metawsm-hooks scripts in {hooks}"]


def test_uninstall_keeps_a_chained_hook_when_ours_was_replaced(tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    foreign_hook(hooks / "pre-commit", tmp_path / "log")
    install(hooks, hook_types=("pre-commit",))
    foreign_hook(hooks / "pre-commit", tmp_path / "other-log")
    before = snapshot(hooks)

    assert uninstall(hooks) == [
        f"left {hooks / 'pre-commit.metawsm-chained'} in place: "
        f"{hooks / 'pre-commit'} is not a metawsm-hooks script"
    ]
    assert snapshot(hooks) == before
    with pytest.raises(FatalError, match=r"already exists beside it; move one of them away"):
        install(hooks, hook_types=("pre-commit",))
    assert snapshot(hooks) == before


def test_install_chains_the_hook_and_both_gate_the_commit(
    repo: Path, stub: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    initial_commit(repo)
    hooks = Repository.discover(repo).hooks_dir()
    foreign_hook(hooks / "pre-commit", stub)
    install(hooks)
    write(repo, "a.txt")
    git(repo, "add", "a.txt")

    git(repo, "commit", "-q", "-m", "passes")
    assert read_log(stub)[:2] == ["chained ", "metawsm run pre-commit"]

    head = git(repo, "rev-parse", "HEAD").stdout
    for variable, blocked_before_ours in (("CHAINED_EXIT", True), ("STUB_EXIT", False)):
        stub.unlink()
        write(repo, "a.txt", variable)
        git(repo, "add", "a.txt")
        monkeypatch.setenv(variable, "3")
        proc = git(repo, "commit", "-q", "-m", "blocked", check=False)
        monkeypatch.delenv(variable)
        assert proc.returncode != 0
        assert git(repo, "rev-parse", "HEAD").stdout == head
        assert ("metawsm run pre-commit" in read_log(stub)) is not blocked_before_ours


def test_pre_push_gives_both_hooks_the_same_stdin(
    repo: Path, stub: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    sha = initial_commit(repo)
    hooks = Repository.discover(repo).hooks_dir()
    foreign_hook(hooks / "pre-push", stub, reads_stdin=True)
    install(hooks)

    git(repo, "push", "-q", "origin", "main")

    refs = f"refs/heads/main {sha} refs/heads/main {'0' * 40}"
    # (The reference-transaction hook also ran, for the remote-tracking branch git moved.)
    assert [line for line in read_log(stub) if "reference-transaction" not in line] == [
        f"chained origin {remote}",
        f"chained stdin: {refs}",
        f"metawsm run pre-push origin {remote}",
        f"metawsm stdin: {refs}",
    ]
    assert list(scratch.iterdir()) == []

    stub.unlink()
    write(repo, "b.txt")
    commit_all(repo, "second")
    monkeypatch.setenv("CHAINED_EXIT", "1")
    assert git(repo, "push", "-q", "origin", "main", check=False).returncode != 0
    assert [line for line in read_log(stub) if line.startswith("metawsm")] == []
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    "chained", [pytest.param(False, id="alone"), pytest.param(True, id="chained")]
)
def test_pre_receive_on_a_bare_server(
    repo: Path, stub: Path, tmp_path: Path, chained: bool
) -> None:
    server = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", str(server))
    server_hooks = Repository.discover(server).hooks_dir()
    if chained:
        foreign_hook(server_hooks / "pre-receive", stub, reads_stdin=True)
    install(server_hooks, hook_types=("pre-receive",), common_dir=server)
    sha = initial_commit(repo)

    git(repo, "push", "-q", str(server), "main")

    refs = f"{'0' * 40} {sha} refs/heads/main"
    expected = ["metawsm run pre-receive", f"metawsm stdin: {refs}"]
    if chained:
        expected = ["chained ", f"chained stdin: {refs}", *expected]
    assert read_log(stub) == expected


def test_embedded_command_runs_without_path(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir, log = stub_cli(tmp_path)
    monkeypatch.setenv("PATH", path_without_cli())
    initial_commit(repo)
    install(Repository.discover(repo).hooks_dir(), command=(str(bin_dir / "metawsm-hooks"),))
    write(repo, "a.txt")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "message")
    assert read_log(log)[0] == "metawsm run pre-commit"


def test_stale_embedded_command_falls_back_to_path(repo: Path, stub: Path) -> None:
    initial_commit(repo)
    install(
        Repository.discover(repo).hooks_dir(),
        command=("/removed/venv/bin/python", "-m", "metawsm_hooks"),
    )
    write(repo, "a.txt")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "message")
    assert read_log(stub)[0] == "metawsm run pre-commit"


def test_pre_commit_framework_hook_is_chained(repo: Path, stub: Path) -> None:
    pre_commit = str(Path(sys.executable).parent / "pre-commit")
    if not os.path.exists(pre_commit):
        pytest.skip("pre-commit is not installed beside this interpreter")
    marker = repo.parent / "framework-ran"
    write(
        repo,
        ".pre-commit-config.yaml",
        "repos:\n- repo: local\n  hooks:\n  - id: mark\n    name: mark\n"
        f"    entry: touch {marker}\n    language: system\n    pass_filenames: false\n",
    )
    commit_all(repo, "initial")
    subprocess.run([pre_commit, "install"], cwd=repo, capture_output=True, check=True)
    hooks = Repository.discover(repo).hooks_dir()
    framework = snapshot(hooks)["pre-commit"]
    install(hooks)
    write(repo, "a.txt")
    git(repo, "add", "a.txt")

    git(repo, "commit", "-q", "-m", "message")

    assert marker.exists()
    assert read_log(stub)[0] == "metawsm run pre-commit"
    uninstall(hooks)
    assert snapshot(hooks)["pre-commit"] == framework


def test_framework_reinstalled_over_ours_does_not_loop(repo: Path, stub: Path) -> None:
    pre_commit = str(Path(sys.executable).parent / "pre-commit")
    if not os.path.exists(pre_commit):
        pytest.skip("pre-commit is not installed beside this interpreter")
    marker = repo.parent / "framework-ran"
    write(
        repo,
        ".pre-commit-config.yaml",
        "repos:\n- repo: local\n  hooks:\n  - id: mark\n    name: mark\n"
        f"    entry: sh -c 'echo ran >> {marker}'\n    language: system\n"
        "    pass_filenames: false\n",
    )
    commit_all(repo, "initial")
    hooks = Repository.discover(repo).hooks_dir()
    subprocess.run([pre_commit, "install"], cwd=repo, capture_output=True, check=True)
    install(hooks, hook_types=("pre-commit",))
    # The framework moves our script to pre-commit.legacy and runs it from its own hook,
    # and our script runs the framework's old hook, which runs pre-commit.legacy again.
    subprocess.run([pre_commit, "install"], cwd=repo, capture_output=True, check=True)
    assert check_hooks(hooks, hook_types=("pre-commit",))[0].ok
    write(repo, "a.txt")
    git(repo, "add", "a.txt")

    proc = subprocess.run(
        ["git", "commit", "-q", "-m", "message"], cwd=repo, capture_output=True, timeout=60
    )

    assert proc.returncode == 0, proc.stderr
    assert read_log(stub) == ["metawsm run pre-commit"]
    assert marker.read_text().count("ran") >= 1


def test_a_manager_running_ours_as_its_legacy_hook_does_not_loop(repo: Path, stub: Path) -> None:
    hooks = Repository.discover(repo).hooks_dir()
    manager = (
        "#!/bin/sh\n"
        f"echo manager >>'{stub}'\n"
        'legacy="$(cd "$(dirname "$0")" && pwd)/pre-commit.legacy"\n'
        'if [ -x "$legacy" ]; then "$legacy" "$@" || exit $?; fi\n'
    )
    write(hooks, "pre-commit", manager)
    (hooks / "pre-commit").chmod(0o755)
    install(hooks, hook_types=("pre-commit",))
    # The manager installs itself again, keeping our script as its legacy hook.
    os.rename(hooks / "pre-commit", hooks / "pre-commit.legacy")
    write(hooks, "pre-commit", manager)
    (hooks / "pre-commit").chmod(0o755)
    initial_commit(repo)
    write(repo, "a.txt")
    git(repo, "add", "a.txt")

    proc = subprocess.run(
        ["git", "commit", "-q", "-m", "message"], cwd=repo, capture_output=True, timeout=60
    )

    assert proc.returncode == 0, proc.stderr
    assert read_log(stub) == ["manager", "manager", "metawsm run pre-commit"]


# --- info/exclude ---------------------------------------------------------------------------


def test_store_is_excluded_once(repo: Path) -> None:
    exclude = repo / ".git" / "info" / "exclude"
    exclude.write_bytes(b"# mine\n*.log")  # no trailing newline
    hooks = repo / ".git" / "hooks"

    first = install(hooks, common_dir=repo / ".git")
    install(hooks, common_dir=repo / ".git")

    assert first[-1] == f"added {STORE_EXCLUDE} to {exclude}"
    assert exclude.read_bytes() == (
        b"# mine\n*.log\n# metawsm-hooks: the store stays out of git\n.metawsm/metawsm.db*\n"
    )
    for name in ("metawsm.db", "metawsm.db-wal", "metawsm.db-shm", "metawsm.db.lock"):
        write(repo, f".metawsm/{name}", "x")
    write(repo, ".metawsm/policy.json", "{}\n")
    status = git(repo, "status", "--porcelain", "-uall").stdout.decode()
    assert status == "?? .metawsm/policy.json\n"


def test_exclude_is_created_when_missing(tmp_path: Path) -> None:
    assert exclude_store(tmp_path) == f"added {STORE_EXCLUDE} to {tmp_path / 'info' / 'exclude'}"
    assert exclude_store(tmp_path) is None
    assert (tmp_path / "info" / "exclude").read_text().count(STORE_EXCLUDE) == 1


# --- the pre-commit framework manifest ------------------------------------------------------


def test_pre_commit_manifest() -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = {h["id"]: h for h in clientlib.load_manifest(str(PROJECT / ".pre-commit-hooks.yaml"))}
    assert list(hooks) == [
        "metawsm-policy",
        "metawsm-pre-commit",
        "metawsm-commit-msg",
        "metawsm-pre-push",
    ]
    assert hooks["metawsm-policy"]["entry"] == "metawsm-hooks validate"
    assert hooks["metawsm-pre-commit"]["stages"] == ["pre-commit"]
    assert hooks["metawsm-commit-msg"]["stages"] == ["commit-msg"]
    assert hooks["metawsm-pre-push"]["stages"] == ["pre-push"]
    # commit-msg gets the message file as its only file name.
    assert hooks["metawsm-commit-msg"]["pass_filenames"] is True
    assert not hooks["metawsm-pre-commit"]["pass_filenames"]
    assert not hooks["metawsm-pre-push"]["pass_filenames"]
    assert all(h["language"] == "python" and h["require_serial"] for h in hooks.values())
    import re

    policy_files = re.compile(hooks["metawsm-policy"]["files"])
    assert policy_files.search(".metawsm/policy.json")
    assert policy_files.search("services/api/.metawsm/policy.json")
    assert not policy_files.search("x.metawsm/policy.json")
    assert not policy_files.search(".metawsm/policy.json.bak")
