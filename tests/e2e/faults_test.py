"""Faults while a hook runs: signals, a locked, read-only, corrupt or full store, a read-only
repository and hostile policy files. Each ends in one clear message and the right exit code,
with nothing of the user's lost and no record dropped or half-written."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from testing.util import CLI, cli, commit_all, git, output, write, write_policy

BRANCH = "abc-1/repo/run-1"
ZERO = "0" * 40


def store_of(repo: Path) -> Path:
    return repo / ".metawsm" / "metawsm.db"


def hook_runs(db: Path) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return list(conn.execute("SELECT * FROM hook_runs ORDER BY id"))


def integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def assert_one_clear_error(text: str, *needles: str) -> None:
    """No traceback; the cause is said once, on one ``error:`` line carrying every needle."""
    assert "Traceback" not in text, text
    errors = [line for line in text.splitlines() if "metawsm-hooks: error:" in line]
    assert len(errors) == 1, text
    for needle in needles:
        assert needle in errors[0], text


def is_gone(pid: int) -> bool:
    """The process no longer runs: it does not exist or is a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


def fresh_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """Make ``paths`` (recursively) read-only even for root; skip where that is impossible."""
    if os.geteuid() != 0:
        modes = {}
        for path in paths:
            for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
                if not item.is_symlink():
                    modes[item] = item.stat().st_mode
                    item.chmod(modes[item] & ~0o222)
        try:
            yield
        finally:
            for item, mode in modes.items():
                item.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("root ignores file modes and chattr is not installed")
    argv = [chattr, "-R"] if any(p.is_dir() for p in paths) else [chattr]
    done = subprocess.run([*argv, "+i", *map(str, paths)], capture_output=True)
    try:
        if done.returncode != 0:
            pytest.skip(f"chattr +i is not supported here: {done.stderr.decode().strip()}")
        yield
    finally:
        subprocess.run([*argv, "-i", *map(str, paths)], capture_output=True)


# --- signals -------------------------------------------------------------------------------------


@pytest.fixture
def slow_tests(hooked: Path, tmp_path: Path) -> dict[str, Path]:
    """``hooked`` whose test command records its pid, says it started, then sleeps; a staged
    change plus an unstaged edit, so the tests run in a temporary checkout."""
    marker = tmp_path / "started"
    pidfile = tmp_path / "sleep.pid"
    command = (
        f"echo $$ > {shlex.quote(str(pidfile))}; touch {shlex.quote(str(marker))}; exec sleep 30"
    )
    write_policy(
        hooked, {"required_checks": ["tests", "forbidden_files"], "test_commands": [command]}
    )
    commit_all(hooked, "ABC-1: slow tests")
    # A first run (tests skipped) creates the store with one row that must survive.
    proc = cli(hooked, "run", "pre-commit", env={"METAWSM_SKIP": "tests"})
    assert proc.returncode == 0, output(proc)
    write(hooked, "src/app.py", "print('staged')\n")
    git(hooked, "add", "src/app.py")
    write(hooked, "README.md", "unstaged edit\n")
    return {
        "repo": hooked,
        "marker": marker,
        "pidfile": pidfile,
        "tmp": fresh_dir(tmp_path / "scratch-tmp"),
    }


def user_state(repo: Path) -> tuple[str, bytes, bytes, str]:
    return (
        git(repo, "rev-parse", "HEAD").stdout.decode(),
        git(repo, "diff", "--cached", "--name-only", "-z").stdout
        + git(repo, "show", ":src/app.py").stdout,
        (repo / "README.md").read_bytes() + (repo / "src" / "app.py").read_bytes(),
        git(repo, "status", "--porcelain").stdout.decode(),
    )


@pytest.mark.parametrize(
    ("sig", "target"),
    [
        pytest.param(signal.SIGINT, "hook", id="sigint-hook"),
        pytest.param(signal.SIGTERM, "hook", id="sigterm-hook"),
        pytest.param(signal.SIGHUP, "hook", id="sighup-hook"),
        pytest.param(signal.SIGHUP, "git-commit-group", id="sighup-git-commit"),
        pytest.param(signal.SIGINT, "hook-group", id="ctrl-c-hook-group"),
        pytest.param(signal.SIGINT, "git-commit-group", id="ctrl-c-git-commit"),
        pytest.param(signal.SIGTERM, "git-commit-group", id="sigterm-git-commit"),
    ],
)
def test_signal_during_tests_cleans_up_everything(
    slow_tests: dict[str, Path], sig: signal.Signals, target: str
) -> None:
    repo, tmp = slow_tests["repo"], slow_tests["tmp"]
    db = store_of(repo)
    rows_before = hook_runs(db)
    state_before = user_state(repo)
    env = {**os.environ, "TMPDIR": str(tmp)}
    argv = (
        ["git", "commit", "-q", "-m", "ABC-1: change"]
        if target == "git-commit-group"
        else [CLI, "run", "pre-commit"]
    )
    proc = subprocess.Popen(
        argv,
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # a process group of its own, as a terminal's foreground job
    )
    try:
        assert wait_for(slow_tests["marker"].exists, 20), "the test command never started"
        assert os.listdir(tmp), "the tests were expected to run in a temporary checkout"
        started = time.monotonic()
        if target == "hook":
            os.kill(proc.pid, sig)
        else:
            os.killpg(proc.pid, sig)
        out, err = proc.communicate(timeout=10)
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    text = (out + err).decode("utf-8", "replace")
    assert proc.returncode != 0
    assert "Traceback" not in text, text
    if target != "git-commit-group":
        assert proc.returncode == 128 + sig
        assert err.decode().splitlines()[-1] == (
            "metawsm-hooks: error: interrupted; nothing was changed"
        )
        assert text.count("interrupted") == 1
    sleeper = int(slow_tests["pidfile"].read_text())
    # git may return before the orphaned hook has finished unwinding: allow it a moment.
    assert wait_for(lambda: is_gone(sleeper), 5), "the test command outlived the hook"
    assert wait_for(lambda: not os.listdir(tmp), 5), os.listdir(tmp)
    assert not (repo / ".git" / "index.lock").exists()
    assert user_state(repo) == state_before
    assert hook_runs(db)[: len(rows_before)] == rows_before
    assert integrity(db) == "ok"


def test_signal_during_pre_push_tests_cleans_up(
    slow_tests: dict[str, Path], tmp_path: Path
) -> None:
    repo, tmp = slow_tests["repo"], slow_tests["tmp"]
    git(repo, "commit", "-q", "--no-verify", "-m", "ABC-1: app")
    sha = git(repo, "rev-parse", "HEAD").stdout.decode().strip()
    remote = tmp_path / "acme" / "repo.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    line = f"refs/heads/{BRANCH} {sha} refs/heads/{BRANCH} {ZERO}\n".encode()
    rows_before = hook_runs(store_of(repo))
    stdin = tmp_path / "pre-push.stdin"
    stdin.write_bytes(line)
    with open(stdin, "rb") as feed:
        proc = subprocess.Popen(
            [CLI, "run", "pre-push", "origin", str(remote)],
            cwd=repo,
            env={**os.environ, "TMPDIR": str(tmp)},
            stdin=feed,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    try:
        assert wait_for(slow_tests["marker"].exists, 20)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + signal.SIGTERM
    assert_one_clear_error((out + err).decode(), "interrupted; nothing was changed")
    assert wait_for(lambda: is_gone(int(slow_tests["pidfile"].read_text())), 5)
    assert not os.listdir(tmp)
    assert hook_runs(store_of(repo))[: len(rows_before)] == rows_before
    with contextlib.closing(sqlite3.connect(store_of(repo))) as conn:
        # An interrupted push is not a recorded push: no row claims the commit went out.
        assert conn.execute("SELECT count(*) FROM run_pull_requests").fetchone()[0] == 0


# --- the store -----------------------------------------------------------------------------------


@pytest.fixture
def short_timeout(hooked: Path) -> Path:
    """``hooked`` with a committed policy whose store waits only 0.3 s for another process's
    write (the default, 10 s, would make every lock test wait that long); the policy file."""
    policy = write_policy(
        hooked,
        {"required_checks": ["tests", "forbidden_files"]},
        hooks={"store_busy_timeout_seconds": 0.3},
    )
    commit_all(hooked, "ABC-1: the store waits 0.3 s")
    return policy


@pytest.fixture
def pushed_once(pushable: tuple[Path, Path]) -> tuple[Path, Path]:
    """``pushable`` with the branch pushed once through the hooks (so the store exists) and one
    more commit to push."""
    hooked, remote = pushable
    write(hooked, "a.txt")
    commit_all(hooked, "ABC-1: a")
    proc = git(hooked, "push", "-q", "origin", BRANCH, check=False)  # creates the store
    assert proc.returncode == 0, output(proc)
    write(hooked, "b.txt")
    commit_all(hooked, "ABC-1: b")
    return hooked, remote


def pr_rows(db: Path) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return list(conn.execute("SELECT * FROM run_pull_requests ORDER BY run_id"))


def remote_head(remote: Path) -> str:
    return git(remote, "rev-parse", "-q", "--verify", BRANCH, check=False).stdout.decode().strip()


@contextlib.contextmanager
def locked(db: Path) -> Iterator[None]:
    """Another process holds the store's write lock (as a long metawsm transaction would)."""
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as holder:
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("INSERT INTO hook_test_cache VALUES ('held', 't', '[]', 'now')")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")


def test_locked_store_blocks_the_push_unrecorded_and_a_retry_records_it(
    pushed_once: tuple[Path, Path], short_timeout: Path
) -> None:
    repo, remote = pushed_once
    db = store_of(repo)
    remote_before, prs_before, runs_before = remote_head(remote), pr_rows(db), hook_runs(db)
    with locked(db):
        started = time.monotonic()
        proc = git(repo, "push", "-q", "origin", BRANCH, check=False)
        # Well under the default 10 s busy timeout: the short setting is the one in force
        # (the margin is for a loaded machine; the push itself takes well under a second).
        assert time.monotonic() - started < 9
    assert proc.returncode != 0
    assert_one_clear_error(
        output(proc),
        f"cannot write the store {db}",
        "locked by another process for more than 0.3 s",
        "METAWSM_DB",
    )
    assert remote_head(remote) == remote_before  # never accepted unrecorded
    assert (pr_rows(db), hook_runs(db)) == (prs_before, runs_before)
    proc = git(repo, "push", "-q", "origin", BRANCH, check=False)
    assert proc.returncode == 0, output(proc)
    head = git(repo, "rev-parse", "HEAD").stdout.decode().strip()
    assert remote_head(remote) == head
    [row] = pr_rows(db)
    assert head in row
    assert hook_runs(db)[: len(runs_before)] == runs_before
    assert len(hook_runs(db)) == len(runs_before) + 1


def test_locked_store_blocks_a_commit_with_one_message(hooked: Path, short_timeout: Path) -> None:
    assert cli(hooked, "run", "pre-commit").returncode == 0
    db = store_of(hooked)
    runs_before = hook_runs(db)
    write(hooked, "x.txt")
    git(hooked, "add", "x.txt")
    head = git(hooked, "rev-parse", "HEAD").stdout
    with locked(db):
        proc = git(hooked, "commit", "-q", "-m", "ABC-1: x", check=False)
    assert proc.returncode != 0
    assert_one_clear_error(output(proc), str(db), "locked by another process")
    assert git(hooked, "rev-parse", "HEAD").stdout == head
    assert git(hooked, "diff", "--cached", "--name-only").stdout == b"x.txt\n"  # still staged
    assert hook_runs(db) == runs_before


def test_pr_record_waits_for_a_locked_store_as_long_as_the_policy_says(
    hooked: Path, short_timeout: Path
) -> None:
    assert cli(hooked, "run", "pre-commit").returncode == 0
    db = store_of(hooked)
    with locked(db):
        proc = cli(hooked, "pr", "record", "--url", "https://github.com/acme/repo/pull/7")
    assert proc.returncode == 1
    assert_one_clear_error(output(proc), str(db), "locked by another process for more than 0.3 s")
    assert pr_rows(db) == []


def test_locked_store_with_the_default_timeout(hooked: Path) -> None:
    """The one test that waits the real busy timeout: it is honoured, then the hook gives up."""
    assert cli(hooked, "run", "pre-commit").returncode == 0
    db = store_of(hooked)
    runs_before = hook_runs(db)
    with locked(db):
        started = time.monotonic()
        proc = cli(hooked, "run", "pre-commit")
        waited = time.monotonic() - started
    assert proc.returncode == 1
    assert 9.5 < waited < 20
    assert_one_clear_error(output(proc), str(db), "for more than 10 s")
    assert hook_runs(db) == runs_before


def test_ctrl_c_while_waiting_on_a_locked_store_acts_at_once(hooked: Path) -> None:
    """SQLite waits for a lock in C; the hook waits in slices, so Ctrl-C is not held back for
    the 10 s busy timeout."""
    assert cli(hooked, "run", "pre-commit").returncode == 0
    db = store_of(hooked)
    write(hooked, "x.txt")
    git(hooked, "add", "x.txt")
    with locked(db):
        proc = subprocess.Popen(
            ["git", "commit", "-q", "-m", "ABC-1: x"],
            cwd=hooked,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            time.sleep(1.5)  # the hook is waiting on the lock by now
            started = time.monotonic()
            os.killpg(proc.pid, signal.SIGINT)
            _, err = proc.communicate(timeout=10)
            waited = time.monotonic() - started
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode != 0
    assert waited < 2, waited
    assert b"Traceback" not in err


@pytest.mark.parametrize(
    "stage", [pytest.param("pre-commit", id="commit"), pytest.param("pre-push", id="push")]
)
def test_read_only_store_file(pushed_once: tuple[Path, Path], stage: str) -> None:
    repo, remote = pushed_once
    db = store_of(repo)
    before = (pr_rows(db), hook_runs(db), remote_head(remote))
    with immutable(db):
        if stage == "pre-commit":
            write(repo, "c.txt")
            git(repo, "add", "c.txt")
            proc = git(repo, "commit", "-q", "-m", "ABC-1: c", check=False)
        else:
            proc = git(repo, "push", "-q", "origin", BRANCH, check=False)
    assert proc.returncode != 0
    assert_one_clear_error(output(proc), f"cannot write the store {db}", "read-only", "METAWSM_DB")
    assert (pr_rows(db), hook_runs(db), remote_head(remote)) == before
    assert integrity(db) == "ok"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param("garbage", id="not-sqlite"),
        pytest.param("truncated", id="truncated"),
        pytest.param("empty-header", id="zeroed-header"),
    ],
)
def test_corrupt_store_blocks_and_is_left_as_it_was(
    pushed_once: tuple[Path, Path], damage: str
) -> None:
    repo, remote = pushed_once
    db = store_of(repo)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db.read_bytes()
    if damage == "garbage":
        data = os.urandom(len(data))
    elif damage == "truncated":
        data = data[:100]
    else:
        data = b"\0" * 100 + data[100:]
    db.write_bytes(data)
    remote_before = remote_head(remote)
    proc = git(repo, "push", "-q", "origin", BRANCH, check=False)
    assert proc.returncode != 0
    assert_one_clear_error(output(proc), str(db), "move it aside", "METAWSM_DB")
    assert remote_head(remote) == remote_before
    assert db.read_bytes() == data  # the damaged file is the user's evidence: kept as it is
    status = cli(repo, "status")
    assert status.returncode == 1
    assert_one_clear_error(output(status), str(db), "corrupt")
    # The way out the message gives works.
    db.rename(db.with_name("metawsm.db.broken"))
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    proc = git(repo, "push", "-q", "origin", BRANCH, check=False)
    assert proc.returncode == 0, output(proc)
    assert len(pr_rows(db)) == 1


@contextlib.contextmanager
def tiny_disk(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def fill(folder: Path) -> Path:
    """Take every free byte of the file system holding ``folder``."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    assert os.statvfs(folder).f_bavail == 0
    return filler


def test_full_disk_blocks_with_one_message_and_keeps_the_records(
    hooked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tiny_disk(tmp_path / "disk", "1m") as disk:
        db = disk / "metawsm.db"
        monkeypatch.setenv("METAWSM_DB", str(db))
        for _ in range(2):
            proc = cli(hooked, "run", "pre-commit")
            assert proc.returncode == 0, output(proc)
        runs_before = hook_runs(db)
        filler = fill(disk)
        # A report large enough to need new pages: the commit is blocked, not recorded half.
        write(hooked, "wide.txt", "x" * 10)
        git(hooked, "add", "wide.txt")
        for _ in range(2):
            proc = cli(hooked, "run", "pre-commit", env={"METAWSM_SKIP": "x" * 20000})
            assert proc.returncode == 1, output(proc)
            text = output(proc).replace("x" * 20000, "x")
            assert_one_clear_error(text, f"the store {db}", "disk is full", "free some space")
        filler.unlink()
        assert hook_runs(db) == runs_before
        assert integrity(db) == "ok"
        proc = cli(hooked, "run", "pre-commit")
        assert proc.returncode == 0, output(proc)
        assert len(hook_runs(db)) == len(runs_before) + 1


def test_full_disk_while_the_store_is_created(
    hooked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tiny_disk(tmp_path / "disk", "64k") as disk:
        db = disk / "metawsm.db"
        monkeypatch.setenv("METAWSM_DB", str(db))
        for _ in range(2):  # the second run finds what the first could not finish
            proc = cli(hooked, "run", "pre-commit")
            assert proc.returncode == 1, output(proc)
            assert_one_clear_error(output(proc), f"the store {db}", "disk is full")


def test_full_disk_for_the_temporary_checkout(hooked: Path, tmp_path: Path) -> None:
    """No room for the checkout the tests need: one line, and nothing half-written left."""
    write_policy(
        hooked, {"required_checks": ["tests", "forbidden_files"], "test_commands": ["true"]}
    )
    commit_all(hooked, "ABC-1: tests")
    write(hooked, "big.bin", os.urandom(400_000))
    git(hooked, "add", "big.bin")
    write(hooked, "untracked.txt")  # forces the temporary checkout
    with tiny_disk(tmp_path / "disk", "256k") as disk:
        proc = cli(hooked, "run", "pre-commit", env={"TMPDIR": str(disk)})
        left = os.listdir(disk)
    assert proc.returncode == 2, output(proc)
    assert_one_clear_error(output(proc), "big.bin")
    assert left == []
    assert (hooked / "untracked.txt").exists()


def test_read_only_folder_for_the_store(
    hooked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = fresh_dir(tmp_path / "ro")
    monkeypatch.setenv("METAWSM_DB", str(folder / "metawsm.db"))
    with immutable(folder):
        proc = cli(hooked, "run", "pre-commit")
    assert proc.returncode == 1
    assert_one_clear_error(output(proc), str(folder / "metawsm.db"), "read-only")
    assert list(folder.iterdir()) == []


# --- a read-only repository ----------------------------------------------------------------------


def test_read_only_git_folder(hooked: Path, tmp_path: Path) -> None:
    """Nothing a hook reads needs to write into .git: pushes still work; commands that must write
    there (install, a write-tree) fail with one line, exit 2."""
    remote = tmp_path / "acme" / "repo.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    write_policy(
        hooked, {"required_checks": ["tests", "forbidden_files"], "test_commands": ["true"]}
    )
    write(hooked, "a.txt")
    sha = commit_all(hooked, "ABC-1: a")
    assert cli(hooked, "run", "pre-commit").returncode == 0  # the store, outside .git
    runs_before = hook_runs(store_of(hooked))
    tmp = fresh_dir(tmp_path / "scratch-tmp")
    line = f"refs/heads/{BRANCH} {sha} refs/heads/{BRANCH} {ZERO}\n".encode()
    with immutable(hooked / ".git"):
        push = cli(
            hooked, "run", "pre-push", "origin", str(remote), input=line, env={"TMPDIR": str(tmp)}
        )
        install = cli(hooked, "install", "--hook-type", "prepare-commit-msg")
        write(hooked, "b.txt")  # untracked: the tests need the index's tree id and a checkout
        commit = cli(hooked, "run", "pre-commit", env={"TMPDIR": str(tmp)})
    assert push.returncode == 0, output(push)
    assert install.returncode == 2
    assert_one_clear_error(output(install), "cannot install", "prepare-commit-msg")
    # git itself cannot commit without writing to .git; the hook may need to as well (to learn
    # the index's tree id), and then says so in one line.
    assert commit.returncode in (0, 2), output(commit)
    if commit.returncode == 2:
        assert_one_clear_error(output(commit), str(hooked / ".git"))
    assert "Traceback" not in output(commit)
    runs = hook_runs(store_of(hooked))
    assert runs[: len(runs_before)] == runs_before
    assert len(runs) == len(runs_before) + 1 + (commit.returncode == 0)
    assert not os.listdir(tmp)


def test_index_lock_held_by_another_git_process(hooked: Path) -> None:
    """The hook only reads the index: a lock another git process holds does not stop it."""
    write_policy(
        hooked, {"required_checks": ["tests", "forbidden_files"], "test_commands": ["true"]}
    )
    commit_all(hooked, "ABC-1: tests")
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    index = (hooked / ".git" / "index").read_bytes()
    lock = hooked / ".git" / "index.lock"
    lock.write_bytes(b"")  # as git leaves it while it rewrites the index
    try:
        proc = cli(hooked, "run", "pre-commit")
    finally:
        lock.unlink()
    assert (hooked / ".git" / "index").read_bytes() == index
    assert "Traceback" not in output(proc)
    assert proc.returncode == 0, output(proc)


def test_read_only_server_repository_rejects_the_push(tmp_path: Path, on_path: None) -> None:
    """pre-receive cannot record into a read-only bare repository: the push is refused."""
    remote = tmp_path / "srv" / "repo.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    client = tmp_path / "client"
    git(tmp_path, "init", "-q", "-b", "main", str(client))
    write_policy(client, {"required_checks": ["forbidden_files"]})
    sha = commit_all(client, "init")
    line = f"{ZERO} {sha} refs/heads/abc-1/repo/run-1\n".encode()
    git(client, "push", "-q", str(remote), "main")  # the objects reach the server
    with immutable(remote):
        proc = cli(remote, "run", "pre-receive", input=line)
    assert proc.returncode == 1
    assert_one_clear_error(output(proc), str(remote / "metawsm" / "metawsm.db"))


# --- hostile policy files ------------------------------------------------------------------------


def hostile_policy(kind: str, folder: Path) -> Path:
    path = folder / f"policy-{kind}.json"
    if kind == "directory":
        path.mkdir()
        (path / "policy.json").write_text("{}")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "huge":
        with open(path, "wb") as handle:
            handle.write(b'{"pad": "' + b"x" * (10 * 1024 * 1024) + b'"}')
    elif kind == "deep":
        path.write_bytes(b"[" * 100_000)
    elif kind == "deep-object":
        path.write_bytes(b'{"a":' * 100_000)
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif kind == "dangling-symlink":
        path.symlink_to(folder / "nowhere")
    return path


HOSTILE = {
    "directory": "is a directory",
    "fifo": "not a regular file",
    "huge": "larger than 5 MiB",
    "deep": "max depth",
    "deep-object": "max depth",
    "binary": "invalid",
    "dangling-symlink": "not found",
}
# Every kind through `validate` and a hook's --policy; the ones that could hang or recurse
# (a fifo, deep nesting) through every way a policy path is given.
HOSTILE_CASES = [
    *(
        pytest.param(kind, how, id=f"{kind}-{how}")
        for kind in HOSTILE
        for how in ("validate", "flag")
    ),
    *(
        pytest.param(kind, how, id=f"{kind}-{how}")
        for kind in ("fifo", "deep")
        for how in ("env", "branch-check", "pre-push-flag")
    ),
]


@pytest.mark.parametrize(("kind", "how"), HOSTILE_CASES)
def test_hostile_policy_file(hooked: Path, tmp_path: Path, kind: str, how: str) -> None:
    reason = HOSTILE[kind]
    path = hostile_policy(kind, fresh_dir(tmp_path / "policies"))
    assert cli(hooked, "run", "pre-commit").returncode == 0
    runs_before = hook_runs(store_of(hooked))
    args: tuple[str, ...]
    env: dict[str, str] = {}
    sha = git(hooked, "rev-parse", "HEAD").stdout.decode().strip()
    stdin = f"refs/heads/{BRANCH} {sha} refs/heads/{BRANCH} {ZERO}\n".encode()
    if how == "validate":
        args = ("validate", str(path))
    elif how == "flag":
        args = ("run", "pre-commit", "--policy", str(path))
    elif how == "env":
        args, env = ("run", "pre-commit"), {"METAWSM_POLICY": str(path)}
    elif how == "pre-push-flag":
        args = ("run", "pre-push", "--policy", str(path), "origin", str(tmp_path / "remote.git"))
    else:
        args, env = ("branch", "check"), {"METAWSM_POLICY": str(path)}
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [CLI, *args],
            cwd=hooked,
            env={**os.environ, **env},
            input=stdin if how == "pre-push-flag" else b"",
            capture_output=True,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{how} hung on a {kind} policy")
    assert time.monotonic() - started < 10
    text = output(proc)
    assert proc.returncode == 1, text
    assert "Traceback" not in text
    errors = [line for line in text.splitlines() if "error:" in line]
    assert errors and reason in errors[0], text
    assert str(path) in errors[0]
    assert len(text) < 2000  # the 10 MB file is not echoed back
    runs = hook_runs(store_of(hooked))
    assert runs[: len(runs_before)] == runs_before
    if how in ("flag", "env", "pre-push-flag"):
        # A blocked commit or push is still audited, as invalid-policy.
        assert len(runs) == len(runs_before) + 1
        assert runs[-1][6] == "invalid-policy"


@pytest.mark.parametrize(
    ("content", "blocked"),
    [
        pytest.param(b"[" * 100_000, True, id="nested-100k"),
        pytest.param(b"\xff\xfe{\0}\0", True, id="utf16"),
        pytest.param(
            b'{"git_pr": {"required_checks": ["forbidden_files"]}, "pad": "'
            + b"x" * (10 * 1024 * 1024)
            + b'"}',
            False,
            id="huge-10MB-but-valid",
        ),
    ],
)
def test_hostile_policy_in_the_commit(hooked: Path, content: bytes, blocked: bool) -> None:
    """The policy a commit enforces is the one in its index: a hostile one blocks that commit
    with the problem named, or (valid, however large) is enforced, and never hangs."""
    write(hooked, ".metawsm/policy.json", content)
    write(hooked, ".env", "SECRET=1\n")
    git(hooked, "add", "-A")
    started = time.monotonic()
    proc = git(hooked, "commit", "-q", "-m", "ABC-1: p", check=False)
    assert time.monotonic() - started < 15
    text = output(proc)
    assert proc.returncode != 0  # either the policy or the forbidden .env blocks it
    assert "Traceback" not in text
    if blocked:
        assert ".metawsm/policy.json (tracked: staged)" in text and "is invalid" in text
    else:
        assert "forbidden files detected: .env" in text
    assert len(text) < 4000


def test_policy_that_is_a_folder_in_the_commit(hooked: Path) -> None:
    """A folder where the policy file belongs is not "no policy" (metawsm cannot read it)."""
    (hooked / ".metawsm" / "policy.json").unlink()
    write(hooked, ".metawsm/policy.json/inner.json", "{}\n")
    git(hooked, "add", "-A")
    proc = git(hooked, "commit", "-q", "-m", "ABC-1: p", check=False)
    text = output(proc)
    assert "Traceback" not in text
    assert proc.returncode != 0, text
    assert "is a directory" in text


def test_corrupt_policy_cache_is_ignored(hooked: Path, isolated_git: Path) -> None:
    """The parsed-policy cache only saves time: garbage in it changes nothing."""
    write(hooked, ".env", "SECRET=1\n")
    git(hooked, "add", ".env")
    first = cli(hooked, "run", "pre-commit")
    cache = isolated_git / ".cache"
    entries = [p for p in cache.rglob("*") if p.is_file()]
    assert entries, "expected the policy cache to hold an entry"
    for entry in entries:
        entry.write_bytes(b"\x80\x05garbage" + os.urandom(64))
    second = cli(hooked, "run", "pre-commit")
    assert (
        (second.returncode, second.stdout)
        == (first.returncode, first.stdout)
        == (
            1,
            first.stdout,
        )
    )
    assert "Traceback" not in output(second)


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_planted_in_the_policy_cache_never_runs(
    hooked: Path, isolated_git: Path, tmp_path: Path
) -> None:
    """A shared cache folder (a CI cache, a shared HOME) holds whatever someone put there: the
    cache is JSON data only, so a planted pickle is never loaded, through a real git commit."""
    import pickle

    assert cli(hooked, "run", "pre-commit").returncode == 0
    folder = isolated_git / ".cache" / "metawsm-hooks" / "policy"
    entries = [p for p in folder.iterdir() if p.is_file()]
    assert entries
    marker = tmp_path / "ran"
    for entry in entries:
        entry.write_bytes(pickle.dumps(_Payload(marker)))
        entry.with_suffix(".pickle").write_bytes(pickle.dumps(_Payload(marker)))
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    proc = git(hooked, "commit", "-q", "-m", "ABC-1: a", check=False)
    assert proc.returncode == 0, output(proc)
    assert not marker.exists()


def test_sigkill_of_the_hook_leaves_no_test_command_and_the_next_run_cleans_up(
    slow_tests: dict[str, Path],
) -> None:
    """Out-of-memory kills and CI cancels end the hook without unwinding: the test command dies
    with it (watchdog), and the next run that needs a temporary checkout removes the old one."""
    repo, tmp = slow_tests["repo"], slow_tests["tmp"]
    env = {**os.environ, "TMPDIR": str(tmp)}

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [CLI, "run", "pre-commit"],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    proc = start()
    try:
        assert wait_for(slow_tests["marker"].exists, 20), "the test command never started"
        sleeper = int(slow_tests["pidfile"].read_text())
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert wait_for(lambda: is_gone(sleeper), 5), "the test command outlived the killed hook"
    (left,) = os.listdir(tmp)  # SIGKILL cannot be caught: the checkout stays, for now
    slow_tests["marker"].unlink()
    proc = start()
    try:
        assert wait_for(slow_tests["marker"].exists, 20), "the test command never started"
        assert left not in os.listdir(tmp), "the killed run's checkout was not removed"
        os.kill(proc.pid, signal.SIGINT)
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert wait_for(lambda: not os.listdir(tmp), 5), os.listdir(tmp)


@pytest.mark.parametrize(
    ("redirect", "blocked"),
    [
        pytest.param("2>&-", False, id="stderr-closed-passing"),
        pytest.param("2>&-", True, id="stderr-closed-blocked"),
        pytest.param(">&-", True, id="stdout-closed-blocked"),
        pytest.param(">/dev/full", False, id="stdout-full-passing"),
        pytest.param(">/dev/full 2>/dev/full", True, id="both-full-blocked"),
    ],
)
def test_closed_or_full_output_keeps_the_verdict(
    hooked: Path, redirect: str, blocked: bool
) -> None:
    """``git commit 2>&-`` or output to /dev/full: the hook still decides, the exit code says
    what it decided, and nothing crashes or lands in the store."""
    assert cli(hooked, "run", "pre-commit").returncode == 0
    db = store_of(hooked)
    runs = len(hook_runs(db))
    write(hooked, ".env" if blocked else "ok.txt", "x\n")
    git(hooked, "add", "-A")
    script = f"exec 3>&1; git commit -q -m 'ABC-1: change' {redirect}; echo status=$? >&3"
    proc = subprocess.run(["/bin/bash", "-c", script], cwd=hooked, capture_output=True, check=False)
    status = int(proc.stdout.decode().rpartition("status=")[2])
    assert (status != 0) == blocked, output(proc)
    assert b"Traceback" not in proc.stdout + proc.stderr
    assert b"internal error" not in proc.stdout + proc.stderr
    # pre-commit's row, and commit-msg's when the commit went on to it.
    assert len(hook_runs(db)) == runs + (1 if blocked else 2)
    assert integrity(db) == "ok"
