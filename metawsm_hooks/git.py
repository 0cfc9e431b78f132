"""The repository as the hooks see it: discovery, HEAD, the changes being committed or pushed, the
trees they come from, the working tree's status, temporary checkouts.

Every read goes through git's own plumbing, with paths NUL-separated (``-z``) and decoded with
``os.fsdecode`` so that any name round-trips. Measured (2 cores, git 2.39, libgit2 1.9.7 through
pygit2 1.21) on synthetic repositories built with ``git fast-import``:

=============================================  ===============================  ================
question                                       git plumbing                     pygit2
=============================================  ===============================  ================
staged changes, 100,000 files, 5,000 staged    ``diff-index --cached``: 25 ms   54 ms
paths of 10,000 pushed commits (1,000 files)   ``log --name-status``: 89 ms     1,088 ms
the same over 100,000 files                    ``log --name-status``: 180 ms    ~520 s
temporary checkout of 100,000 files            ``checkout-index``: 1.3 s        8.6 s
one file of HEAD / of the index                ``cat-file``: 1 ms / 6 ms        (import: 40 ms)
=============================================  ===============================  ================

Baselines on the same repositories: ``git diff --cached --name-only -z`` 25 ms, ``git log
--name-only --format= A..B`` 97-115 ms (1,000 files) and 208 ms (100,000 files). git wins every
question a hook asks, and importing pygit2 alone costs 40 ms, so pygit2 is only loaded to report
the libgit2 version. Starting git costs about 1 ms; reading the index is what is expensive
(about 6 ms per 100,000 entries), so the index being committed is presented as HEAD's tree
overlaid with the staged changes one ``diff-index`` yields, and is not read a second time. The
long questions (staged changes, pushed commits, status) can run in the background while the hook
does other work (``index_source`` starts the first, ``prefetch_*`` the others).

A Repository remembers what it learnt (staged changes, pushed ranges, status, commit ids) for
its lifetime: one hook run.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from metawsm_hooks.errors import FatalError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from typing import Protocol

    class TreeSource(Protocol):
        """The tree being committed or pushed, read-only."""

        def list_files(self, prefix: str) -> list[str]: ...
        def read(self, path: str) -> bytes | None: ...

else:  # typing costs start-up time; a Protocol is only needed by the type checker

    class TreeSource:
        """The tree being committed or pushed, read-only: ``list_files(prefix)`` (every file
        path under the folder ``prefix``, '' for all) and ``read(path)`` (bytes, or None)."""


_EMPTY_TREE = {
    "sha1": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    "sha256": "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
}
_GITLINK = "160000"
_SYMLINK = "120000"
_FOLDER = "040000"
_SYMLINK_HOPS = 40  # as many as Linux follows
# Variables that would point git (ours or a test command's) at another repository, index or
# pathspec mode than the one discovered; git itself clears most of them for submodules.
_REPOSITORY_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_PREFIX",
    "GIT_GLOB_PATHSPECS",
    "GIT_NOGLOB_PATHSPECS",
    "GIT_ICASE_PATHSPECS",
    "GIT_LITERAL_PATHSPECS",
)
# ``git rev-parse --local-env-vars``: what a command run in another checkout must not inherit.
LOCAL_ENV_VARS = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
)
_PER_WORKTREE_REFS = ("refs/bisect/", "refs/worktree/", "refs/rewritten/")
_ADDED_OR_MODIFIED = frozenset(b"AMT")
_NO_FLUSH = {"GIT_FLUSH": "0"}


@dataclass(frozen=True)
class Change:
    """One path of a change set; ``status`` is one of A M T R C D (``old_path`` for R and C)."""

    path: str
    status: str
    old_path: str | None = None


@dataclass(frozen=True)
class HeadState:
    """Where HEAD points. ``operation``: rebase, am, cherry-pick, revert, merge, bisect or None."""

    branch: str | None
    oid: str | None
    unborn: bool
    detached: bool
    operation: str | None


@dataclass(frozen=True)
class PushRange:
    """The commits a push adds and every path they add, modify or change the type of."""

    commits: int
    changes: list[Change] = field(default_factory=list)


# An index entry the staged changes give: (mode, object id); None for a path that is gone.
_Entry = tuple[str, str]


def clean_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a command run from a hook in another folder: without the variables
    git sets for the hook (``GIT_DIR``, ``GIT_INDEX_FILE``, ...), which would otherwise send the
    command's own git calls to this repository and the index being committed."""
    env = dict(os.environ if base is None else base)
    for name in LOCAL_ENV_VARS:
        env.pop(name, None)
    return env


def libgit2_version() -> str | None:
    """``libgit2 X (pygit2 Y)``, or None when pygit2 cannot be loaded."""
    try:
        import pygit2
    except (ImportError, OSError):
        return None
    return f"libgit2 {pygit2.LIBGIT2_VERSION} (pygit2 {getattr(pygit2, '__version__', '?')})"


def _lines(data: bytes) -> list[str]:
    return [os.fsdecode(line) for line in data.split(b"\n") if line]


def _is_zero(oid: str | None) -> bool:
    return not oid or set(oid) <= {"0"}


def _is_hex(value: str) -> bool:
    return len(value) in (40, 64) and all(c in "0123456789abcdef" for c in value)


class Repository:
    """One repository, found from a folder inside it (or its git folder)."""

    git_dir: Path
    common_dir: Path
    workdir: Path | None
    is_bare: bool
    object_format: str

    def __init__(
        self,
        *,
        git_dir: Path,
        common_dir: Path,
        workdir: Path | None,
        is_bare: bool,
        object_format: str = "sha1",
    ) -> None:
        self.git_dir = git_dir
        self.common_dir = common_dir
        self.workdir = workdir
        self.is_bare = is_bare
        self.object_format = object_format
        self._env = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_VARIABLES}
        self._staged: dict[Path | None, dict[str, _Entry | None]] = {}
        self._staged_changes: dict[Path | None, list[Change]] = {}
        self._staged_jobs: dict[Path | None, subprocess.Popen[bytes]] = {}
        self._push_jobs: dict[tuple[str, ...], subprocess.Popen[bytes]] = {}
        self._pushed: dict[tuple[str, ...], PushRange] = {}
        self._commits: dict[str, str | None] = {}
        self._status: dict[Path | None, list[tuple[str, str]]] = {}
        self._status_job: subprocess.Popen[bytes] | None = None
        self._main_root: tuple[Path | None] | None = None
        self._cat_files: dict[Path | None, _CatFile] = {}

    def __repr__(self) -> str:
        return f"Repository(git_dir={self.git_dir!s}, workdir={self.workdir!s})"

    # --- discovery ------------------------------------------------------------------------------

    @classmethod
    def discover(cls, start: Path | None = None) -> Repository:
        """The repository ``start`` (default: the current folder) is in, as git finds it:
        ``GIT_DIR`` and friends are honoured, a linked worktree's ``git_dir`` is its own and
        ``common_dir`` the shared one, a submodule is its own repository."""
        cwd = Path.cwd() if start is None else start
        try:
            proc = subprocess.run(
                [
                    "git",
                    "rev-parse",
                    "--path-format=absolute",
                    "--git-dir",
                    "--git-common-dir",
                    "--is-bare-repository",
                    "--show-object-format",
                    "--show-toplevel",  # last: it fails outside a working tree
                ],
                cwd=cwd,
                capture_output=True,
                check=False,
            )
        except FileNotFoundError as exc:
            if exc.filename == "git":
                raise FatalError("git is not installed or not on PATH; install git") from exc
            raise FatalError(f"folder {cwd} does not exist; run this inside a repository") from exc
        except NotADirectoryError as exc:
            raise FatalError(f"{cwd} is not a folder; run this inside a repository") from exc
        lines = _lines(proc.stdout)
        if len(lines) < 4:
            reason = _first_line(proc.stderr) or "not a git repository"
            raise FatalError(
                f"{cwd} is not inside a git repository ({reason}); run this from a repository"
            )
        git_dir, common_dir = Path(lines[0]), Path(lines[1])
        is_bare = lines[2] == "true"
        workdir = Path(lines[4]) if len(lines) > 4 and proc.returncode == 0 else None
        repo = cls(
            git_dir=git_dir,
            common_dir=common_dir,
            workdir=workdir,
            is_bare=is_bare,
            object_format=lines[3],
        )
        if workdir is None and not is_bare:
            repo.workdir = repo._worktree_of_git_dir()
        return repo

    def _worktree_of_git_dir(self) -> Path | None:
        """The working tree of a non-bare repository entered through its git folder."""
        if self.git_dir != self.common_dir:
            try:
                pointer = (self.git_dir / "gitdir").read_bytes().strip()
            except OSError:
                return None
            return Path(os.fsdecode(pointer)).parent
        configured = self.config_value("core.worktree")
        if configured:
            return (self.git_dir / configured).resolve()
        return self.common_dir.parent

    def main_root(self) -> Path | None:
        """The root of the main worktree (None when the repository is bare)."""
        if self._main_root is None:
            self._main_root = (self._find_main_root(),)
        return self._main_root[0]

    def _find_main_root(self) -> Path | None:
        if self.is_bare:
            return None
        if self.git_dir == self.common_dir:
            return self.workdir
        # A linked worktree: the first record of the list is the main worktree (or bare).
        out = self._git("worktree", "list", "--porcelain")
        first = out.split(b"\n\n", 1)[0].split(b"\n")
        if b"bare" in first or not first[0].startswith(b"worktree "):
            return None
        return Path(os.fsdecode(first[0][len(b"worktree ") :]))

    def hooks_dir(self) -> Path:
        """Where git runs hooks from: ``core.hooksPath`` (a relative one from the worktree root,
        where git runs hooks) else ``<common_dir>/hooks``."""
        out = self._git(
            "rev-parse", "--path-format=absolute", "--git-path", "hooks", cwd=self._hook_cwd()
        )
        return Path(os.fsdecode(out.rstrip(b"\n")))

    def _hook_cwd(self) -> Path:
        return self.workdir if self.workdir is not None else self.git_dir

    # --- HEAD -----------------------------------------------------------------------------------

    def head(self) -> HeadState:
        operation = self._operation()
        try:
            raw = (self.git_dir / "HEAD").read_bytes().decode("utf-8", "surrogateescape").strip()
        except OSError as exc:
            raise FatalError(f"cannot read {self.git_dir / 'HEAD'}: {exc.strerror}") from exc
        if not raw.startswith("ref:"):
            return HeadState(None, raw, unborn=False, detached=True, operation=operation)
        ref = raw[4:].strip()
        if ref == "refs/heads/.invalid":  # the reftable backend keeps HEAD elsewhere
            return self._head_from_git(operation)
        oid = self._resolve_ref(ref)
        branch = ref.removeprefix("refs/heads/")
        return HeadState(branch, oid, unborn=oid is None, detached=False, operation=operation)

    def _head_from_git(self, operation: str | None) -> HeadState:
        ref = self._git("symbolic-ref", "-q", "HEAD", ok=(0, 1)).strip()
        oid = self._git("rev-parse", "-q", "--verify", "HEAD", ok=(0, 1)).strip()
        oid_text = oid.decode() if oid else None
        if not ref:
            return HeadState(None, oid_text, unborn=False, detached=True, operation=operation)
        branch = os.fsdecode(ref).removeprefix("refs/heads/")
        return HeadState(
            branch, oid_text, unborn=oid_text is None, detached=False, operation=operation
        )

    def _resolve_ref(self, ref: str) -> str | None:
        """A branch's commit id from the files backend (loose ref, then packed-refs)."""
        for _ in range(5):  # symbolic refs pointing at symbolic refs, within reason
            per_worktree = ref == "HEAD" or ref.startswith(_PER_WORKTREE_REFS)
            base = self.git_dir if per_worktree else self.common_dir
            try:
                value = (base / ref).read_bytes().decode("ascii", "replace").strip()
            except OSError:
                return self._packed_ref(ref)
            if value.startswith("ref:"):
                ref = value[4:].strip()
                continue
            return value if _is_hex(value) else None
        return None

    def _packed_ref(self, ref: str) -> str | None:
        try:
            data = (self.common_dir / "packed-refs").read_bytes()
        except OSError:
            return None
        suffix = b" " + os.fsencode(ref)
        for line in data.split(b"\n"):
            if line.endswith(suffix) and not line.startswith((b"#", b"^")):
                oid = line[: -len(suffix)].decode("ascii", "replace")
                return oid if _is_hex(oid) else None
        return None

    def _operation(self) -> str | None:
        """The operation in progress in this worktree, as git's own prompt names it."""
        git_dir = self.git_dir
        if (git_dir / "rebase-merge").is_dir():
            return "rebase"
        if (git_dir / "rebase-apply").is_dir():
            return "am" if (git_dir / "rebase-apply" / "applying").exists() else "rebase"
        for name, operation in (
            ("CHERRY_PICK_HEAD", "cherry-pick"),
            ("REVERT_HEAD", "revert"),
            ("MERGE_HEAD", "merge"),
            ("BISECT_LOG", "bisect"),
        ):
            if (git_dir / name).exists():
                return operation
        return None

    # --- what is being committed ----------------------------------------------------------------

    def staged_changes(self, *, index_file: Path | None = None) -> list[Change]:
        """The index being committed (``index_file``, as ``$GIT_INDEX_FILE`` names it; default
        the repository's index) against HEAD, or the empty tree before the first commit.
        Renames are detected (R, ``old_path`` set); deletions are listed as D."""
        key = self._index_key(index_file)
        if key not in self._staged_changes:
            self._read_staged(key)
        return list(self._staged_changes[key])

    def _start_staged(self, key: Path | None) -> None:
        """Start comparing the index with HEAD in the background: the one expensive question of
        a commit (it reads the whole index) then overlaps with the hook's own start-up."""
        if key in self._staged or key in self._staged_jobs:
            return
        base = self.head().oid or _EMPTY_TREE[self.object_format]
        self._staged_jobs[key] = self._spawn(
            "diff-index", "--cached", "-z", "--raw", "--no-abbrev", "-M", base, index_file=key
        )

    def _read_staged(self, key: Path | None) -> None:
        self._start_staged(key)
        out = _collect(self._staged_jobs.pop(key))
        # ":<old mode> <new mode> <old id> <new id> <status>[score]", then the path (two paths,
        # old then new, for a rename or copy), each NUL-terminated.
        changes: list[Change] = []
        overlay: dict[str, _Entry | None] = {}
        tokens = os.fsdecode(out).split("\0")
        i, count = 0, len(tokens) - 1
        while i < count:
            _, mode, _, oid, status = tokens[i].split(" ")
            if status[0] in "RC":
                old, path = tokens[i + 1], tokens[i + 2]
                i += 3
                changes.append(Change(path, status[0], old))
                if status[0] == "R":
                    overlay[old] = None
            else:
                path = tokens[i + 1]
                i += 2
                changes.append(Change(path, status))
            overlay[path] = None if status == "D" else (mode, oid)
        self._staged_changes[key] = changes
        self._staged[key] = overlay

    def index_tree_id(self, *, index_file: Path | None = None) -> str:
        """The id of the tree the index would commit (written to the object store, as
        ``git commit`` is about to do).

        ``git write-tree`` locks and updates the index it reads, so it reads a private copy:
        the user's index is never rewritten, and a lock held by another git process (a second
        commit, an editor's refresh) does not get in the way.
        """
        import shutil
        import tempfile

        source = self._index_key(index_file) or self.git_dir / "index"
        handle, name = tempfile.mkstemp(prefix="metawsm-hooks-index.")
        os.close(handle)
        copy = Path(name)
        try:
            try:
                shutil.copyfile(source, copy)
            except FileNotFoundError:
                copy.unlink()  # no index yet: git reads a missing one as empty
            except OSError as exc:
                raise FatalError(
                    f"cannot copy the index {source} to {copy} ({exc.strerror}); free space in"
                    " the temporary folder ($TMPDIR) and retry"
                ) from exc
            return self._git("write-tree", index_file=copy).decode().strip()
        finally:
            copy.unlink(missing_ok=True)

    def index_source(self, *, index_file: Path | None = None) -> TreeSource:
        key = self._index_key(index_file)
        self._start_staged(key)
        return _Tree(
            self, lambda: self.head().oid, of_index=True, index_file=key, label="the index"
        )

    def _overlay(self, key: Path | None, *, wait: bool) -> dict[str, _Entry | None] | None:
        """The staged changes of an index by path; None while still being read, unless
        ``wait``."""
        if key not in self._staged:
            if not wait and key in self._staged_jobs and self._staged_jobs[key].poll() is None:
                return None
            self._read_staged(key)
        return self._staged[key]

    def _index_key(self, index_file: Path | None) -> Path | None:
        if index_file is None:
            return None
        # git hands hooks a path relative to the worktree root, which is where hooks run.
        return Path(os.path.abspath(index_file))

    # --- commits and pushes ---------------------------------------------------------------------

    def resolve(self, rev: str) -> str | None:
        """The full id of the commit ``rev`` names, or None."""
        if not rev or rev.startswith("-"):
            return None
        if rev in self._commits:  # only ids are remembered: what a name points to may move
            return self._commits[rev]
        out = self._git("rev-parse", "-q", "--verify", f"{rev}^{{commit}}", ok=(0, 1, 128))
        oid = out.decode("ascii", "replace").strip()
        found = oid if _is_hex(oid) else None
        if _is_hex(rev):
            self._commits[rev] = found
        return found

    def tree_id_of(self, rev: str) -> str:
        out = b""
        if rev and not rev.startswith("-"):
            out = self._git("rev-parse", "-q", "--verify", f"{rev}^{{tree}}", ok=(0, 1, 128))
        tree = out.decode("ascii", "replace").strip()
        if not _is_hex(tree):
            raise FatalError(f"'{rev}' is not a commit or tree here; fetch it first")
        return tree

    def commit_source(self, rev: str) -> TreeSource:
        oid = self.resolve(rev)
        if oid is None:
            raise FatalError(f"'{rev}' is not a commit here; fetch it first")
        return _Tree(self, lambda: oid, label=f"commit {oid[:12]}")

    def pushed_changes(
        self,
        *,
        new: str,
        old: str | None,
        remote: str | None,
        exclude_all_refs: bool = False,
    ) -> PushRange:
        """Commits reachable from ``new`` and neither from ``old`` (when given and not all zeros)
        nor from any ``refs/remotes/<remote>/*`` (when ``remote`` is given) nor, with
        ``exclude_all_refs``, from any ref of this repository (on a server, in pre-receive: what
        it has before the push); every path any of them adds, modifies or changes the type of (a
        path added then deleted within the range counts; a rename counts as its new path; a merge
        counts what it changes against its first parent)."""
        args = self._log_args(new, old, remote, exclude_all_refs)
        if args not in self._pushed:
            self.prefetch_pushed_changes(
                new=new, old=old, remote=remote, exclude_all_refs=exclude_all_refs
            )
            out = _collect(self._push_jobs.pop(args))
            self._pushed[args] = self._parse_log(out, new)
        found = self._pushed[args]
        return PushRange(commits=found.commits, changes=list(found.changes))

    def prefetch_pushed_changes(
        self,
        *,
        new: str,
        old: str | None,
        remote: str | None,
        exclude_all_refs: bool = False,
    ) -> None:
        """Start ``pushed_changes`` with these arguments in the background (git's walk of the
        pushed commits is the long part of a push), so that it overlaps with other work."""
        args = self._log_args(new, old, remote, exclude_all_refs)
        if args not in self._pushed and args not in self._push_jobs:
            # git flushes after every commit into a pipe unless told not to: 15% of the time.
            self._push_jobs[args] = self._spawn(*args, extra_env=_NO_FLUSH)

    @staticmethod
    def _log_args(
        new: str, old: str | None, remote: str | None, exclude_all_refs: bool
    ) -> tuple[str, ...]:
        args = [
            "log",
            "-z",
            "--format=%H",
            "--name-status",
            "--no-renames",
            "--diff-merges=first-parent",
            "--root",
            "--no-color",
            "--no-relative",
            "--no-show-signature",
            "--ignore-missing",  # an old id this clone never saw limits nothing
            new,
            "--not",
        ]
        if not _is_zero(old) and old is not None:
            args.append(old)
        if remote and not any(c in remote for c in "*?[\\"):
            args.append(f"--remotes={remote}")
        if exclude_all_refs:
            args.append("--all")
        return tuple(args)

    def _parse_log(self, out: bytes, new: str) -> PushRange:
        # Each commit is its id, then (status, path) pairs; a status is "\nM" or "M", an id is
        # 40 or 64 hex digits, so the two cannot be confused.
        commits = 0
        found: dict[bytes, int] = {}
        tokens = iter(out.split(b"\0"))
        for token in tokens:
            if len(token) > 2:
                commits += 1
            elif token:
                path = next(tokens, b"")
                if token[-1] in _ADDED_OR_MODIFIED and path:
                    # Newest commits come first: the oldest status wins (added, then modified: A).
                    found[path] = token[-1]
        if commits == 0 and self.resolve(new) is None:
            raise FatalError(f"'{new}' is not a commit here; nothing can be checked")
        changes = [Change(os.fsdecode(path), chr(found[path])) for path in sorted(found)]
        return PushRange(commits=commits, changes=changes)

    # --- the working tree -----------------------------------------------------------------------

    def prefetch_status(self) -> None:
        """Start reading the working tree's status in the background; ``dirty_paths`` and
        ``worktree_matches_commit`` then take it without waiting for a second scan. Worth it
        before another long git call (a push's ``pushed_changes``)."""
        if self.workdir is None or None in self._status or self._status_job is not None:
            return
        self._status_job = self._spawn(*self._status_args())

    def dirty_paths(self, *, ignore: Sequence[str] = ()) -> list[str]:
        """Unstaged, staged-uncommitted and untracked (not ignored) paths, sorted; ``ignore``
        are exact paths (relative to the worktree root) left out."""
        skip = set(ignore)
        paths = {path for _, path in self._status_entries(None) if path not in skip}
        return sorted(paths, key=os.fsencode)

    def worktree_matches_index(
        self, *, index_file: Path | None = None, ignore: Sequence[str] = ()
    ) -> bool:
        """Nothing in the working tree differs from the index and nothing untracked is there:
        the tree being committed is exactly what is on disk."""
        skip = set(ignore)
        entries = self._status_entries(self._index_key(index_file))
        return not any(xy[1] != " " for xy, path in entries if path not in skip)

    def worktree_matches_commit(self, rev: str, *, ignore: Sequence[str] = ()) -> bool:
        """HEAD is ``rev`` and nothing is dirty."""
        if self.workdir is None:
            return False
        oid = self.resolve(rev)
        return oid is not None and self.head().oid == oid and not self.dirty_paths(ignore=ignore)

    def _status_args(self) -> tuple[str, ...]:
        # No optional locks: status must not rewrite the index a commit is being made from.
        return (
            "--no-optional-locks",
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--no-renames",
        )

    def _status_entries(self, key: Path | None) -> list[tuple[str, str]]:
        if self.workdir is None:
            raise FatalError("a bare repository has no working tree to inspect")
        if key not in self._status:
            job, self._status_job = self._status_job, None
            if key is not None or job is None:
                job = self._spawn(*self._status_args(), index_file=key)
            out = _collect(job)
            entries = []
            for record in out.split(b"\0"):
                if len(record) > 3:
                    entries.append((record[:2].decode(), os.fsdecode(record[3:])))
            self._status[key] = entries
        return self._status[key]

    def materialize(self, tree_id: str, dest: Path) -> None:
        """Write every file of ``tree_id`` into ``dest`` as a checkout would (symlinks,
        executable bits, filters); submodules stay empty folders. The repository's index,
        HEAD and worktree list are left alone, and no git metadata is written to ``dest``."""
        import tempfile

        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="metawsm-index-") as scratch:
            index = Path(scratch) / "index"
            self._git("read-tree", tree_id, index_file=index)
            self._git("checkout-index", "--all", "--force", index_file=index, work_tree=dest)

    # --- configuration --------------------------------------------------------------------------

    def config_value(self, key: str) -> str | None:
        out = self._git("config", "--get", key, ok=(0, 1))
        return os.fsdecode(out.rstrip(b"\n")) if out else None

    def config_values(self, *keys: str) -> dict[str, str]:
        """The values of ``keys`` (lower-case ``section.name``), in one git call; a key that is
        not set is absent; a key set twice gives its last value, as git reads it."""
        pattern = "^(" + "|".join(key.replace(".", "\\.") for key in keys) + ")$"
        out = self._git("config", "-z", "--get-regexp", pattern, ok=(0, 1))
        values = {}
        for item in out.split(b"\0"):
            key, _, value = item.partition(b"\n")
            if key:
                values[os.fsdecode(key)] = os.fsdecode(value)
        return values

    def commit_message(self, rev: str) -> str | None:
        """The message of commit ``rev`` as stored, None when there is no such commit."""
        out = self._git("cat-file", "commit", rev, ok=None)
        _, sep, message = out.partition(b"\n\n")
        return message.decode("utf-8", "surrogateescape") if sep else None

    def identity(self) -> str:
        """``Name <email>`` as git would write it as a commit's author, '' when unset."""
        out = self._git("var", "GIT_AUTHOR_IDENT", ok=None)
        # "Name <email> 1700000000 +0000": the date is not part of who.
        who, bracket, _ = os.fsdecode(out.strip()).rpartition(">")
        return who + bracket

    def remote_url(self, name: str) -> str | None:
        if not name or name.startswith("-"):
            return None
        out = self._git("remote", "get-url", name, ok=None)
        return os.fsdecode(out.rstrip(b"\n")) or None

    # --- running git ----------------------------------------------------------------------------

    def _git_argv(self, *args: str, work_tree: Path | None = None) -> list[str]:
        argv = ["git", f"--git-dir={self.git_dir}", "--literal-pathspecs"]
        work_tree = work_tree or self.workdir
        if work_tree is not None:
            argv.append(f"--work-tree={work_tree}")
        argv += args
        return argv

    def _child_env(self, index_file: Path | None) -> dict[str, str]:
        if index_file is None:
            return self._env
        return {**self._env, "GIT_INDEX_FILE": str(index_file)}

    def _git(
        self,
        *args: str,
        index_file: Path | None = None,
        ok: tuple[int, ...] | None = (0,),
        work_tree: Path | None = None,
        cwd: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> bytes:
        """git's stdout; FatalError when its exit status is not in ``ok`` (None: '' instead)."""
        job = self._spawn(
            *args, index_file=index_file, work_tree=work_tree, cwd=cwd, extra_env=extra_env
        )
        return _collect(job, ok=ok)

    def _spawn(
        self,
        *args: str,
        index_file: Path | None = None,
        work_tree: Path | None = None,
        cwd: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """git running (in the background until ``_collect`` takes its output)."""
        env = self._child_env(index_file)
        try:
            return subprocess.Popen(
                self._git_argv(*args, work_tree=work_tree),
                cwd=cwd or work_tree or self._hook_cwd(),
                env={**env, **extra_env} if extra_env else env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            raise FatalError(f"cannot run git ({exc.strerror or exc}); install git") from exc

    def _cat(self, index: Path | None = None) -> _CatFile:
        """The object reader; ``index`` is the index ``:0:<path>`` names refer to."""
        if index not in self._cat_files:
            argv = self._git_argv("cat-file", "--batch")
            self._cat_files[index] = _CatFile(argv, self._child_env(index))
        return self._cat_files[index]

    def close(self) -> None:
        """Stop the helper processes (also done when the object is collected)."""
        for reader in self._cat_files.values():
            reader.close()
        self._cat_files.clear()
        for job in [*self._staged_jobs.values(), *self._push_jobs.values(), self._status_job]:
            if job is not None:
                job.kill()
                job.communicate()
        self._staged_jobs.clear()
        self._push_jobs.clear()
        self._status_job = None


def _collect(job: subprocess.Popen[bytes], *, ok: tuple[int, ...] | None = (0,)) -> bytes:
    """The output of a git started by ``Repository._spawn``; FatalError when its exit status is
    not in ``ok`` (None: '' instead)."""
    out, err = job.communicate()
    if ok is None:
        return out if job.returncode == 0 else b""
    if job.returncode not in ok:
        argv = [str(arg) for arg in job.args]  # type: ignore[union-attr]
        command = next((a for a in argv[1:] if not a.startswith("-")), "")
        reason = _first_line(err) or f"exit status {job.returncode}"
        raise FatalError(f"git {command} failed: {reason}")
    return out


def _first_line(data: bytes) -> str:
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip().removeprefix("fatal: ").removeprefix("error: ")
    return ""


class _CatFile:
    """One ``git cat-file --batch`` serving every read of a hook run."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        import weakref

        self._finalizer = weakref.finalize(self, _stop, self.proc)

    def read(self, name: bytes) -> tuple[str, bytes] | None:
        """(type, content) of the object ``name`` (an id or ``<tree-ish>:<path>``), or None."""
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(name + b"\n")
            stdin.flush()
            header = stdout.readline()
        except OSError as exc:
            raise FatalError(f"git cat-file stopped unexpectedly ({exc})") from exc
        if not header:
            raise FatalError("git cat-file stopped unexpectedly")
        parts = header.split()
        # "<id> <type> <size>", else "<name> missing" (or "ambiguous"), the name maybe spaced.
        if len(parts) != 3 or not parts[2].isdigit() or not _is_hex(parts[0].decode("latin-1")):
            return None
        size = int(parts[2])
        content = stdout.read(size)
        stdout.read(1)  # the newline after the content
        return parts[1].decode(), content

    def close(self) -> None:
        self._finalizer()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.stdin is not None:
        proc.stdin.close()
    if proc.stdout is not None:
        proc.stdout.close()
    proc.wait()


class _Tree:
    """A tree read through git: a commit's, or the index's (HEAD's tree overlaid with the
    staged changes, which say everything about the index that differs from HEAD).

    Reads follow symlinks within the tree, as reading the checked-out file would; a symlink
    leading out of the tree, a dangling one and a submodule read as nothing, and a folder where
    a file is asked for is an error (metawsm could not read it either).
    """

    def __init__(
        self,
        repo: Repository,
        base: Callable[[], str | None],
        *,
        of_index: bool = False,
        index_file: Path | None = None,
        label: str,
    ) -> None:
        self._repo = repo
        self._base = base
        self._of_index = of_index
        self._index_file = index_file  # None: the repository's own index
        self._known: dict[str, _Entry] = {}  # entries learnt by list_files
        self.label = label

    def __repr__(self) -> str:
        return f"<tree of {self.label}>"

    def _overlay(self, *, wait: bool = True) -> dict[str, _Entry | None] | None:
        if not self._of_index:
            return {}
        return self._repo._overlay(self._index_file, wait=wait)

    def list_files(self, prefix: str) -> list[str]:
        """Every file (blobs and symlinks; not submodules) under the folder ``prefix``."""
        folder = prefix.strip("/")
        overlay = self._overlay() or {}
        base = self._base()
        found: dict[str, _Entry] = {}
        if base is not None:
            args = ["ls-tree", "-r", "-z", "--full-tree", base]
            if folder:
                args += ["--", folder]
            for path, entry in _tree_entries(self._repo._git(*args)):
                found[path] = entry
        for path, change in overlay.items():
            if folder and path != folder and not path.startswith(folder + "/"):
                continue
            if change is None:
                found.pop(path, None)
            else:
                found[path] = change
        self._known.update(found)
        return sorted((p for p, e in found.items() if e[0] != _GITLINK), key=os.fsencode)

    def read(self, path: str) -> bytes | None:
        """The content of the file at ``path`` (through symlinks), or None when there is none."""
        for _ in range(_SYMLINK_HOPS):
            entry = self._entry(path)
            if entry is None or entry[0] == _GITLINK:
                return None
            got = self._repo._cat().read(entry[1].encode())
            if got is None or got[0] != "blob":
                return None
            if entry[0] != _SYMLINK:
                return got[1]
            target = os.fsdecode(got[1])
            path = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if target.startswith("/") or path == ".." or path.startswith("../"):
                return None  # out of the tree
        return None  # a loop, as the file system would say

    def _entry(self, path: str) -> _Entry | None:
        """(mode, id) of ``path`` in this tree; None when absent; FatalError for a folder."""
        path = path.strip("/")
        if not path:
            return None
        if path == ".":
            self._folder(path)
        if path in self._known:
            return self._known[path]
        overlay = self._overlay(wait=False)
        if overlay is None:
            # The staged changes are still being computed: ask the index itself (a second read
            # of it, alongside, rather than waiting).
            out = self._repo._git("ls-files", "-s", "-z", "--", path, index_file=self._index_file)
            return self._pick(path, _index_entries(out))
        if path in overlay and overlay[path] is not None:
            return overlay[path]
        if any(p.startswith(path + "/") for p, e in overlay.items() if e is not None):
            self._folder(path)
        base = self._base()
        if path in overlay or base is None:
            return None  # removed from the index, or nothing committed yet
        out = self._repo._git("ls-tree", "-z", "--full-tree", base, "--", path)
        return self._pick(path, _tree_entries(out, folders=True))

    def _pick(self, path: str, entries: Iterator[tuple[str, _Entry]]) -> _Entry | None:
        for name, entry in entries:
            if name == path and entry[0] != _FOLDER:
                return entry
            if name == path or name.startswith(path + "/"):
                self._folder(path)
        return None

    def _folder(self, path: str) -> None:
        raise FatalError(
            f"{path} is a directory in {self.label}, where a file is expected;"
            " make it a file or move it",
            exit_code=1,
        )


def _tree_entries(out: bytes, *, folders: bool = False) -> Iterator[tuple[str, _Entry]]:
    """``ls-tree -z``: "<mode> <type> <id>\t<path>" records."""
    for record in out.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        if name:
            mode, kind, oid = meta.decode().split(" ")
            if kind != "tree" or folders:
                yield os.fsdecode(name), (_FOLDER if kind == "tree" else mode, oid)


def _index_entries(out: bytes) -> Iterator[tuple[str, _Entry]]:
    """``ls-files -s -z``: "<mode> <id> <stage>\t<path>" records (stage 0: not in conflict)."""
    for record in out.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        if name:
            mode, oid, stage = meta.decode().split(" ")
            if stage == "0":
                yield os.fsdecode(name), (mode, oid)
