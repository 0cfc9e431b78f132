"""``tests``: every ``test_commands`` entry passes on the tree being committed or pushed.

Each command runs through ``/bin/sh -c`` with ``hooks.test_timeout_seconds``, in the working
tree when it holds exactly that tree (nothing unstaged or untracked, no sparse checkout,
skip-worktree or assume-unchanged entry), else in a temporary checkout of it that is removed
afterwards whatever happens; a checkout left by a run that was killed outright (SIGKILL) is
removed by the next run that needs one (its folder names the process that made it). That
checkout is a working git checkout too (HEAD, index, refs, tags), so commands that call git see
the same tree either way. The first failure fails the check with the command, how it ended and
the last ``hooks.output_tail_lines`` lines of its output. A pass is remembered by tree id and
commands, so the same tree is never tested twice.
"""

from __future__ import annotations

from pathlib import Path

from metawsm_hooks.checks import FAILED, PASSED, CheckContext, CheckResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from metawsm_hooks.procs import Completed

APPLIES_TO = frozenset({"commit", "pr"})
MAX_OUTPUT = 1024 * 1024  # of each command's output, its last bytes are kept
_PREFIX = "metawsm-tests-"
# The output tail shown and stored is bounded in bytes as well as lines: one line of at most
# MAX_TAIL_LINE_BYTES (longer ones are cut, saying so), all of them at most MAX_TAIL_BYTES.
MAX_TAIL_LINE_BYTES = 512
MAX_TAIL_BYTES = 4096


def cache_key(tree_id: str, commands: Sequence[str]) -> str:
    """sha256 of the tree id and the commands, NUL-separated."""
    import hashlib

    text = "\0".join((tree_id, *commands))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def run(ctx: CheckContext) -> CheckResult:
    commands = ctx.policy.git_pr.commands()
    if not commands:
        return CheckResult("tests", PASSED, "no test commands configured")
    tree = ctx.tree_id()
    key = cache_key(tree, commands)
    if ctx.cache is not None and ctx.cache.has_passed(key):
        return CheckResult("tests", PASSED, f"cached for tree {tree[:7]}")

    from metawsm_hooks.git.runner import clean_environment

    hooks = ctx.policy.hooks
    env = clean_environment()
    workdir = ctx.repo.workdir
    if workdir is not None and ctx.run_in_place():
        failure = _run_all(commands, workdir, env, hooks.test_timeout_seconds)
    else:
        import os
        import tempfile

        _remove_leftovers(Path(tempfile.gettempdir()))
        scratch = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
        try:
            checkout = scratch / _folder_name(ctx)
            ctx.repo.materialize(tree, checkout, head=ctx.head_commit, branch=ctx.head_branch)
            failure = _run_all(commands, checkout, env, hooks.test_timeout_seconds)
        finally:  # also on Ctrl-C and SIGTERM (raised as an exception by the stage)
            _remove(scratch)
    if failure is not None:
        command, done = failure
        return CheckResult(
            "tests",
            FAILED,
            _failure_detail(command, done, hooks.test_timeout_seconds, hooks.output_tail_lines),
        )
    if ctx.cache is not None:
        ctx.cache.remember_pass(key, tree_id=tree, commands=commands)
    return CheckResult("tests", PASSED, f"all {len(commands)} test command(s) passed")


def _run_all(
    commands: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: int
) -> tuple[str, Completed] | None:
    """The first command that fails and how it ended, or None when all pass."""
    from metawsm_hooks.procs import run_bounded

    for command in commands:
        done = run_bounded(
            command, cwd=cwd, timeout=timeout, env=env, max_output=MAX_OUTPUT, shell=True
        )
        if done.timed_out or done.returncode != 0:
            return command, done
    return None


def _failure_detail(command: str, done: Completed, timeout: int, tail_lines: int) -> str:
    import json
    import signal

    quoted = json.dumps(command, ensure_ascii=False)
    if done.timed_out:
        how = f"timed out after {timeout} s"
    elif done.returncode < 0:
        try:
            how = f"killed by {signal.Signals(-done.returncode).name}"
        except ValueError:
            how = f"killed by signal {-done.returncode}"
    else:
        how = f"failed with exit status {done.returncode}"
    detail = f"command {quoted} {how}"
    lines = done.output.decode("utf-8", "replace").rstrip().splitlines()
    if tail_lines <= 0:
        return detail
    if not lines:
        return f"{detail}; it printed nothing"
    shown: list[str] = []
    budget = MAX_TAIL_BYTES
    for line in reversed(lines[-tail_lines:]):
        line = _cut(line, MAX_TAIL_LINE_BYTES)
        budget -= len(line.encode("utf-8", "surrogateescape")) + 1
        if budget < 0:
            break
        shown.append(line)
    shown.reverse()
    return f"{detail}; last {len(shown)} line(s) of its output:\n" + "\n".join(shown)


def _cut(line: str, limit: int) -> str:
    """``line`` within ``limit`` bytes of UTF-8, saying how much was left out."""
    data = line.encode("utf-8", "surrogateescape")
    if len(data) <= limit:
        return line
    kept = data[: limit - 40].decode("utf-8", "ignore")
    return f"{kept}... ({len(data) - len(kept.encode())} more bytes)"


def _folder_name(ctx: CheckContext) -> str:
    """The temporary checkout is named like the repository, as some tools expect."""
    root = ctx.repo.workdir or ctx.repo.common_dir
    return root.name.removesuffix(".git") or "checkout"


def _remove_leftovers(tmp: Path) -> None:
    """Remove this user's temporary checkouts whose process no longer runs."""
    import os

    uid = os.getuid()
    try:
        entries = [e for e in os.scandir(tmp) if e.name.startswith(_PREFIX)]
    except OSError:
        return
    for entry in entries:
        pid_text = entry.name[len(_PREFIX) :].partition("-")[0]
        try:
            if entry.is_symlink() or entry.stat().st_uid != uid or not pid_text.isdigit():
                continue
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            _remove(Path(entry.path))
        except (OSError, OverflowError, ValueError):
            continue  # alive (maybe another user's), or not ours to judge


def _remove(path: Path) -> None:
    import contextlib
    import os
    import shutil
    import stat

    shutil.rmtree(path, ignore_errors=True)
    if not path.exists():
        return
    # A command may have left read-only folders (module caches do): open them and try again,
    # each before the walk goes into it.
    with contextlib.suppress(OSError):
        os.chmod(path, stat.S_IRWXU)
    for folder, subfolders, _ in os.walk(path):
        for name in subfolders:
            inner = os.path.join(folder, name)
            if not os.path.islink(inner):  # never reach outside through a symlink
                with contextlib.suppress(OSError):
                    os.chmod(inner, stat.S_IRWXU)
    shutil.rmtree(path, ignore_errors=True)
