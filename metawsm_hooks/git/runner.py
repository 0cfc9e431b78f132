"""Running git for one repository: explicit ``--git-dir``/``--work-tree``, an environment without
the variables that would send git elsewhere, jobs that run in the background until their output
is taken, and one ``cat-file --batch`` serving every object read."""

from __future__ import annotations

import os

from metawsm_hooks.errors import FatalError
from metawsm_hooks.git.parse import cat_file_header, first_line, subcommand
from metawsm_hooks.git.process import Process, spawn

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

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
# git flushes after every commit into a pipe unless told not to: 15% of a long log's time.
NO_FLUSH = {"GIT_FLUSH": "0"}


def clean_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a command run from a hook in another folder: without the variables
    git sets for the hook (``GIT_DIR``, ``GIT_INDEX_FILE``, ...), which would otherwise send the
    command's own git calls to this repository and the index being committed."""
    env = dict(os.environ if base is None else base)
    for name in LOCAL_ENV_VARS:
        env.pop(name, None)
    return env


def libgit2_version() -> str | None:
    """``libgit2 X (pygit2 Y)``, or None when pygit2 cannot be loaded. The only place pygit2 is
    imported: git's plumbing answers every question a hook asks faster (see ``git``)."""
    try:
        import pygit2
    except (ImportError, OSError):
        return None
    return f"libgit2 {pygit2.LIBGIT2_VERSION} (pygit2 {getattr(pygit2, '__version__', '?')})"


class Git:
    """git for the repository at ``git_dir`` (with the working tree ``workdir``, if any)."""

    def __init__(self, git_dir: Path, workdir: Path | None) -> None:
        self.git_dir = git_dir
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_VARIABLES}
        self._cat_files: dict[Path | None, CatFile] = {}

    def argv(self, *args: str, work_tree: Path | None = None) -> list[str]:
        argv = ["git", f"--git-dir={self.git_dir}", "--literal-pathspecs"]
        work_tree = work_tree or self.workdir
        if work_tree is not None:
            argv.append(f"--work-tree={work_tree}")
        argv += args
        return argv

    def hook_cwd(self) -> Path:
        """Where git runs hooks, and so where paths it hands them are relative to."""
        return self.workdir if self.workdir is not None else self.git_dir

    def child_env(self, index_file: Path | None) -> dict[str, str]:
        if index_file is None:
            return self.env
        return {**self.env, "GIT_INDEX_FILE": str(index_file)}

    def run(
        self,
        *args: str,
        index_file: Path | None = None,
        ok: tuple[int, ...] | None = (0,),
        work_tree: Path | None = None,
        cwd: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> bytes:
        """git's stdout; FatalError when its exit status is not in ``ok`` (None: '' instead)."""
        job = self.spawn(
            *args, index_file=index_file, work_tree=work_tree, cwd=cwd, extra_env=extra_env
        )
        return collect(job, ok=ok)

    def spawn(
        self,
        *args: str,
        index_file: Path | None = None,
        work_tree: Path | None = None,
        cwd: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> Process:
        """git running (in the background until ``collect`` takes its output), in ``cwd``
        (default: ``work_tree``, else where git runs hooks)."""
        env = self.child_env(index_file)
        argv = self.argv(*args, work_tree=work_tree)
        # git -C DIR: as if started in DIR (relative paths, GIT_INDEX_FILE included).
        argv[1:1] = ["-C", os.fspath(cwd or work_tree or self.hook_cwd())]
        try:
            return spawn(argv, {**env, **extra_env} if extra_env else env)
        except OSError as exc:
            raise FatalError(f"cannot run git ({exc.strerror or exc}); install git") from exc

    def cat_file(self, index: Path | None = None) -> CatFile:
        """The object reader; ``index`` is the index ``:0:<path>`` names refer to."""
        if index not in self._cat_files:
            self._cat_files[index] = CatFile(
                self.argv("cat-file", "--batch"), self.child_env(index)
            )
        return self._cat_files[index]

    def close(self) -> None:
        for reader in self._cat_files.values():
            reader.close()
        self._cat_files.clear()


def collect(job: Process, *, ok: tuple[int, ...] | None = (0,)) -> bytes:
    """The output of a git started by ``Git.spawn``; FatalError when its exit status is not in
    ``ok`` (None: '' instead)."""
    out, err = job.communicate()
    if ok is None:
        return out if job.returncode == 0 else b""
    if job.returncode not in ok:
        command = subcommand(job.args)
        reason = first_line(err) or f"exit status {job.returncode}"
        raise FatalError(f"git {command} failed: {reason}")
    return out


def stop(job: Process | None) -> None:
    """Kill a background git whose output is no longer wanted."""
    if job is not None:
        job.kill()
        job.communicate()


class CatFile:
    """One ``git cat-file --batch`` serving every read of a hook run."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = spawn(argv, env, stdin=True, stderr=False)
        import weakref

        self._finalizer = weakref.finalize(self, _stop_reader, self.proc)

    def read(self, name: bytes, *, limit: int | None = None) -> tuple[str, bytes] | None:
        """(type, content) of the object ``name`` (an id or ``<tree-ish>:<path>``), or None.

        An object over ``limit`` bytes is passed over in 1 MiB pieces, never held whole, and
        raises FatalError (exit 1) naming its size."""
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
        found = cat_file_header(header)
        if found is None:
            return None
        kind, size = found
        if limit is not None and size > limit:
            remaining = size + 1  # and the newline after the content
            while remaining > 0:
                skipped = stdout.read(min(remaining, 1 << 20))
                if not skipped:
                    break
                remaining -= len(skipped)
            raise FatalError(
                f"is {size} bytes, over the {limit} bytes read from pushed content", exit_code=1
            )
        content = stdout.read(size)
        stdout.read(1)  # the newline after the content
        return kind, content

    def close(self) -> None:
        self._finalizer()


def _stop_reader(proc: Process) -> None:
    if proc.stdin is not None:
        proc.stdin.close()
    proc.stdout.close()
    proc.wait()
