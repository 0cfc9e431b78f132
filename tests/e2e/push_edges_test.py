"""Push edge cases through real git with the hooks installed: pushes by URL, what the ledger
records when git refuses a push, tags at blobs and trees, CI's zero "before", and a pre-push run
that receives no refs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from metawsm_hooks.stages.push_input import count_push_refspecs
from testing.util import cli, commit_all, git, output, write, write_policy

BRANCH = "abc-1/repo/run-1"
ZERO = "0" * 40


def rows(repo: Path) -> dict[str, dict[str, object]]:
    with sqlite3.connect(repo / ".metawsm" / "metawsm.db") as db:
        db.row_factory = sqlite3.Row
        found = db.execute("SELECT * FROM run_pull_requests").fetchall()
    return {str(r["head_branch"]): dict(r) for r in found}


def head(root: Path, rev: str = "HEAD") -> str:
    return git(root, "rev-parse", rev).stdout.decode().strip()


@pytest.fixture
def legacy(tmp_path: Path, on_path: None) -> tuple[Path, Path]:
    """main carries ``config/.env.example`` from before the policy; origin has main; the hooks
    are installed; the current branch forks from main."""
    repo = tmp_path / "work" / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    write(repo, "README.md", "hello\n")
    write(repo, "config/.env.example", "KEY=\n")
    commit_all(repo, "history from before the policy")
    write_policy(
        repo, {"required_checks": ["forbidden_files"]}, hooks={"exempt_branches": ["main"]}
    )
    commit_all(repo, "policy")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    assert cli(repo, "install").returncode == 0
    git(repo, "checkout", "-q", "-b", BRANCH)
    write(repo, "src/app.py", "print(1)\n")
    commit_all(repo, "ABC-1: app")
    return repo, remote


@pytest.mark.parametrize("spelling", ["absolute", "relative", "file-url"])
def test_push_by_url_of_a_named_remote_skips_what_it_has(
    legacy: tuple[Path, Path], spelling: str
) -> None:
    repo, remote = legacy
    url = {
        "absolute": str(remote),
        "relative": "../../remote.git",
        "file-url": f"file://{remote}",
    }[spelling]
    proc = git(repo, "push", url, BRANCH, check=False)
    assert proc.returncode == 0, output(proc)
    assert head(remote, BRANCH) == head(repo)


def test_push_by_url_no_remote_names_reads_the_remote(
    legacy: tuple[Path, Path], tmp_path: Path
) -> None:
    """No configured remote names the URL: what it has comes from the remote itself."""
    repo, remote = legacy
    other = tmp_path / "mirror.git"
    git(tmp_path, "clone", "-q", "--bare", str(remote), str(other))
    proc = git(repo, "push", str(other), BRANCH, check=False)
    assert proc.returncode == 0, output(proc)
    assert head(other, BRANCH) == head(repo)


def test_push_by_url_still_blocks_what_the_remote_lacks(legacy: tuple[Path, Path]) -> None:
    repo, remote = legacy
    write(repo, "deploy.pem", "key\n")
    commit_all(repo, "ABC-1: a key")
    proc = git(repo, "push", str(remote), BRANCH, check=False)
    assert proc.returncode == 1, output(proc)
    assert "deploy.pem" in output(proc) and "config/.env.example" not in output(proc)


def test_refused_push_moves_no_commit_sha(legacy: tuple[Path, Path]) -> None:
    """``git push origin A B`` with B blocked: git refuses both, so A's row does not move."""
    repo, remote = legacy
    assert git(repo, "push", "-q", "origin", BRANCH, check=False).returncode == 0
    delivered = head(repo)
    write(repo, "src/more.py", "print(2)\n")
    commit_all(repo, "ABC-1: more")
    git(repo, "checkout", "-q", "-b", "abc-2/repo/run-2", "main")
    write(repo, "id_rsa", "key\n")
    commit_all(repo, "ABC-2: a key")
    proc = git(repo, "push", "origin", BRANCH, "abc-2/repo/run-2", check=False)
    assert proc.returncode == 1, output(proc)
    assert head(remote, BRANCH) == delivered
    found = rows(repo)
    assert found[BRANCH]["commit_sha"] == delivered
    assert "not pushed" in str(found[BRANCH]["error_text"])
    assert "abc-2/repo/run-2" in str(found[BRANCH]["error_text"])
    assert found["abc-2/repo/run-2"]["commit_sha"] == ""
    assert "id_rsa" in str(found["abc-2/repo/run-2"]["error_text"])


@pytest.mark.parametrize("target", ["blob", "tree", "annotated-tree"])
def test_tag_at_a_blob_or_tree_is_exempt(legacy: tuple[Path, Path], target: str) -> None:
    repo, remote = legacy
    if target == "blob":
        git(repo, "tag", "t", "HEAD:README.md")
    elif target == "tree":
        git(repo, "tag", "t", "HEAD^{tree}")
    else:
        git(repo, "tag", "-a", "-m", "a tree", "t", "HEAD^{tree}")
    proc = git(repo, "push", "origin", "t", check=False)
    text = output(proc)
    assert proc.returncode == 0, text
    kind = "blob" if target == "blob" else "tree"
    assert f"points at a {kind}, not a commit; exempt" in text
    assert "fetch" not in text
    assert git(remote, "rev-parse", "--verify", "-q", "refs/tags/t", check=False).returncode == 0


def test_ci_with_zero_base_checks_what_no_other_branch_has(legacy: tuple[Path, Path]) -> None:
    repo, _ = legacy
    proc = cli(repo, "ci", "--base", ZERO, "--head", "HEAD", "--branch", BRANCH)
    text = output(proc)
    assert proc.returncode == 0, text
    assert "fetch" not in text
    write(repo, "deploy.pem", "key\n")
    commit_all(repo, "ABC-1: a key")
    proc = cli(repo, "ci", "--base", ZERO, "--head", "HEAD", "--branch", BRANCH)
    text = output(proc)
    assert proc.returncode == 1, text
    assert "deploy.pem" in text and "config/.env.example" not in text
    assert "fetch" not in text


def test_ci_zero_base_on_a_branch_the_remote_already_tracks(legacy: tuple[Path, Path]) -> None:
    """The head branch's own remote-tracking ref does not hide its commits."""
    repo, _ = legacy
    write(repo, "deploy.pem", "key\n")
    commit_all(repo, "ABC-1: a key")
    git(repo, "push", "-q", "--no-verify", "origin", BRANCH)
    proc = cli(repo, "ci", "--base", ZERO, "--head", "HEAD", "--branch", BRANCH)
    assert proc.returncode == 1, output(proc)
    assert "deploy.pem" in output(proc)


def test_pre_push_with_no_refs_says_so(legacy: tuple[Path, Path]) -> None:
    repo, _ = legacy
    proc = cli(repo, "run", "pre-push", "origin", "/x/remote.git", input=b"")
    text = output(proc)
    assert proc.returncode == 0, text
    assert "no refs received" in text and "use_stdin: true" in text
    assert "pre-push passed" not in text
    # git itself runs pre-push with no refs when everything is up to date.
    git(repo, "push", "-q", "origin", BRANCH)
    proc = git(repo, "push", "origin", BRANCH, check=False)
    assert proc.returncode == 0
    assert "no refs received" in output(proc) and "pre-push passed" not in output(proc)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["git", "push", "origin", "a"], None, id="one-refspec"),
        pytest.param(["git", "push"], None, id="no-refspec"),
        pytest.param(["git", "push", "origin", "a", "b"], "2 refspecs", id="two-refspecs"),
        pytest.param(["git", "-c", "x=y", "push", "-o", "ci", "origin", "a"], None, id="option"),
        pytest.param(["git", "push", "--all", "origin"], "--all", id="all"),
        pytest.param(["git", "push", "--mirror", "origin"], "--mirror", id="mirror"),
        pytest.param(["git", "push", "--repo=origin", "a", "b"], "2 refspecs", id="repo-option"),
        pytest.param(["git", "push", "origin", "--", "a", "b", "c"], "3 refspecs", id="dashdash"),
        pytest.param(["git", "status"], None, id="not-a-push"),
    ],
)
def test_count_push_refspecs(argv: list[str], expected: str | None) -> None:
    assert count_push_refspecs(argv) == expected


def reject_pushes(remote: Path) -> None:
    """A server hook that refuses every push after our pre-push passed it."""
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'server says no' >&2\nexit 1\n")
    hook.chmod(0o755)


def test_push_git_refuses_after_pre_push_moves_no_commit_sha(legacy: tuple[Path, Path]) -> None:
    """pre-push passed, then the remote refused: the row records that and keeps its commit."""
    repo, remote = legacy
    assert git(repo, "push", "-q", "origin", BRANCH, check=False).returncode == 0
    delivered = head(repo)
    assert rows(repo)[BRANCH]["commit_sha"] == delivered
    write(repo, "src/more.py", "print(2)\n")
    refused = commit_all(repo, "ABC-1: more")
    reject_pushes(remote)
    proc = git(repo, "push", "origin", BRANCH, check=False)
    assert proc.returncode != 0 and "server says no" in output(proc)
    assert rows(repo)[BRANCH]["commit_sha"] == delivered
    proc = cli(repo, "status")  # settles what git did not deliver
    assert proc.returncode == 0, output(proc)
    row = rows(repo)[BRANCH]
    assert row["commit_sha"] == delivered
    assert f"git did not deliver {refused[:12]}" in str(row["error_text"])


def test_push_by_url_is_recorded_once_delivered(legacy: tuple[Path, Path]) -> None:
    """A push by URL moves no remote-tracking branch: the next status (or push) asks the
    remote, and the row moves to the delivered commit then."""
    repo, remote = legacy
    proc = git(repo, "push", str(remote), BRANCH, check=False)
    assert proc.returncode == 0, output(proc)
    assert rows(repo).get(BRANCH, {}).get("commit_sha", "") == ""
    assert cli(repo, "status").returncode == 0
    assert rows(repo)[BRANCH]["commit_sha"] == head(repo)
    assert rows(repo)[BRANCH]["error_text"] == ""


def test_push_by_url_refused_is_recorded_as_failed(legacy: tuple[Path, Path]) -> None:
    repo, remote = legacy
    reject_pushes(remote)
    proc = git(repo, "push", str(remote), BRANCH, check=False)
    assert proc.returncode != 0
    write(repo, "src/next.py", "print(3)\n")
    commit_all(repo, "ABC-1: next")
    (remote / "hooks" / "pre-receive").unlink()
    proc = git(repo, "push", str(remote), BRANCH, check=False)  # settles the earlier push first
    assert proc.returncode == 0, output(proc)
    assert "did not deliver" in output(proc)
    assert cli(repo, "status").returncode == 0
    assert rows(repo)[BRANCH]["commit_sha"] == head(repo)


def test_ref_updates_never_create_a_store(tmp_path: Path, on_path: None) -> None:
    """The reference-transaction hook runs on every ref update; without pushes to settle it
    starts nothing and writes nothing."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    assert cli(repo, "install").returncode == 0
    assert (repo / ".git" / "hooks" / "reference-transaction").is_file()
    write(repo, "a.txt")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "--no-verify", "-m", "a")
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "fetch", "-q", "origin")
    git(repo, "branch", "-q", "other")
    assert not (repo / ".metawsm").exists()
