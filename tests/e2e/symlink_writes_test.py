"""Nothing the repository controls redirects the tool's own writes: a committed symlink as the
store, one of its side files, the ``.metawsm`` folder or the policy file is refused in one line,
through real ``git commit`` with the hooks installed; a symlinked policy is read only as a file
inside the tree."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, output, write, write_policy

BRANCH = "abc-1/repo/run-1"


@pytest.fixture
def hooked_repo(repo: Path, on_path: None) -> Path:
    write_policy(repo, {"required_checks": ["forbidden_files"]})
    write(repo, "README.md")
    commit_all(repo, "initial")
    git(repo, "checkout", "-q", "-b", BRANCH)
    assert cli(repo, "install").returncode == 0
    return repo


def other_database(tmp_path: Path) -> Path:
    """Another program's database, which must stay exactly as it is."""
    path = tmp_path / "elsewhere" / "app.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
    return path


def tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT name FROM sqlite_master ORDER BY name")]


def journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("PRAGMA journal_mode").fetchone()[0])


@pytest.mark.parametrize(
    "link",
    [
        pytest.param(".metawsm/metawsm.db", id="store-file"),
        pytest.param(".metawsm/metawsm.db-wal", id="wal-side-file"),
        pytest.param(".metawsm/metawsm.db-journal", id="journal-side-file"),
    ],
)
def test_a_committed_store_symlink_is_refused(hooked_repo: Path, tmp_path: Path, link: str) -> None:
    target = other_database(tmp_path)
    if not link.endswith(".db"):
        target = target.with_name(target.name + link.rpartition(".db")[2])
        target.write_bytes(b"")
    os.symlink(target, hooked_repo / link)
    git(hooked_repo, "add", "-f", link)
    write(hooked_repo, "a.txt")
    git(hooked_repo, "add", "a.txt")
    proc = git(hooked_repo, "commit", "-m", "ABC-1: change", check=False)
    assert proc.returncode != 0
    assert "refusing to write the store through the symlink" in output(proc)
    assert "Traceback" not in output(proc)
    db = tmp_path / "elsewhere" / "app.db"
    assert tables(db) == ["notes"]
    assert journal_mode(db) == "delete"


def test_a_symlinked_metawsm_folder_is_refused(hooked_repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    policy = (hooked_repo / ".metawsm" / "policy.json").read_bytes()
    git(hooked_repo, "rm", "-q", "-r", ".metawsm")
    (elsewhere / "policy.json").write_bytes(policy)
    os.symlink(elsewhere, hooked_repo / ".metawsm")
    git(hooked_repo, "add", ".metawsm")
    proc = git(hooked_repo, "commit", "-m", "ABC-1: link the folder", check=False)
    assert proc.returncode != 0
    assert "refusing to write the store through the symlink" in output(proc)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["policy.json"]


def test_init_force_never_writes_through_a_policy_symlink(
    hooked_repo: Path, tmp_path: Path
) -> None:
    bashrc = tmp_path / "home-standin" / ".bashrc"
    bashrc.parent.mkdir()
    bashrc.write_text("export PS1='$ '\n")
    policy = hooked_repo / ".metawsm" / "policy.json"
    policy.unlink()
    os.symlink(bashrc, policy)
    for command in (("init", "--force"), ("onboard", "--force")):
        proc = cli(hooked_repo, *command)
        assert proc.returncode == 1, output(proc)
        assert "refusing to write the policy through the symlink" in output(proc)
        assert len(output(proc).strip().splitlines()) >= 1
    assert bashrc.read_text() == "export PS1='$ '\n"


def test_a_policy_symlink_out_of_the_tree_is_reported_as_such(
    hooked_repo: Path, tmp_path: Path
) -> None:
    outside = write_policy(tmp_path / "outside", {"forbidden_file_patterns": []})
    policy = hooked_repo / ".metawsm" / "policy.json"
    policy.unlink()
    os.symlink(outside, policy)
    git(hooked_repo, "add", ".metawsm/policy.json")
    proc = git(hooked_repo, "commit", "-m", "ABC-1: link out", check=False)
    assert proc.returncode != 0
    assert "symlink that leads outside the tree" in output(proc)
    assert "is a directory" not in output(proc)


def test_a_policy_symlink_inside_the_tree_reads_its_target_blob(hooked_repo: Path) -> None:
    write_policy(hooked_repo / "conf", {"forbidden_file_patterns": ["*.secret"]})
    policy = hooked_repo / ".metawsm" / "policy.json"
    policy.unlink()
    os.symlink("../conf/.metawsm/policy.json", policy)
    write(hooked_repo, "x.secret")
    git(hooked_repo, "add", "-A")
    proc = git(hooked_repo, "commit", "-m", "ABC-1: secret", check=False)
    assert proc.returncode != 0
    assert "x.secret" in output(proc)
