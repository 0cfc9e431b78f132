"""checks.clean_tree: nothing uncommitted in the working tree but the store's own files."""

from __future__ import annotations

from pathlib import Path

from metawsm_hooks.checks import CheckContext, CheckResult, clean_tree
from metawsm_hooks.constants import STORE_RELPATH
from metawsm_hooks.git.repository import Repository
from metawsm_hooks.git.types import Change
from metawsm_hooks.store import Store, store_files
from testing.checks import commit_ctx, make_policy, only
from testing.util import git, write


def clean(root: Path) -> CheckResult:
    return only(
        "clean_tree", commit_ctx(root, make_policy(required_checks=("clean_tree",)), operation="pr")
    )


def test_clean_tree(committed: Path) -> None:
    assert clean(committed) == CheckResult("clean_tree", "passed", "working tree is clean")
    for suffix in ("", "-wal", "-shm", "-journal"):
        write(committed, f".metawsm/metawsm.db{suffix}")
    assert clean(committed) == CheckResult("clean_tree", "passed", "working tree is clean")
    write(committed, "README.md", "changed\n")
    for i in range(6):
        write(committed, f"new{i}.txt")
    assert clean(committed) == CheckResult(
        "clean_tree",
        "failed",
        "working tree is dirty: README.md, new0.txt, new1.txt, new2.txt, new3.txt (and 2 more);"
        " commit or stash them, then push again",
    )


def test_clean_tree_ignores_every_file_the_store_keeps(committed: Path) -> None:
    # The store's creation lock (<db>.lock) once counted as user work and blocked every push.
    db = committed / STORE_RELPATH
    Store.open(db).close()
    assert (committed / f"{STORE_RELPATH}.lock").exists()
    for path in store_files(db):
        path.touch()
    assert clean(committed) == CheckResult("clean_tree", "passed", "working tree is clean")


def test_clean_tree_in_a_bare_repository(committed: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(committed), str(bare))
    repo = Repository.discover(bare)
    ctx = CheckContext(
        operation="pr",
        repo=repo,
        changes=[Change("x", "A")],
        source=repo.commit_source("HEAD"),
        tree_id=lambda: repo.tree_id_of("HEAD"),
        run_in_place=lambda: False,
        ticket=None,
        policy=make_policy(required_checks=("clean_tree",)),
        skip={},
        cache=None,
    )
    assert clean_tree.run(ctx) == CheckResult(
        "clean_tree", "passed", "no working tree (bare repository)"
    )
