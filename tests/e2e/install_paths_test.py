"""Installing where git really looks for hooks, through real git: a global core.hooksPath is not
taken over silently, a relative one is said to miss linked worktrees, and the tool's own files
(the store and its side files, scripts written into a hooks folder in the work tree) never
dirty the tree or enter git, however the tool was installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, output, write, write_policy

BRANCH = "abc-1/repo/run-1"


def new_repo(root: Path, name: str) -> Path:
    repo = root / name
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    return repo


@pytest.fixture
def global_hooks(tmp_path: Path, isolated_git: Path, on_path: None) -> Path:
    folder = isolated_git / ".githooks"
    git(tmp_path, "config", "--global", "core.hooksPath", str(folder))
    return folder


def test_global_hooks_path_is_not_taken_over(tmp_path: Path, global_hooks: Path) -> None:
    repo = new_repo(tmp_path, "repo")
    proc = cli(repo, "install")
    text = output(proc)
    assert proc.returncode == 2, text
    assert len(text.strip().splitlines()) == 1
    assert "outside this repository" in text and "--shared" in text
    assert not global_hooks.exists()


def test_shared_install_leaves_repositories_without_policy_alone(
    tmp_path: Path, global_hooks: Path
) -> None:
    governed = new_repo(tmp_path, "governed")
    write_policy(governed, {"required_checks": ["forbidden_files"]})
    commit_all(governed, "policy")
    proc = cli(governed, "install", "--shared")
    assert proc.returncode == 0, output(proc)
    assert (global_hooks / "pre-commit").is_file()

    other = new_repo(tmp_path, "other")
    write(other, "README.md", "hello\n")
    git(other, "add", "-A")
    proc = git(other, "commit", "-m", "first on main in an unrelated repository", check=False)
    text = output(proc)
    assert proc.returncode == 0, text
    assert (
        "no metawsm policy" in text
        and len([line for line in text.splitlines() if "metawsm" in line]) == 1
    )
    assert git(other, "log", "--format=%s").stdout.decode().strip() == (
        "first on main in an unrelated repository"
    )  # the message is not prefixed either
    assert not (other / ".metawsm").exists()
    assert git(other, "status", "--porcelain").stdout == b""
    remote = tmp_path / "other.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(other, "checkout", "-q", "-b", "Whatever_Name")
    proc = git(other, "push", str(remote), "Whatever_Name", check=False)
    assert proc.returncode == 0, output(proc)
    assert not (other / ".metawsm").exists()

    # The governed repository is still enforced through the shared folder.
    git(governed, "checkout", "-q", "-b", "wip")
    write(governed, "id_rsa", "key\n")
    git(governed, "add", "-A")
    proc = git(governed, "commit", "-q", "-m", "x", check=False)
    assert proc.returncode == 1, output(proc)


def test_relative_hooks_path_and_linked_worktrees(tmp_path: Path, on_path: None) -> None:
    repo = new_repo(tmp_path, "repo")
    write_policy(repo, {"required_checks": ["forbidden_files"]})
    commit_all(repo, "policy")
    git(repo, "worktree", "add", "-q", str(tmp_path / "existing"), "-b", "abc-2/repo/run-2")
    git(repo, "config", "core.hooksPath", ".githooks")
    proc = cli(repo, "install")
    text = output(proc)
    assert proc.returncode == 0, text
    assert "is relative" in text and str(tmp_path / "existing") in text
    fix = f"git config core.hooksPath {repo / '.githooks'}"
    assert fix in text
    # As the message says: with the absolute path, a worktree added later is enforced too.
    git(repo, "config", "core.hooksPath", str(repo / ".githooks"))
    git(repo, "worktree", "add", "-q", str(tmp_path / "later"), "-b", "wip")
    write(tmp_path / "later", "id_rsa", "key\n")
    git(tmp_path / "later", "add", "-A")
    proc = git(tmp_path / "later", "commit", "-q", "-m", "x", check=False)
    assert proc.returncode == 1, output(proc)
    assert "id_rsa" in output(proc)


PROJECT_HOOKS = Path(__file__).resolve().parents[2] / "hooks"


def clean_repo(root: Path) -> tuple[Path, Path]:
    """A repository whose policy requires clean_tree, with a remote; nothing installed."""
    repo = new_repo(root, "repo")
    write_policy(
        repo,
        {"required_checks": ["clean_tree", "forbidden_files"]},
        hooks={"exempt_branches": ["main"]},
    )
    write(repo, ".metawsm/notes.md", "tracked beside the policy\n")
    commit_all(repo, "policy")
    remote = root / "remote.git"
    git(root, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "checkout", "-q", "-b", BRANCH)
    return repo, remote


def assert_untouched(repo: Path) -> None:
    assert git(repo, "status", "--porcelain", "-uall").stdout == b""
    git(repo, "add", "-A")
    assert git(repo, "diff", "--cached", "--name-only").stdout == b""


def test_copied_hook_scripts_keep_the_store_out_of_git(tmp_path: Path, on_path: None) -> None:
    """Scripts copied from hooks/ (no install, so no exclude line): the store still stays out."""
    repo, _ = clean_repo(tmp_path)
    for name in ("pre-commit", "pre-push"):
        target = repo / ".git" / "hooks" / name
        target.write_bytes((PROJECT_HOOKS / name).read_bytes())
        target.chmod(0o755)
    write(repo, "src/app.py", "print(1)\n")
    git(repo, "add", "-A")
    proc = git(repo, "commit", "-q", "-m", "ABC-1: app", check=False)
    assert proc.returncode == 0, output(proc)
    assert (repo / ".metawsm" / "metawsm.db").exists()
    assert_untouched(repo)
    for attempt in range(2):  # the second push finds the store's lock file and WAL beside it
        write(repo, f"src/more{attempt}.py", "print(2)\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "ABC-1: more")
        proc = git(repo, "push", "-q", "origin", BRANCH, check=False)
        assert proc.returncode == 0, output(proc)
    assert_untouched(repo)


def test_ci_alone_twice_in_one_checkout(tmp_path: Path, on_path: None) -> None:
    repo, _ = clean_repo(tmp_path)
    write(repo, "src/app.py", "print(1)\n")
    commit_all(repo, "ABC-1: app")
    for _ in range(2):
        proc = cli(repo, "ci", "--base", "main", "--head", "HEAD")
        assert proc.returncode == 0, output(proc)
    assert_untouched(repo)


def test_hook_scripts_in_a_work_tree_hooks_folder_stay_out(tmp_path: Path, on_path: None) -> None:
    repo, _ = clean_repo(tmp_path)
    git(repo, "config", "core.hooksPath", ".githooks")
    assert cli(repo, "install").returncode == 0
    assert (repo / ".githooks" / "pre-push").is_file()
    assert_untouched(repo)
    write(repo, "src/app.py", "print(1)\n")
    git(repo, "add", "-A")
    proc = git(repo, "commit", "-q", "-m", "ABC-1: app", check=False)
    assert proc.returncode == 0, output(proc)
    proc = git(repo, "push", "-q", "origin", BRANCH, check=False)
    assert proc.returncode == 0, output(proc)
    assert_untouched(repo)


def test_an_ignore_file_of_the_users_is_left_alone(tmp_path: Path, on_path: None) -> None:
    repo, _ = clean_repo(tmp_path)
    mine = "# mine\n/metawsm.db*\n"
    write(repo, ".metawsm/.gitignore", mine)
    commit_all(repo, "ABC-1: my ignore file")
    proc = cli(repo, "ci", "--base", "main", "--head", "HEAD")
    assert proc.returncode == 0, output(proc)
    assert (repo / ".metawsm" / ".gitignore").read_text() == mine
