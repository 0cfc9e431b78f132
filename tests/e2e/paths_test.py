"""Odd paths through real commits and pushes with the hooks installed: spaces, newlines, tabs,
quotes, bytes that are not UTF-8, leading dashes, very long names, symlinks, folder patterns,
submodules, case variants and renames. A forbidden name is blocked and named however it is
spelt; an allowed one is committed byte for byte; the user's files are never touched."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import cast

import pytest

from metawsm_hooks.checks import quote_path
from testing.util import cli, commit_all, git, output, write, write_policy

BRANCH = "abc-1/repo/run-1"
LONG_DIR = "/".join(c * 200 for c in "abcd")  # four 200-byte segments
LONG = f"{LONG_DIR}/{'e' * 196}.txt"  # about 1000 bytes


def fs(name: bytes) -> str:
    """A path as the tool and pathlib hold it: bytes that are not UTF-8 as surrogates."""
    return os.fsdecode(name)


def commit(repo: Path, *args: str) -> tuple[int, str]:
    proc = git(repo, "commit", "-q", "-m", "ABC-1: change", *args, check=False)
    return proc.returncode, output(proc)


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").stdout.decode().strip()


def staged(repo: Path) -> set[bytes]:
    out = git(repo, "diff", "--cached", "--name-only", "-z", "--no-renames").stdout
    return set(filter(None, out.split(b"\0")))


def tree_names(repo: Path, rev: str = "HEAD") -> set[bytes]:
    out = git(repo, "ls-tree", "-r", "-z", "--name-only", rev).stdout
    return set(filter(None, out.split(b"\0")))


ALLOWED_NAMES = [
    b"with space.txt",
    b"new\nline.txt",
    b"tab\there.txt",
    b'double"quote.txt',
    b"single'quote.txt",
    b"back\\slash.txt",
    b"caf\xe9.txt",
    "ünïcödé ✓.txt".encode(),
    b"-rf.txt",
    b"--help",
    b"-rf.env",  # not `.env`: metawsm's patterns miss it
    b"star*q?[br].txt",
    LONG.encode(),
    b".env.d/readme.txt",
]

BLOCKED = [
    pytest.param(b"dir with space/.env", id="space-folder"),
    pytest.param(b"new\nline.pem", id="newline"),
    pytest.param(b"tab\t.key", id="tab"),
    pytest.param(b'double"quote.pem', id="double-quote"),
    pytest.param(b"caf\xe9.key", id="latin-1-byte"),
    pytest.param("clé.key".encode(), id="utf-8"),
    pytest.param(b"-rf/.env", id="leading-dash-folder"),
    pytest.param(b"--help.key", id="double-dash"),
    pytest.param(b"[br].pem", id="glob-characters"),
    pytest.param(f"{LONG_DIR}/.env".encode(), id="1000-byte-path"),
    pytest.param(b".env.local\n", id="trailing-newline"),
]


BLOCKED_NAMES = [cast(bytes, p.values[0]) for p in BLOCKED]


@pytest.mark.parametrize("name", BLOCKED)
def test_odd_forbidden_name_is_blocked_and_named(hooked: Path, name: bytes) -> None:
    repo = hooked
    write(repo, fs(name), b"SECRET=1\n")
    write(repo, "ok.txt", "fine\n")
    git(repo, "add", "-A")
    before = head(repo)
    code, text = commit(repo)
    assert code != 0
    assert "Traceback" not in text
    assert f"forbidden files detected: {quote_path(fs(name))}" in text
    assert "\n" not in quote_path(fs(name))  # one finding, one line
    assert head(repo) == before
    assert staged(repo) == {name, b"ok.txt"}  # nothing unstaged, stashed or lost
    assert (repo / fs(name)).read_bytes() == b"SECRET=1\n"


def test_unprintable_names_are_shown_as_git_quotes_them() -> None:
    assert quote_path(fs(b"new\nline.pem")) == '"new\\nline.pem"'
    assert quote_path(fs(b"caf\xe9.key")) == '"caf\\351.key"'
    assert quote_path(fs(b"tab\t.key")) == '"tab\\t.key"'


@pytest.mark.parametrize("quote", ["true", "false"], ids=["quotePath-on", "quotePath-off"])
def test_all_odd_names_in_one_commit_whatever_core_quotepath_says(hooked: Path, quote: str) -> None:
    """The hook reads names with -z: git's display setting changes nothing. Every forbidden
    name is listed, in one line, and nothing else is."""
    git(hooked, "config", "core.quotePath", quote)
    allowed, blocked = ALLOWED_NAMES, BLOCKED_NAMES
    for name in [*allowed, *blocked]:
        write(hooked, fs(name))
    git(hooked, "add", "-A")
    before = head(hooked)
    code, text = commit(hooked)
    assert code != 0
    [line] = [line for line in text.splitlines() if line.startswith("forbidden_files")]
    listed = sorted((fs(n) for n in blocked), key=os.fsencode)
    assert line.endswith("forbidden files detected: " + ", ".join(map(quote_path, listed)))
    assert head(hooked) == before
    assert staged(hooked) == {*allowed, *blocked}
    git(hooked, "--literal-pathspecs", "rm", "-q", "--cached", "--", *(fs(n) for n in blocked))
    code, text = commit(hooked)
    assert code == 0, text
    assert tree_names(hooked) >= set(allowed)  # each allowed name committed byte for byte
    for name in [*allowed, *blocked]:
        assert (hooked / fs(name)).read_bytes() == b"x\n"  # and every file left as it was


def test_every_odd_name_at_once_reaches_a_temporary_checkout(
    hooked: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tests check runs in a checkout holding exactly the committed names, which is removed
    afterwards."""
    listing = tmp_path / "listing"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    # The checkout is a git checkout: its .git folder is not part of the tree.
    command = f"find . -path ./.git -prune -o -type f -print0 > {shlex.quote(str(listing))}"
    write_policy(
        hooked, {"required_checks": ["tests", "forbidden_files"], "test_commands": [command]}
    )
    commit_all(hooked, "ABC-1: policy")
    for name in ALLOWED_NAMES:
        write(hooked, fs(name), b"x\n")
    git(hooked, "add", "-A")
    write(hooked, "untracked.txt")  # forces the temporary checkout
    proc = git(hooked, "commit", "-q", "-m", "ABC-1: odd names", check=False)
    assert proc.returncode == 0, output(proc)
    found = {entry.removeprefix(b"./") for entry in listing.read_bytes().split(b"\0") if entry}
    assert found == tree_names(hooked)
    assert b"untracked.txt" not in found
    assert os.listdir(scratch) == []


# --- symlinks ------------------------------------------------------------------------------------


def test_symlink_named_env_is_blocked(hooked: Path, tmp_path: Path) -> None:
    target = tmp_path / "outside-secret"
    target.write_text("SECRET=1\n")
    (hooked / ".env").symlink_to(target)
    git(hooked, "add", ".env")
    code, text = commit(hooked)
    assert code != 0
    assert "forbidden files detected: .env" in text
    assert target.read_text() == "SECRET=1\n"


def test_symlink_pointing_at_a_forbidden_name_is_allowed(hooked: Path) -> None:
    """metawsm's rule is about the names that change: a link called ``config`` is not ``.env``."""
    (hooked / "config").symlink_to(".env")
    git(hooked, "add", "config")
    code, text = commit(hooked)
    assert code == 0, text


def test_temporary_checkout_never_follows_symlinks_out(hooked: Path, tmp_path: Path) -> None:
    """Removing the checkout removes the links, never what they point at."""
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("keep\n")
    write_policy(
        hooked, {"required_checks": ["tests", "forbidden_files"], "test_commands": ["true"]}
    )
    commit_all(hooked, "ABC-1: policy")
    (hooked / "to-folder").symlink_to(precious)
    (hooked / "to-file").symlink_to(precious / "keep.txt")
    git(hooked, "add", "to-folder", "to-file")
    write(hooked, "untracked.txt")
    code, text = commit(hooked)
    assert code == 0, text
    assert (precious / "keep.txt").read_text() == "keep\n"
    assert sorted(os.listdir(precious)) == ["keep.txt"]


# --- folder patterns and submodules --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "blocked"),
    [
        pytest.param("secrets/a/b.txt", True, id="deep-under-folder"),
        pytest.param("secrets/x", True, id="directly-under-folder"),
        pytest.param("secrets", True, id="file-named-like-the-folder"),
        pytest.param("secrets.txt", False, id="prefix-is-not-a-folder"),
        pytest.param("not-secrets/a.txt", False, id="other-folder"),
        pytest.param("a/secrets/b.txt", False, id="nested-folder-of-that-name"),
    ],
)
def test_folder_pattern(hooked: Path, path: str, blocked: bool) -> None:
    """metawsm: the pattern less its trailing ``/`` is the path or one of its parent folders
    (a path from the repository root, not a folder name anywhere)."""
    write_policy(
        hooked, {"required_checks": ["forbidden_files"], "forbidden_file_patterns": ["secrets/"]}
    )
    commit_all(hooked, "ABC-1: policy")
    write(hooked, path)
    git(hooked, "add", "-A")
    code, text = commit(hooked)
    assert (code != 0) is blocked, text
    if blocked:
        assert f"forbidden files detected: {path}" in text


@pytest.fixture
def library(tmp_path: Path) -> Path:
    lib = tmp_path / "library"
    lib.mkdir()
    git(lib, "init", "-q", "-b", "main")
    write(lib, "lib.txt")
    commit_all(lib, "lib")
    return lib


@pytest.mark.parametrize(
    ("path", "patterns", "blocked"),
    [
        pytest.param("secrets", ["secrets/"], True, id="folder-pattern"),
        pytest.param("vendor/id_rsa", ["id_rsa"], True, id="base-name-pattern"),
        pytest.param("vendor/lib", ["secrets/", "*.pem"], False, id="no-match"),
    ],
)
def test_submodule_path_matching_a_pattern(
    hooked: Path, library: Path, path: str, patterns: list[str], blocked: bool
) -> None:
    write_policy(
        hooked, {"required_checks": ["forbidden_files"], "forbidden_file_patterns": patterns}
    )
    commit_all(hooked, "ABC-1: policy")
    git(hooked, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), path)
    before = head(hooked)
    code, text = commit(hooked)
    assert (code != 0) is blocked, text
    if blocked:
        assert f"forbidden files detected: {path}" in text
        assert head(hooked) == before
        assert path.encode() in staged(hooked)
    assert (hooked / path / "lib.txt").exists()  # the submodule's checkout is untouched


# --- case ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "patterns", "blocked"),
    [
        pytest.param(".ENV", None, False, id="upper-case-env-default-patterns"),
        pytest.param("KEY.PEM", None, False, id="upper-case-extension"),
        pytest.param("ID_RSA", None, False, id="upper-case-id-rsa"),
        pytest.param(".Env.local", None, False, id="mixed-case-env-dot"),
        pytest.param(".ENV", [".[eE][nN][vV]"], True, id="class-pattern-catches-case"),
        pytest.param("KEY.PEM", ["*.[pP][eE][mM]"], True, id="class-pattern-extension"),
        pytest.param(".env", [".ENV"], False, id="upper-pattern-misses-lower"),
    ],
)
def test_case_is_significant_as_in_metawsm(
    hooked: Path, path: str, patterns: list[str] | None, blocked: bool
) -> None:
    """metawsm matches with Go's filepath.Match, which is case-sensitive: ``.ENV`` is not
    ``.env``. A policy that wants both says so with a class."""
    if patterns is not None:
        write_policy(
            hooked, {"required_checks": ["forbidden_files"], "forbidden_file_patterns": patterns}
        )
        commit_all(hooked, "ABC-1: policy")
    write(hooked, path, "SECRET=1\n")
    git(hooked, "add", "-A")
    code, text = commit(hooked)
    assert (code != 0) is blocked, text


# --- renames -------------------------------------------------------------------------------------


def test_renaming_a_forbidden_file_to_a_safe_name_is_allowed(hooked: Path) -> None:
    write(hooked, ".env", "A=1\n")
    commit_all(hooked, "ABC-1: legacy env")  # in history from before the hooks
    git(hooked, "mv", ".env", "config.txt")
    code, text = commit(hooked)
    assert code == 0, text
    assert b".env" not in tree_names(hooked)


def test_renaming_a_safe_file_to_a_forbidden_name_is_blocked(hooked: Path) -> None:
    write(hooked, "notes.txt", "A=1\n")
    commit_all(hooked, "ABC-1: notes")
    git(hooked, "mv", "notes.txt", ".env")
    before = head(hooked)
    code, text = commit(hooked)
    assert code != 0
    assert "forbidden files detected: .env" in text
    assert head(hooked) == before
    assert (hooked / ".env").read_text() == "A=1\n"


def test_renaming_into_a_forbidden_folder_is_blocked(hooked: Path) -> None:
    write_policy(
        hooked, {"required_checks": ["forbidden_files"], "forbidden_file_patterns": ["secrets/"]}
    )
    write(hooked, "notes.txt")
    commit_all(hooked, "ABC-1: notes")
    (hooked / "secrets").mkdir()
    git(hooked, "mv", "notes.txt", "secrets/notes.txt")
    code, text = commit(hooked)
    assert code != 0
    assert "forbidden files detected: secrets/notes.txt" in text


# --- pushes --------------------------------------------------------------------------------------


def remote_names(remote: Path) -> set[bytes]:
    proc = git(remote, "rev-parse", "-q", "--verify", BRANCH, check=False)
    return tree_names(remote, BRANCH) if proc.returncode == 0 else set()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(b"new\nline.txt", id="newline"),
        pytest.param(b"caf\xe9 space.txt", id="latin-1-and-space"),
        pytest.param(b"--help", id="double-dash"),
        pytest.param(LONG.encode(), id="1000-byte-path"),
    ],
)
def test_push_of_odd_allowed_names_is_accepted_and_recorded(
    pushable: tuple[Path, Path], name: bytes
) -> None:
    repo, remote = pushable
    write(repo, fs(name))
    sha = commit_all(repo, "ABC-1: odd")
    proc = git(repo, "push", "-q", "origin", BRANCH, check=False)
    assert proc.returncode == 0, output(proc)
    assert name in remote_names(remote)
    status = cli(repo, "status", "--format", "json")
    assert sha in status.stdout


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(b"new\nline.pem", id="newline"),
        pytest.param(b"caf\xe9.key", id="latin-1-byte"),
        pytest.param(b"-rf/.env", id="leading-dash-folder"),
        pytest.param(f"{LONG_DIR}/id_rsa".encode(), id="1000-byte-path"),
    ],
)
def test_push_of_odd_forbidden_names_is_rejected(pushable: tuple[Path, Path], name: bytes) -> None:
    repo, remote = pushable
    write(repo, fs(name))
    commit_all(repo, "ABC-1: secret")  # past the commit hook
    proc = git(repo, "push", "-q", "origin", BRANCH, check=False)
    assert proc.returncode != 0
    text = output(proc)
    assert "Traceback" not in text
    assert quote_path(fs(name)) in text
    assert remote_names(remote) == set()


def test_push_of_a_secret_renamed_away_before_the_push_is_rejected(
    pushable: tuple[Path, Path],
) -> None:
    """Renaming ``.env`` away locally does not clean the history being pushed."""
    repo, remote = pushable
    write(repo, ".env", "SECRET=1\n")
    commit_all(repo, "ABC-1: env")
    git(repo, "mv", ".env", "config.txt")
    commit_all(repo, "ABC-1: renamed")
    proc = git(repo, "push", "-q", "origin", BRANCH, check=False)
    assert proc.returncode != 0
    assert "forbidden files detected: .env" in output(proc)
    assert remote_names(remote) == set()


def test_push_of_a_rename_of_a_file_the_remote_has_is_accepted(
    pushable: tuple[Path, Path],
) -> None:
    repo, remote = pushable
    write(repo, ".env", "SECRET=1\n")
    commit_all(repo, "ABC-1: env")
    git(repo, "push", "-q", "--no-verify", "origin", BRANCH)  # already on the remote
    git(repo, "mv", ".env", "config.txt")
    commit_all(repo, "ABC-1: renamed")
    proc = git(repo, "push", "-q", "origin", BRANCH, check=False)
    assert proc.returncode == 0, output(proc)
    assert b"config.txt" in remote_names(remote)


def test_server_rejects_odd_forbidden_names(tmp_path: Path, on_path: None) -> None:
    remote = tmp_path / "srv" / "repo.git"
    remote.parent.mkdir()
    git(tmp_path, "init", "-q", "--bare", str(remote))
    assert cli(remote, "install", "--hook-type", "pre-receive").returncode == 0
    client = tmp_path / "client"
    git(tmp_path, "clone", "-q", str(remote), str(client))
    write_policy(client, {"required_checks": ["forbidden_files"]})
    write(client, fs(b"caf\xe9\nnew.key"))
    write(client, "ok.txt")
    commit_all(client, "ABC-1: secret")
    proc = git(client, "push", "origin", f"HEAD:refs/heads/{BRANCH}", check=False)
    assert proc.returncode != 0
    assert '"caf\\351\\nnew.key"' in output(proc)
    assert git(remote, "rev-parse", "-q", "--verify", BRANCH, check=False).returncode != 0
