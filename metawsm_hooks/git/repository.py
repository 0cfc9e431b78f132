"""One repository as a hook run sees it: what it learnt (staged changes, pushed ranges, status,
commit ids) is remembered for its lifetime, one hook run. The long questions (staged changes,
pushed commits, status) can run in the background while the hook does other work
(``index_source`` starts the first, ``prefetch_*`` the others)."""

from __future__ import annotations

import os
from pathlib import Path

from metawsm_hooks.errors import FatalError
from metawsm_hooks.git import discovery, parse, refs, worktree
from metawsm_hooks.git.runner import NO_FLUSH, Git, collect, stop
from metawsm_hooks.git.tree import Overlay, Tree
from metawsm_hooks.git.types import EMPTY_TREE, Change, HeadState, PushRange, TreeSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from metawsm_hooks.git.process import Process
    from metawsm_hooks.git.reader import Reader


class Repository:
    """One repository, found from a folder inside it (or its git folder)."""

    git_dir: Path
    common_dir: Path
    workdir: Path | None
    is_bare: bool
    object_format: str

    def __init__(self, where: discovery.Location) -> None:
        self.git_dir = where.git_dir
        self.common_dir = where.common_dir
        self.workdir = where.workdir
        self.is_bare = where.is_bare
        self.object_format = where.object_format
        self._where = where
        self._run = Git(self.git_dir, self.workdir)
        self._staged: dict[Path | None, Overlay] = {}
        self._staged_changes: dict[Path | None, list[Change]] = {}
        self._staged_jobs: dict[Path | None, Process] = {}
        self._push_jobs: dict[tuple[str, ...], tuple[Reader, parse.PushedPaths]] = {}
        self._pushed: dict[tuple[str, ...], PushRange] = {}
        self._commits: dict[str, str | None] = {}
        self._status: dict[Path | None, list[tuple[str, str]]] = {}
        self._status_job: Process | None = None
        self._identity_job: Process | None = None
        # Config values read ahead (``start_config``): the keys asked, and the git answering.
        self._config: dict[str, str] = {}
        self._config_keys: frozenset[str] = frozenset()
        self._config_job: tuple[frozenset[str], Process] | None = None
        self._main_root: tuple[Path | None] | None = None

    def __repr__(self) -> str:
        return f"Repository(git_dir={self.git_dir!s}, workdir={self.workdir!s})"

    @classmethod
    def discover(cls, start: Path | None = None) -> Repository:
        """The repository ``start`` (default: the current folder) is in; see
        ``discovery.locate``."""
        return cls(discovery.locate(Path.cwd() if start is None else start))

    def main_root(self) -> Path | None:
        """The root of the main worktree (None when the repository is bare)."""
        if self._main_root is None:
            self._main_root = (discovery.main_root(self._run, self._where),)
        return self._main_root[0]

    def worktrees(self) -> list[Path]:
        """The root of every worktree of this repository (``git worktree list``), main first."""
        return parse.worktree_roots(self._run.run("worktree", "list", "--porcelain", "-z"))

    def hooks_dir(self) -> Path:
        """Where git runs hooks from (``core.hooksPath``, else ``<common_dir>/hooks``)."""
        return discovery.hooks_dir(self._run)

    def head(self) -> HeadState:
        return refs.head_state(self._run, self.git_dir, self.common_dir)

    # --- what is being committed ----------------------------------------------------------------

    def staged_changes(self, *, index_file: Path | None = None) -> list[Change]:
        """The index being committed (``index_file``, as ``$GIT_INDEX_FILE`` names it; default
        the repository's index) against HEAD, or the empty tree before the first commit.
        Renames are detected (R, ``old_path`` set); deletions are listed as D."""
        key = worktree.index_path(index_file)
        if key not in self._staged_changes:
            self._read_staged(key)
        return list(self._staged_changes[key])

    def _start_staged(self, key: Path | None) -> None:
        """Start comparing the index with HEAD in the background: the one expensive question of
        a commit (it reads the whole index) then overlaps with the hook's own start-up."""
        if key in self._staged or key in self._staged_jobs:
            return
        base = self.head().oid or EMPTY_TREE[self.object_format]
        self._staged_jobs[key] = self._run.spawn(*worktree.staged_args(base), index_file=key)

    def _read_staged(self, key: Path | None) -> None:
        self._start_staged(key)
        changes, overlay = parse.diff_index(collect(self._staged_jobs.pop(key)))
        self._staged_changes[key] = changes
        self._staged[key] = overlay

    def _overlay(self, key: Path | None, wait: bool) -> Overlay | None:
        """The staged changes of an index by path; None while still being read, unless
        ``wait``."""
        if key not in self._staged:
            job = self._staged_jobs.get(key)
            if not wait and (job is None or job.poll() is None):
                return None  # not started (a lazy source) or still running: read the index
            self._read_staged(key)
        return self._staged[key]

    def merge_introduced(
        self, changes: Sequence[Change], *, index_file: Path | None = None
    ) -> list[Change]:
        """Of the staged ``changes`` (against HEAD), those whose content differs from every
        parent of the merge being committed: what the merge itself introduces, its own conflict
        resolution included (git's combined diff, ``git diff -c``). A path one side already had
        as staged is not the merge's. Deletions are kept. Without a merge: ``changes``."""
        heads = refs.merge_heads(self.git_dir)
        if not heads:
            return list(changes)
        key = worktree.index_path(index_file)
        jobs = [
            self._run.spawn(
                "diff-index", "--cached", "-z", "--name-only", "--no-renames", head, index_file=key
            )
            for head in heads
        ]
        differs: set[bytes] | None = None
        for job in jobs:
            paths = set(collect(job).split(b"\0"))
            differs = paths if differs is None else differs & paths
        assert differs is not None
        return [c for c in changes if c.status == "D" or os.fsencode(c.path) in differs]

    def index_tree_id(self, *, index_file: Path | None = None) -> str:
        """The id of the tree the index would commit; see ``worktree.write_index_tree``."""
        index = worktree.index_path(index_file) or self.git_dir / "index"
        return worktree.write_index_tree(self._run, index)

    def index_source(self, *, index_file: Path | None = None, eager: bool = True) -> TreeSource:
        """The index being committed, read-only. ``eager`` starts git on the staged changes at
        once (pre-commit needs them); otherwise single files are read from the index itself and
        the staged changes are computed only if a folder is listed (the message stages)."""
        key = worktree.index_path(index_file)
        if eager:
            self._start_staged(key)
        return Tree(
            self._run,
            lambda: self.head().oid,
            overlay=lambda wait: self._overlay(key, wait),
            index_file=key,
            label="the index",
        )

    # --- commits and pushes ---------------------------------------------------------------------

    def resolve(self, rev: str) -> str | None:
        """The full id of the commit ``rev`` names, or None."""
        if rev in self._commits:  # only ids are remembered: what a name points to may move
            return self._commits[rev]
        found = refs.rev_parse(self._run, rev, "commit")
        if parse.is_hex(rev):
            self._commits[rev] = found
        return found

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Is the commit ``ancestor`` reachable from ``descendant`` (``git merge-base
        --is-ancestor``)? False when either is unknown here."""
        if ancestor.startswith("-") or descendant.startswith("-"):
            return False
        proc = self._run.spawn("merge-base", "--is-ancestor", ancestor, descendant)
        collect(proc, ok=(0, 1, 128))
        return proc.returncode == 0

    def commit_time(self, rev: str) -> int | None:
        """The committer time of the commit ``rev`` names (seconds since the epoch), or None."""
        if not rev or rev.startswith("-"):
            return None
        out = self._run.run("log", "-1", "--format=%ct", f"{rev}^{{commit}}", "--", ok=None)
        text = out.decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else None

    def tree_id_of(self, rev: str) -> str:
        tree = refs.rev_parse(self._run, rev, "tree")
        if tree is None:
            raise FatalError(f"'{rev}' is not a commit or tree here; fetch it first")
        return tree

    def commit_source(self, rev: str) -> TreeSource:
        oid = self.resolve(rev)
        if oid is None:
            raise FatalError(f"'{rev}' is not a commit here; fetch it first")
        return Tree(self._run, lambda: oid, label=f"commit {oid[:12]}")

    def pushed_changes(
        self,
        *,
        new: str,
        old: str | None,
        remote: str | Sequence[str] | None,
        exclude_all_refs: bool = False,
        present: Sequence[str] = (),
        other_branches_than: str | None = None,
    ) -> PushRange:
        """Commits reachable from ``new`` and from none of: ``old`` (when given and not all
        zeros), any ``refs/remotes/<remote>/*`` (``remote``: one configured remote's name or
        several), the commit ids in ``present`` (what the remote advertised), with
        ``other_branches_than`` any remote-tracking branch of any remote except those of that
        name (a new branch in CI), and with ``exclude_all_refs`` any ref of this repository (on a
        server, in pre-receive: what it has before the push). Every path any of them adds,
        modifies or changes the type of (a path added then deleted within the range counts; a
        rename counts as its new path; a merge counts the paths whose content differs from
        every parent, as git's combined diff ``git log -c`` lists them)."""
        args = refs.pushed_log_args(
            new, old, remote, exclude_all_refs, present, other_branches_than
        )
        if args not in self._pushed:
            self.prefetch_pushed_changes(
                new=new,
                old=old,
                remote=remote,
                exclude_all_refs=exclude_all_refs,
                present=present,
                other_branches_than=other_branches_than,
            )
            reader, paths = self._push_jobs.pop(args)
            reader.wait()
            commits, changes = paths.result()
            if commits == 0 and self.resolve(new) is None:
                raise FatalError(f"'{new}' is not a commit here; nothing can be checked")
            self._pushed[args] = PushRange(commits=commits, changes=changes)
        found = self._pushed[args]
        return PushRange(commits=found.commits, changes=list(found.changes))

    def prefetch_pushed_changes(
        self,
        *,
        new: str,
        old: str | None,
        remote: str | Sequence[str] | None,
        exclude_all_refs: bool = False,
        present: Sequence[str] = (),
        other_branches_than: str | None = None,
    ) -> None:
        """Start ``pushed_changes`` with these arguments in the background (git's walk of the
        pushed commits is the long part of a push), so that it overlaps with other work: its
        output is read as git writes it (``reader``), keeping each distinct path once."""
        args = refs.pushed_log_args(
            new, old, remote, exclude_all_refs, present, other_branches_than
        )
        if args not in self._pushed and args not in self._push_jobs:
            from metawsm_hooks.git.reader import Reader  # a thread: only a push needs one

            paths = parse.PushedPaths()
            job = self._run.spawn(*args, extra_env=NO_FLUSH)
            self._push_jobs[args] = (Reader(job, paths.feed), paths)

    def object_type(self, rev: str) -> str | None:
        """``commit``, ``tree``, ``blob`` or ``tag`` for what ``rev`` names after peeling tags
        (``git cat-file -t <rev>^{}``), or None when this repository does not have it."""
        if not rev or rev.startswith("-"):
            return None
        out = self._run.run("cat-file", "-t", f"{rev}^{{}}", ok=None)
        return out.decode("ascii", "replace").strip() or None

    # --- the working tree -----------------------------------------------------------------------

    def prefetch_status(self) -> None:
        """Start reading the working tree's status in the background; ``dirty_paths`` and
        ``worktree_matches_commit`` then take it without waiting for a second scan. Worth it
        before another long git call (a push's ``pushed_changes``)."""
        if self.workdir is None or None in self._status or self._status_job is not None:
            return
        self._status_job = self._run.spawn(*worktree.STATUS_ARGS)

    def dirty_paths(self, *, ignore: Sequence[str] = ()) -> list[str]:
        """Unstaged, staged-uncommitted and untracked (not ignored) paths, sorted; ``ignore``
        are exact paths (relative to the worktree root) left out."""
        skip = set(ignore)
        paths = {path for _, path in self._status_entries(None) if path not in skip}
        return sorted(paths, key=os.fsencode)

    def untracked_paths(self) -> list[str]:
        """The paths of ``dirty_paths`` that git does not track (status ``??``), sorted."""
        paths = {path for code, path in self._status_entries(None) if code == "??"}
        return sorted(paths, key=os.fsencode)

    def worktree_matches_index(
        self, *, index_file: Path | None = None, ignore: Sequence[str] = ()
    ) -> bool:
        """Nothing in the working tree differs from the index, nothing untracked is there and
        no index entry is hidden from status (sparse checkout, skip-worktree, assume-unchanged):
        the tree being committed is exactly what is on disk."""
        skip = set(ignore)
        entries = self._status_entries(worktree.index_path(index_file))
        if any(xy[1] != " " for xy, path in entries if path not in skip):
            return False
        return not self.has_hidden_entries(index_file=index_file)

    def worktree_matches_commit(self, rev: str, *, ignore: Sequence[str] = ()) -> bool:
        """HEAD is ``rev``, nothing is dirty and no index entry is hidden from status."""
        if self.workdir is None:
            return False
        oid = self.resolve(rev)
        return (
            oid is not None
            and self.head().oid == oid
            and not self.dirty_paths(ignore=ignore)
            and not self.has_hidden_entries()
        )

    def has_hidden_entries(self, *, index_file: Path | None = None) -> bool:
        """Does the index hold entries whose files status does not compare with the working
        tree: skip-worktree (a sparse checkout leaves them out of the working tree) or
        assume-unchanged?"""
        out = self._run.run("ls-files", "-v", "-z", index_file=worktree.index_path(index_file))
        return parse.has_hidden_entries(out)

    def _status_entries(self, key: Path | None) -> list[tuple[str, str]]:
        if self.workdir is None:
            raise FatalError("a bare repository has no working tree to inspect")
        if key not in self._status:
            job, self._status_job = self._status_job, None
            if key is not None or job is None:
                job = self._run.spawn(*worktree.STATUS_ARGS, index_file=key)
            self._status[key] = parse.status_entries(collect(job))
        return self._status[key]

    def materialize(
        self, tree_id: str, dest: Path, *, head: str | None = None, branch: str | None = None
    ) -> None:
        """Make ``dest`` a working git checkout of ``tree_id`` with HEAD at ``head`` on
        ``branch``; see ``worktree.materialize``."""
        worktree.materialize(
            self._run,
            tree_id,
            dest,
            common_dir=self.common_dir,
            object_format=self.object_format,
            head=head,
            branch=branch,
        )

    # --- configuration --------------------------------------------------------------------------

    def start_config(self, *keys: str) -> None:
        """Start reading ``keys`` (lower-case ``section.name``) in the background, in one git
        call; ``config_value`` and ``config_values`` of those keys then wait for it instead of
        starting git again. Config a hook reads does not change during its run."""
        if self._config_job is None:
            wanted = frozenset(keys)
            self._config_job = (wanted, self._run.spawn(*_config_args(wanted)))

    def _read_ahead(self, keys: Sequence[str]) -> dict[str, str] | None:
        """The values of ``keys`` when they were all read ahead, else None."""
        if self._config_job is not None:
            wanted, job = self._config_job
            self._config_job = None
            self._config = parse.config_values(collect(job, ok=(0, 1)))
            self._config_keys = wanted
        if not set(keys) <= self._config_keys:
            return None
        return {key: self._config[key] for key in keys if key in self._config}

    def config_value(self, key: str) -> str | None:
        known = self._read_ahead([key])
        if known is not None:
            return known.get(key)
        out = self._run.run("config", "--get", key, ok=(0, 1))
        return os.fsdecode(out.rstrip(b"\n")) if out else None

    def set_config(self, key: str, value: str) -> None:
        """``git config --local KEY VALUE``: the repository's own config, which every worktree
        of it reads (also with ``extensions.worktreeConfig``)."""
        self._read_ahead(())  # a read still running must not outlive the change
        self._config_keys = frozenset()
        self._run.run("config", "--local", key, value)

    def config_values(self, *keys: str) -> dict[str, str]:
        """The values of ``keys`` (lower-case ``section.name``), in one git call; a key that is
        not set is absent; a key set twice gives its last value, as git reads it."""
        known = self._read_ahead(keys)
        if known is not None:
            return known
        out = self._run.run(*_config_args(frozenset(keys)), ok=(0, 1))
        return parse.config_values(out)

    def commit_message(self, rev: str) -> str | None:
        """The message of commit ``rev`` as stored, None when there is no such commit."""
        return parse.commit_message(self._run.run("cat-file", "commit", rev, ok=None))

    def start_identity(self) -> None:
        """Start asking git for the author identity in the background, so that ``identity``
        does not wait for a git process of its own on a hook's path."""
        if self._identity_job is None:
            self._identity_job = self._run.spawn("var", "GIT_AUTHOR_IDENT")

    def identity(self) -> str:
        """``Name <email>`` as git would write it as a commit's author, '' when unset."""
        self.start_identity()
        job, self._identity_job = self._identity_job, None
        assert job is not None
        return parse.ident(collect(job, ok=None))

    def remote_urls(self) -> dict[str, list[str]]:
        """Every configured remote's fetch and push URLs (``remote.<name>.url``/``pushurl``), by
        remote name."""
        pattern = r"^remote\..*\.(push)?url$"
        return parse.remote_urls(self._run.run("config", "-z", "--get-regexp", pattern, ok=(0, 1)))

    def remote_branch_heads(
        self, url: str, *, refs: Sequence[str] = (), timeout: float = 30.0
    ) -> list[str] | None:
        """The commit ids of the branches (those named ``refs``, else all) the repository at
        ``url`` has (``git ls-remote --heads``, never prompting for credentials), or None when
        it cannot be read within ``timeout`` seconds."""
        if not url or url.startswith("-"):
            return None
        import subprocess  # for its timeout; a network read is off the commit path

        env = {**self._run.env, "GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never"}
        try:
            proc = subprocess.run(
                ["git", "ls-remote", "--heads", "--", url, *refs],
                cwd=self._run.hook_cwd(),
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return parse.ls_remote_ids(proc.stdout) if proc.returncode == 0 else None

    def remote_url(self, name: str) -> str | None:
        if not name or name.startswith("-"):
            return None
        out = self._run.run("remote", "get-url", name, ok=None)
        return os.fsdecode(out.rstrip(b"\n")) or None

    def close(self) -> None:
        """Stop the helper processes (also done when the object is collected)."""
        self._run.close()
        for reader, _ in self._push_jobs.values():
            reader.stop()
        for job in [
            *self._staged_jobs.values(),
            self._status_job,
            self._identity_job,
            self._config_job[1] if self._config_job else None,
        ]:
            stop(job)
        self._staged_jobs.clear()
        self._push_jobs.clear()
        self._status_job = None
        self._identity_job = None
        self._config_job = None


def _config_args(keys: frozenset[str]) -> list[str]:
    """``git config`` printing every value of ``keys`` (exact names, in any order)."""
    pattern = "^(" + "|".join(sorted(key.replace(".", "\\.") for key in keys)) + ")$"
    return ["config", "-z", "--get-regexp", pattern]
