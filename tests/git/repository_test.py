from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from metawsm_hooks.errors import FatalError
from metawsm_hooks.git.repository import Repository
from metawsm_hooks.git.runner import clean_environment
from metawsm_hooks.git.types import Change, HeadState
from testing.util import commit_all, git, unmeasured, write

# Names that must survive the trip through git and back: spaces, a newline, Unicode, and bytes
# that are not UTF-8 (os.fsdecode turns those into surrogates).
ODD_NAMES = ["with space.txt", "new\nline.txt", "ünïcødé/файл.txt", os.fsdecode(b"latin1-\xe9.txt")]


def rev(root: Path, name: str = "HEAD") -> str:
    return git(root, "rev-parse", name).stdout.decode().strip()


def stage(root: Path, *paths: str) -> None:
    git(root, "add", "--", *paths)


# --- discovery -----------------------------------------------------------------------------------


def test_discover_from_a_subfolder(committed: Path) -> None:
    repo = Repository.discover(committed / "src")
    assert repo.workdir == committed
    assert repo.git_dir == repo.common_dir == committed / ".git"
    assert not repo.is_bare
    assert repo.main_root() == committed


def test_discover_inside_the_git_folder_finds_the_worktree(committed: Path) -> None:
    repo = Repository.discover(committed / ".git" / "refs")
    assert repo.git_dir == committed / ".git"
    assert repo.workdir == committed


def test_discover_linked_worktree(committed: Path, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    git(committed, "worktree", "add", "-q", "-b", "side", str(linked))
    write(linked, "deep/er/file.txt")
    repo = Repository.discover(linked / "deep" / "er")
    assert repo.workdir == linked
    assert repo.git_dir == committed / ".git" / "worktrees" / "linked"
    assert repo.common_dir == committed / ".git"
    assert repo.main_root() == committed
    assert repo.head().branch == "side"


def test_discover_bare_repository(committed: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(committed), str(bare))
    repo = Repository.discover(bare)
    assert repo.is_bare and repo.workdir is None and repo.main_root() is None
    assert repo.git_dir == repo.common_dir == bare
    assert repo.hooks_dir() == bare / "hooks"
    assert repo.head() == HeadState(
        "main", rev(committed), unborn=False, detached=False, operation=None
    )


def test_discover_honours_git_dir_as_git_sets_it_for_hooks(
    committed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    linked = tmp_path / "linked"
    git(committed, "worktree", "add", "-q", "-b", "side", str(linked))
    monkeypatch.setenv("GIT_DIR", str(committed / ".git" / "worktrees" / "linked"))
    repo = Repository.discover(linked)
    assert repo.workdir == linked and repo.common_dir == committed / ".git"


def test_submodule_is_its_own_repository(committed: Path, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    git(lib, "init", "-q", "-b", "main")
    write(lib, "lib.txt")
    commit_all(lib, "lib")
    git(committed, "submodule", "add", "-q", str(lib), "vendor/lib")
    repo = Repository.discover(committed / "vendor" / "lib")
    assert repo.workdir == committed / "vendor" / "lib"
    assert repo.git_dir == repo.common_dir == committed / ".git" / "modules" / "vendor" / "lib"
    assert repo.main_root() == committed / "vendor" / "lib"
    assert repo.head().oid == rev(lib)


def test_discover_outside_a_repository_is_fatal(tmp_path: Path) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(FatalError, match="not inside a git repository"):
        Repository.discover(outside)


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        pytest.param(None, ".git/hooks", id="default"),
        pytest.param("githooks", "githooks", id="relative-hooksPath"),
        pytest.param("ABS", "abs-hooks", id="absolute-hooksPath"),
    ],
)
def test_hooks_dir(committed: Path, tmp_path: Path, configured: str | None, expected: str) -> None:
    if configured == "ABS":
        configured = str(tmp_path / "abs-hooks")
        want = tmp_path / "abs-hooks"
    else:
        want = committed / expected
    if configured is not None:
        git(committed, "config", "core.hooksPath", configured)
    assert Repository.discover(committed / "src").hooks_dir() == want


def test_relative_hooks_path_in_a_linked_worktree_is_from_its_root(
    committed: Path, tmp_path: Path
) -> None:
    git(committed, "config", "core.hooksPath", "githooks")
    linked = tmp_path / "linked"
    git(committed, "worktree", "add", "-q", "-b", "side", str(linked))
    assert Repository.discover(linked).hooks_dir() == linked / "githooks"


# --- HEAD ----------------------------------------------------------------------------------------


def test_head_unborn(repo: Path) -> None:
    assert Repository.discover(repo).head() == HeadState(
        "main", None, unborn=True, detached=False, operation=None
    )


def test_head_branch_and_packed_ref(committed: Path) -> None:
    assert Repository.discover(committed).head() == HeadState(
        "main", rev(committed), unborn=False, detached=False, operation=None
    )
    git(committed, "pack-refs", "--all")
    assert not (committed / ".git" / "refs" / "heads" / "main").exists()
    assert Repository.discover(committed).head().oid == rev(committed)


def test_head_detached(committed: Path) -> None:
    git(committed, "checkout", "-q", "--detach")
    assert Repository.discover(committed).head() == HeadState(
        None, rev(committed), unborn=False, detached=True, operation=None
    )


def _conflict(root: Path) -> tuple[str, str]:
    """Two branches that change the same line: (main's tip, other's tip)."""
    write(root, "c.txt", "base\n")
    commit_all(root, "base")
    git(root, "checkout", "-q", "-b", "other")
    write(root, "c.txt", "other\n")
    other = commit_all(root, "other")
    git(root, "checkout", "-q", "main")
    write(root, "c.txt", "main\n")
    main = commit_all(root, "main")
    return main, other


@pytest.mark.parametrize(
    ("action", "operation", "detached"),
    [
        pytest.param(["rebase", "other"], "rebase", True, id="rebase"),
        pytest.param(["cherry-pick", "other"], "cherry-pick", False, id="cherry-pick"),
        pytest.param(["merge", "other"], "merge", False, id="merge"),
        pytest.param(["revert", "--no-edit", "HEAD"], "revert", False, id="revert"),
        pytest.param(["bisect", "start"], "bisect", False, id="bisect"),
    ],
)
def test_head_operation_in_progress(
    committed: Path, action: list[str], operation: str, detached: bool
) -> None:
    _conflict(committed)
    if action[0] == "revert":
        write(committed, "c.txt", "later\n")
        commit_all(committed, "later")
        git(committed, "revert", "--no-edit", "HEAD~1", check=False)
    else:
        git(committed, *action, check=False)
    head = Repository.discover(committed).head()
    assert head.operation == operation
    assert head.detached is detached
    assert head.oid is not None and not head.unborn


# --- the index being committed -------------------------------------------------------------------


def test_staged_changes_on_the_first_commit(repo: Path) -> None:
    write(repo, "a.txt")
    write(repo, "dir/b.txt")
    write(repo, "unstaged.txt")
    stage(repo, "a.txt", "dir/b.txt")
    assert Repository.discover(repo).staged_changes() == [
        Change("a.txt", "A"),
        Change("dir/b.txt", "A"),
    ]


def test_staged_changes_kinds(committed: Path) -> None:
    write(
        committed, "old/name.txt", "content that is long enough to be recognised as renamed\n" * 5
    )
    write(committed, "gone.txt", "to be deleted\n")
    write(committed, "link", "target\n")
    commit_all(committed, "more")
    (committed / "new").mkdir()
    git(committed, "mv", "old/name.txt", "new/name.txt")
    git(committed, "rm", "-q", "gone.txt")
    (committed / "link").unlink()
    (committed / "link").symlink_to("README.md")
    write(committed, "src/app.py", "print(2)\n")
    write(committed, "added.txt", "brand new\n")
    git(committed, "add", "-A")
    changes = Repository.discover(committed).staged_changes()
    assert sorted(changes, key=lambda c: c.path) == [
        Change("added.txt", "A"),
        Change("gone.txt", "D"),
        Change("link", "T"),
        Change("new/name.txt", "R", "old/name.txt"),
        Change("src/app.py", "M"),
    ]


def test_staged_changes_round_trip_odd_names(committed: Path) -> None:
    for name in ODD_NAMES:
        write(committed, name, f"{name!r}\n")
    git(committed, "add", "-A")
    repo = Repository.discover(committed)
    assert sorted(c.path for c in repo.staged_changes()) == sorted(ODD_NAMES)
    source = repo.index_source()
    for name in ODD_NAMES:
        assert source.read(name) == f"{name!r}\n".encode()
    assert set(ODD_NAMES) <= set(source.list_files(""))


def test_staged_submodule_entry_is_a_change(committed: Path, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    git(lib, "init", "-q", "-b", "main")
    write(lib, "lib.txt")
    commit_all(lib, "lib")
    git(committed, "submodule", "add", "-q", str(lib), "vendor/lib")
    repo = Repository.discover(committed)
    assert Change("vendor/lib", "A") in repo.staged_changes()
    source = repo.index_source()
    assert "vendor/lib" not in source.list_files("")
    assert source.read("vendor/lib") is None


def test_alternate_index_file(committed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(committed, "src/app.py", "print('only in the alternate index')\n")
    write(committed, "staged.txt")
    stage(committed, "staged.txt")
    alternate = committed / ".git" / "next-index-1.lock"
    alternate.write_bytes((committed / ".git" / "index").read_bytes())
    monkeypatch.setenv("GIT_INDEX_FILE", str(alternate))
    git(committed, "add", "src/app.py")
    tree = git(committed, "write-tree").stdout.decode().strip()
    monkeypatch.delenv("GIT_INDEX_FILE")
    repo = Repository.discover(committed)
    assert repo.staged_changes() == [Change("staged.txt", "A")]
    both = [Change("src/app.py", "M"), Change("staged.txt", "A")]
    assert repo.staged_changes(index_file=alternate) == both
    assert repo.index_source(index_file=alternate).read("src/app.py") == (
        b"print('only in the alternate index')\n"
    )
    assert repo.index_source().read("src/app.py") == b"print(1)\n"
    assert repo.index_tree_id(index_file=alternate) == tree
    monkeypatch.chdir(committed)  # git runs hooks from the worktree root, relative paths too
    relative = Path(".git/next-index-1.lock")
    assert Repository.discover().staged_changes(index_file=relative) == both


HOOK = """#!{python}
import os, sys
from pathlib import Path
from metawsm_hooks.git.repository import Repository
index = os.environ.get("GIT_INDEX_FILE")
repo = Repository.discover()
changes = repo.staged_changes(index_file=Path(index) if index else None)
source = repo.index_source(index_file=Path(index) if index else None)
with open({out!r}, "w") as f:
    f.write(repr(([(c.path, c.status) for c in changes], source.read("a.txt"))))
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["-a"], ([("a.txt", "M"), ("b.txt", "M"), ("c.txt", "A")], b"a2\n"), id="commit-a"
        ),
        pytest.param(["a.txt"], ([("a.txt", "M")], b"a2\n"), id="commit-paths"),
        pytest.param([], ([("c.txt", "A")], b"a1\n"), id="commit-index"),
    ],
)
def test_staged_changes_as_git_commit_hands_them_to_a_hook(
    committed: Path, tmp_path: Path, args: list[str], expected: object
) -> None:
    import sys

    write(committed, "a.txt", "a1\n")
    write(committed, "b.txt", "b1\n")
    commit_all(committed, "ab")
    write(committed, "a.txt", "a2\n")
    write(committed, "b.txt", "b2\n")
    write(committed, "c.txt", "c\n")
    stage(committed, "c.txt")
    out = tmp_path / "seen"
    hook = committed / ".git" / "hooks" / "pre-commit"
    hook.write_text(HOOK.format(python=sys.executable, out=str(out)))
    hook.chmod(0o755)
    if args == ["a.txt"]:
        git(committed, "reset", "-q", "c.txt")
    git(committed, "commit", "-q", "-m", "x", *args)
    assert out.read_text() == repr(expected)


def test_index_source_is_the_index_not_the_worktree(committed: Path) -> None:
    write(committed, "docs/a.md", "staged\n")
    write(committed, "docs/b.md", "to delete\n")
    commit_all(committed, "docs")
    write(committed, "docs/a.md", "staged v2\n")
    stage(committed, "docs/a.md")
    write(committed, "docs/a.md", "worktree only\n")
    write(committed, "docs/untracked.md")
    git(committed, "rm", "-q", "docs/b.md")
    write(committed, "docs/c.md", "new\n")
    stage(committed, "docs/c.md")
    source = Repository.discover(committed).index_source()
    assert source.list_files("docs") == ["docs/a.md", "docs/c.md"]
    assert source.list_files("docs/") == ["docs/a.md", "docs/c.md"]
    assert source.read("docs/a.md") == b"staged v2\n"
    assert source.read("docs/b.md") is None
    assert source.read("docs/untracked.md") is None
    with pytest.raises(FatalError, match="docs is a directory in the index"):
        source.read("docs")
    assert source.read("README.md") == b"hello\n"


def test_a_lazy_index_source_reads_the_index_without_the_staged_changes(committed: Path) -> None:
    """The message stages' source: single files come from the index (git ls-files); the staged
    changes are computed only when a folder is listed."""
    write(committed, "docs/a.md", "committed\n")
    commit_all(committed, "docs")
    write(committed, "docs/a.md", "staged\n")
    stage(committed, "docs/a.md")
    write(committed, "docs/a.md", "worktree only\n")
    write(committed, "docs/new.md", "new\n")
    stage(committed, "docs/new.md")
    repo = Repository.discover(committed)
    source = repo.index_source(eager=False)
    assert source.read("docs/a.md") == b"staged\n"
    assert source.read("docs/new.md") == b"new\n"
    assert source.read("docs/none.md") is None
    assert source.read("README.md") == b"hello\n"
    with pytest.raises(FatalError, match="docs is a directory in the index"):
        source.read("docs")
    assert source.list_files("docs") == ["docs/a.md", "docs/new.md"]


def test_index_source_before_the_first_commit(repo: Path) -> None:
    write(repo, ".metawsm/policy.json", "{}\n")
    stage(repo, ".metawsm/policy.json")
    source = Repository.discover(repo).index_source()
    assert source.read(".metawsm/policy.json") == b"{}\n"
    assert source.list_files("") == [".metawsm/policy.json"]


def test_index_tree_id_matches_write_tree(committed: Path) -> None:
    write(committed, "x.txt")
    stage(committed, "x.txt")
    assert (
        Repository.discover(committed).index_tree_id()
        == git(committed, "write-tree").stdout.decode().strip()
    )


# --- commits and pushes --------------------------------------------------------------------------


def test_resolve_and_tree_of(committed: Path) -> None:
    repo = Repository.discover(committed)
    assert repo.resolve("main") == rev(committed)
    assert repo.resolve("HEAD~0") == rev(committed)
    assert repo.resolve("nope") is None
    assert repo.resolve("--all") is None
    assert repo.resolve(rev(committed, "HEAD^{tree}")) is None  # a tree is not a commit
    assert repo.tree_id_of("main") == rev(committed, "HEAD^{tree}")
    with pytest.raises(FatalError):
        repo.tree_id_of("nope")


def test_commit_source(committed: Path) -> None:
    first = rev(committed)
    write(committed, "src/app.py", "print(2)\n")
    write(committed, "src/exe.sh", "#!/bin/sh\n")
    commit_all(committed, "second")
    repo = Repository.discover(committed)
    old = repo.commit_source(first)
    assert old.list_files("src") == ["src/app.py"]
    assert old.read("src/app.py") == b"print(1)\n"
    assert repo.commit_source("HEAD").read("src/app.py") == b"print(2)\n"
    assert repo.commit_source("HEAD").read("missing") is None
    assert repo.commit_source("HEAD").read("no such file") is None
    assert repo.index_source().read("no such") is None
    with pytest.raises(FatalError):
        repo.commit_source("nope")


@pytest.fixture
def pushed(committed: Path, tmp_path: Path) -> tuple[Path, str]:
    """A clone with origin/main at the first commit; returns (clone, base)."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(committed), str(remote))
    git(committed, "remote", "add", "origin", str(remote))
    git(committed, "fetch", "-q", "origin")
    return committed, rev(committed)


def test_pushed_changes_counts_added_then_deleted_and_merges(pushed: tuple[Path, str]) -> None:
    root, base = pushed
    git(root, "checkout", "-q", "-b", "feature")
    write(root, ".env", "SECRET=1\n")
    commit_all(root, "add secret")
    git(root, "rm", "-q", ".env")
    commit_all(root, "drop secret")
    write(root, "src/app.py", "print(2)\n")
    commit_all(root, "modify")
    git(root, "checkout", "-q", "-b", "side", base)
    write(root, "side/only.txt")
    commit_all(root, "side work")
    git(root, "checkout", "-q", "feature")
    git(root, "merge", "-q", "--no-edit", "--no-ff", "side")
    repo = Repository.discover(root)
    result = repo.pushed_changes(new=rev(root), old=None, remote="origin")
    assert result.commits == 5
    assert result.changes == [
        Change(".env", "A"),
        Change("side/only.txt", "A"),
        Change("src/app.py", "M"),
    ]


def test_pushed_changes_merge_counts_what_differs_from_every_parent(
    pushed: tuple[Path, str],
) -> None:
    root, base = pushed
    git(root, "checkout", "-q", "-b", "side")
    write(root, "side.txt")
    side = commit_all(root, "side")
    git(root, "push", "-q", "origin", "side")  # the remote has the side branch already
    git(root, "checkout", "-q", "main")
    write(root, "main.txt")
    commit_all(root, "main")
    git(root, "merge", "-q", "--no-edit", "side")
    repo = Repository.discover(root)
    result = repo.pushed_changes(new=rev(root), old=base, remote="origin")
    assert result.commits == 2  # main's commit and the merge; side's commit is on the remote
    # side.txt came from a branch the remote already has: the merge did not introduce it.
    assert result.changes == [Change("main.txt", "A")]
    assert side


def test_pushed_changes_octopus_merge_counts_what_it_adds_itself(
    pushed: tuple[Path, str],
) -> None:
    root, base = pushed
    for side in ("one", "two"):
        git(root, "checkout", "-q", "-b", side, base)
        write(root, f"{side}.txt")
        commit_all(root, side)
    git(root, "checkout", "-q", "-b", "octopus", base)
    git(root, "merge", "-q", "--no-ff", "--no-edit", "one", "two")
    write(root, "id_rsa", "key\n")  # in no parent: the merge itself adds it
    git(root, "add", "id_rsa")
    git(root, "commit", "-q", "--amend", "--no-edit", "--no-verify")
    assert len(rev(root, "HEAD^3")) == 40
    repo = Repository.discover(root)
    result = repo.pushed_changes(new=rev(root), old=rev(root, "one"), remote=None)
    assert result.commits == 2  # two's commit and the merge
    assert result.changes == [Change("id_rsa", "A"), Change("two.txt", "A")]


def test_pushed_changes_of_a_long_push_read_as_git_writes(pushed: tuple[Path, str]) -> None:
    root, base = pushed
    # 3,000 commits print about 200 KiB, over what a pipe holds: git must not wait for us.
    stream = [f"reset refs/heads/long\nfrom {base}\n".encode()]
    for k in range(3000):
        stream.append(
            b"commit refs/heads/long\ncommitter A <a@b> 1700000000 +0000\ndata 2\nc\n"
            + f"M 100644 inline many/f{k % 400:03d}.txt\ndata 2\n{k % 10}\n".encode()
        )
    git(root, "fast-import", "--quiet", input=b"".join(stream))
    repo = Repository.discover(root)
    new = rev(root, "long")
    repo.prefetch_pushed_changes(new=new, old=base, remote="origin")
    result = repo.pushed_changes(new=new, old=base, remote="origin")
    assert result.commits == 3000
    assert [c.path for c in result.changes] == [f"many/f{k:03d}.txt" for k in range(400)]
    assert {c.status for c in result.changes} == {"A"}
    # Started and never read: close stops git and the thread reading it.
    idle = Repository.discover(root)
    idle.prefetch_pushed_changes(new=new, old=None, remote=None)
    idle.close()
    repo.close()


@pytest.mark.parametrize(
    ("old", "remote", "expected"),
    [
        pytest.param("BASE", None, ["b.txt", "c.txt"], id="old-excludes"),
        pytest.param("0" * 40, "origin", ["b.txt", "c.txt"], id="remote-refs-exclude"),
        pytest.param("MIDDLE", "origin", ["c.txt"], id="both"),
        pytest.param(None, None, ["README.md", "b.txt", "c.txt", "src/app.py"], id="everything"),
        pytest.param("f" * 40, "origin", ["b.txt", "c.txt"], id="unknown-old-ignored"),
    ],
)
def test_pushed_changes_exclusions(
    pushed: tuple[Path, str], old: str | None, remote: str | None, expected: list[str]
) -> None:
    root, base = pushed
    write(root, "b.txt")
    middle = commit_all(root, "b")
    git(root, "mv", "b.txt", "c.txt")
    commit_all(root, "rename")
    old = {"BASE": base, "MIDDLE": middle}.get(old or "", old)
    result = Repository.discover(root).pushed_changes(new=rev(root), old=old, remote=remote)
    assert [c.path for c in result.changes] == expected


def test_pushed_changes_of_nothing_new(pushed: tuple[Path, str]) -> None:
    root, base = pushed
    repo = Repository.discover(root)
    assert repo.pushed_changes(new=base, old=base, remote="origin").commits == 0
    with pytest.raises(FatalError):
        repo.pushed_changes(new="e" * 40, old=None, remote=None)


def test_pushed_changes_exclude_all_refs_is_the_servers_view(pushed: tuple[Path, str]) -> None:
    root, base = pushed
    git(root, "checkout", "-q", "-b", "topic")
    write(root, "topic.txt")
    commit_all(root, "topic")
    repo = Repository.discover(root)
    new = rev(root)
    git(root, "checkout", "-q", "main")
    assert [
        c.path
        for c in repo.pushed_changes(new=new, old=None, remote=None, exclude_all_refs=True).changes
    ] == []
    git(root, "branch", "-q", "-D", "topic")
    repo = Repository.discover(root)  # a Repository remembers answers for one hook run
    result = repo.pushed_changes(new=new, old=None, remote=None, exclude_all_refs=True)
    assert [c.path for c in result.changes] == ["topic.txt"]
    assert base


def test_pushed_changes_odd_names(pushed: tuple[Path, str]) -> None:
    root, base = pushed
    for name in ODD_NAMES:
        write(root, name)
    commit_all(root, "odd")
    result = Repository.discover(root).pushed_changes(new=rev(root), old=base, remote=None)
    assert sorted(c.path for c in result.changes) == sorted(ODD_NAMES)


# --- the working tree ----------------------------------------------------------------------------


def test_dirty_paths(committed: Path) -> None:
    repo_dir = committed
    write(repo_dir, ".gitignore", "ignored/\n")
    commit_all(repo_dir, "ignore")
    write(repo_dir, "README.md", "changed\n")
    write(repo_dir, "staged.txt")
    stage(repo_dir, "staged.txt")
    write(repo_dir, "ignored/x.txt")
    write(repo_dir, "new/deep/file.txt")
    write(repo_dir, ".metawsm/metawsm.db")
    repo = Repository.discover(committed)
    assert repo.dirty_paths() == [
        ".metawsm/metawsm.db",
        "README.md",
        "new/deep/file.txt",
        "staged.txt",
    ]
    assert repo.dirty_paths(ignore=[".metawsm/metawsm.db"]) == [
        "README.md",
        "new/deep/file.txt",
        "staged.txt",
    ]


def test_prefetched_status_is_the_same(committed: Path) -> None:
    write(committed, "untracked.txt")
    repo = Repository.discover(committed)
    repo.prefetch_status()
    assert repo.dirty_paths() == ["untracked.txt"]
    assert not repo.worktree_matches_commit("HEAD")


def test_worktree_matches(committed: Path) -> None:
    repo = Repository.discover(committed)
    assert repo.worktree_matches_index() and repo.worktree_matches_commit("HEAD")
    write(committed, "staged.txt")
    stage(committed, "staged.txt")
    repo = Repository.discover(committed)
    assert repo.worktree_matches_index()  # what is staged is exactly what is on disk
    assert not repo.worktree_matches_commit("HEAD")
    write(committed, "staged.txt", "edited after staging\n")
    assert not Repository.discover(committed).worktree_matches_index()


def test_worktree_matches_index_with_untracked_file(committed: Path) -> None:
    write(committed, "untracked.txt")
    repo = Repository.discover(committed)
    assert not repo.worktree_matches_index()
    assert repo.worktree_matches_index(ignore=["untracked.txt"])


def test_worktree_matches_commit_other_commit(committed: Path) -> None:
    first = rev(committed)
    write(committed, "x.txt")
    commit_all(committed, "x")
    repo = Repository.discover(committed)
    assert not repo.worktree_matches_commit(first)
    assert repo.worktree_matches_commit(rev(committed))


def test_materialize(committed: Path, tmp_path: Path) -> None:
    write(committed, "bin/run.sh", "#!/bin/sh\necho hi\n")
    (committed / "bin" / "run.sh").chmod(0o755)
    (committed / "linked.md").symlink_to("README.md")
    write(committed, "deep/nested/file.txt", "deep\n")
    lib = tmp_path / "lib"
    lib.mkdir()
    git(lib, "init", "-q", "-b", "main")
    write(lib, "lib.txt")
    commit_all(lib, "lib")
    git(committed, "submodule", "add", "-q", str(lib), "vendor/lib")
    commit_all(committed, "tree")
    write(committed, "uncommitted.txt")
    repo = Repository.discover(committed)
    before = {name: (committed / ".git" / name).read_bytes() for name in ("HEAD", "index")}
    worktrees = git(committed, "worktree", "list", "--porcelain").stdout
    dest = tmp_path / "checkout" / "repo"
    repo.materialize(repo.tree_id_of("HEAD"), dest, head=repo.resolve("HEAD"), branch="work")
    files = sorted(
        str(p.relative_to(dest))
        for p in dest.rglob("*")
        if (not p.is_dir() or p.is_symlink()) and p.relative_to(dest).parts[0] != ".git"
    )
    assert files == [
        ".gitmodules",
        "README.md",
        "bin/run.sh",
        "deep/nested/file.txt",
        "linked.md",
        "src/app.py",
    ]
    assert os.stat(dest / "bin" / "run.sh").st_mode & stat.S_IXUSR
    assert not os.stat(dest / "README.md").st_mode & stat.S_IXUSR
    assert (dest / "linked.md").is_symlink() and os.readlink(dest / "linked.md") == "README.md"
    assert not any((dest / "vendor" / "lib").iterdir())
    # A working git checkout of its own: the tree in its index, nothing to commit, borrowed
    # objects, and no link back into the repository's worktrees.
    assert git(dest, "rev-parse", "--show-toplevel").stdout.decode().strip() == str(dest)
    assert git(dest, "status", "--porcelain").stdout == b""
    assert git(dest, "rev-parse", "--abbrev-ref", "HEAD").stdout.decode().strip() == "work"
    assert git(dest, "rev-parse", "main").stdout == git(committed, "rev-parse", "main").stdout
    assert git(dest, "write-tree").stdout.decode().strip() == repo.tree_id_of("HEAD")
    assert (dest / ".git").is_dir()
    assert {name: (committed / ".git" / name).read_bytes() for name in ("HEAD", "index")} == before
    assert git(committed, "worktree", "list", "--porcelain").stdout == worktrees
    assert git(committed, "status", "--porcelain").stdout == b"?? uncommitted.txt\n"


def test_materialize_unknown_tree_is_fatal(committed: Path, tmp_path: Path) -> None:
    with pytest.raises(FatalError, match="git read-tree failed"):
        Repository.discover(committed).materialize("d" * 40, tmp_path / "out")


def test_materialize_from_a_bare_repository(committed: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(committed), str(bare))
    repo = Repository.discover(bare)
    dest = tmp_path / "out"
    repo.materialize(repo.tree_id_of("HEAD"), dest)
    assert (dest / "src" / "app.py").read_text() == "print(1)\n"
    assert sorted(p.name for p in bare.iterdir() if p.name == "index") == []


# --- configuration and environment ---------------------------------------------------------------


def test_config_read_ahead_answers_as_git_config_does(committed: Path) -> None:
    git(committed, "config", "metawsm.home", "../home")
    git(committed, "config", "core.commentChar", ";")
    git(committed, "config", "--add", "core.commentChar", "%")  # set twice: the last one holds
    repo = Repository.discover(committed)
    repo.start_config("metawsm.home", "core.commentchar", "commit.cleanup")
    repo.start_identity()
    assert repo.config_value("metawsm.home") == "../home"
    assert repo.config_value("commit.cleanup") is None
    assert repo.config_values("core.commentchar", "commit.cleanup") == {"core.commentchar": "%"}
    assert repo.identity() == "Test Author <author@example.com>"
    # A key that was not read ahead asks git; a change made through the repository is seen.
    assert repo.config_value("user.email") == "author@example.com"
    repo.set_config("metawsm.home", "elsewhere")
    assert repo.config_value("metawsm.home") == "elsewhere"
    repo.close()


def test_config_identity_and_remote(committed: Path) -> None:
    repo = Repository.discover(committed)
    assert repo.identity() == "Test Author <author@example.com>"
    assert repo.config_value("user.email") == "author@example.com"
    assert repo.config_value("no.such-key") is None
    assert repo.remote_url("origin") is None
    git(committed, "remote", "add", "origin", "git@github.com:acme/repo.git")
    assert repo.remote_url("origin") == "git@github.com:acme/repo.git"


def test_clean_environment_drops_what_points_at_this_repository() -> None:
    env = clean_environment(
        {
            "GIT_DIR": "x",
            "GIT_INDEX_FILE": "y",
            "GIT_WORK_TREE": "z",
            "PATH": "/bin",
            "GIT_AUTHOR_NAME": "a",
        }
    )
    assert env == {"PATH": "/bin", "GIT_AUTHOR_NAME": "a"}


def test_pygit2_is_not_loaded_by_the_hot_paths(committed: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path\n"
        "from metawsm_hooks.git.repository import Repository\n"
        f"r = Repository.discover(Path({str(committed)!r}))\n"
        "r.head(); r.staged_changes(); r.index_source().read('README.md'); r.dirty_paths()\n"
        "r.pushed_changes(new=r.resolve('HEAD'), old=None, remote=None)\n"
        "print('pygit2' in sys.modules)\n"
    )
    # Unmeasured: coverage's own start-up would change what the process imports.
    env = unmeasured(dict(os.environ))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out.strip() == "False"


def test_index_reads_before_and_after_the_staged_changes_agree(committed: Path) -> None:
    """A read while the staged changes are still being computed asks the index directly."""
    write(committed, "gone.txt", "gone\n")
    write(committed, "moved.txt", "a file long enough to be seen as renamed\n" * 4)
    commit_all(committed, "more")
    write(committed, "README.md", "staged\n")
    git(committed, "rm", "-q", "gone.txt")
    git(committed, "mv", "moved.txt", "renamed.txt")
    write(committed, "new.txt", "new\n")
    git(committed, "add", "-A")
    write(committed, "README.md", "worktree only\n")
    paths = ["README.md", "gone.txt", "moved.txt", "renamed.txt", "new.txt", "src/app.py", "nope"]
    repo = Repository.discover(committed)
    early = repo.index_source()
    before = {path: early.read(path) for path in paths}
    repo.staged_changes()
    after = {path: repo.index_source().read(path) for path in paths}
    assert (
        before
        == after
        == {
            "README.md": b"staged\n",
            "gone.txt": None,
            "moved.txt": None,
            "renamed.txt": b"a file long enough to be seen as renamed\n" * 4,
            "new.txt": b"new\n",
            "src/app.py": b"print(1)\n",
            "nope": None,
        }
    )
    repo.close()


def test_prefetched_push_is_the_same_and_close_stops_helpers(pushed: tuple[Path, str]) -> None:
    root, base = pushed
    write(root, "b.txt")
    commit_all(root, "b")
    repo = Repository.discover(root)
    repo.prefetch_pushed_changes(new=rev(root), old=base, remote="origin")
    repo.prefetch_status()
    repo.index_source().read("README.md")
    assert repo.pushed_changes(new=rev(root), old=base, remote="origin").changes == [
        Change("b.txt", "A")
    ]
    idle = Repository.discover(root)
    idle.prefetch_pushed_changes(new=rev(root), old=base, remote="origin")
    idle.prefetch_status()
    idle.index_source()
    idle.close()
    repo.close()


@pytest.mark.parametrize(
    ("link", "target", "expected"),
    [
        pytest.param("docs/link.md", "real.md", b"real\n", id="same-folder"),
        pytest.param("link.md", "docs/real.md", b"real\n", id="into-a-folder"),
        pytest.param("docs/deep/link.md", "../real.md", b"real\n", id="up-a-folder"),
        pytest.param("docs/chain.md", "link.md", b"real\n", id="through-another-link"),
        pytest.param("docs/out.md", "../../outside.md", None, id="out-of-the-tree"),
        pytest.param("docs/abs.md", "/etc/hostname", None, id="absolute"),
        pytest.param("docs/dangling.md", "missing.md", None, id="dangling"),
        pytest.param("docs/loop.md", "loop.md", None, id="loop"),
    ],
)
def test_reads_follow_symlinks_within_the_tree(
    committed: Path, link: str, target: str, expected: bytes | None
) -> None:
    write(committed, "docs/real.md", "real\n")
    (committed / "docs" / "link.md").symlink_to("real.md")
    (committed / link).parent.mkdir(parents=True, exist_ok=True)
    if not (committed / link).is_symlink():
        (committed / link).symlink_to(target)
    commit_all(committed, "links")
    repo = Repository.discover(committed)
    assert repo.commit_source("HEAD").read(link) == expected
    write(committed, "docs/real.md", "staged\n")
    git(committed, "add", "docs/real.md")
    staged = expected and b"staged\n"
    assert Repository.discover(committed).index_source().read(link) == staged
    repo = Repository.discover(committed)
    repo.staged_changes()
    assert repo.index_source().read(link) == staged


def test_a_folder_where_a_file_is_expected_is_an_error(committed: Path) -> None:
    write(committed, ".metawsm/policy.json/inner.json", "{}\n")
    git(committed, "add", "-A")
    early = Repository.discover(committed).index_source()
    with pytest.raises(FatalError, match="is a directory") as raised:
        early.read(".metawsm/policy.json")
    assert raised.value.exit_code == 1
    repo = Repository.discover(committed)
    repo.staged_changes()
    with pytest.raises(FatalError, match="is a directory"):
        repo.index_source().read(".metawsm/policy.json")
    commit_all(committed, "folder")
    with pytest.raises(FatalError, match="is a directory in commit"):
        Repository.discover(committed).commit_source("HEAD").read(".metawsm/policy.json")
    git(committed, "rm", "-q", "-r", ".metawsm")
    write(committed, ".metawsm/policy.json", "{}\n")
    git(committed, "add", "-A")
    assert Repository.discover(committed).index_source().read(".metawsm/policy.json") == b"{}\n"


def test_the_object_reader_finds_in_a_commit_what_ls_tree_finds(committed: Path) -> None:
    write(committed, "docs/plain.md", "plain\n")
    write(committed, "docs/run.sh", "#!/bin/sh\n")
    (committed / "docs" / "run.sh").chmod(0o755)
    (committed / "docs" / "link.md").symlink_to("plain.md")
    write(committed, "file-not-folder", "x\n")
    commit_all(committed, "files")
    sub = rev(committed)
    git(committed, "update-index", "--add", "--cacheinfo", f"160000,{sub},docs/vendor")
    git(committed, "commit", "-q", "--no-verify", "-m", "gitlink")
    repo = Repository.discover(committed)
    source = repo.commit_source("HEAD")
    assert source.read("docs/plain.md") == b"plain\n"
    assert source.read("docs/run.sh") == b"#!/bin/sh\n"
    assert source.read("docs/link.md") == b"plain\n"
    assert source.read("docs/vendor") is None
    assert source.read("docs/missing.md") is None
    assert source.read("nowhere/missing.md") is None
    assert source.read("file-not-folder/inner") is None
    assert source.read("docs/vendor/inner") is None
    with pytest.raises(FatalError, match="is a directory"):
        source.read("docs")
    assert source.list_files("nowhere") == []
    assert source.list_files("file-not-folder") == ["file-not-folder"]
    assert source.list_files("docs") == ["docs/link.md", "docs/plain.md", "docs/run.sh"]
    repo.close()
