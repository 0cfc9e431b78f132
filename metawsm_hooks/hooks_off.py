"""Worktrees of a repository in which git would run none of our hooks, each with the one command
that fixes it.

git runs hooks from ``core.hooksPath`` when it is set in any config scope (system, global, the
repository's, the worktree's own ``config.worktree`` under ``extensions.worktreeConfig``, or
``-c`` on the command line), else from ``<common dir>/hooks`` (source: githooks(5), git-config(1)
"core.hooksPath", git-worktree(1) "CONFIGURATION FILE"). So, per worktree, the hooks do not run
when that setting points at ``/dev/null`` (or any file that is not a folder), is empty, names a
folder that does not exist, or the folder git uses lacks our hooks.

The folder and the scope are asked of git itself in each worktree (``rev-parse --git-path hooks``,
``config --show-scope``), so whatever git decides is what is reported.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from metawsm_hooks.onboard.doctor import DoctorCheck

# git's names for the scopes `git config --show-scope` prints, as the option that writes there.
_SCOPE_OPTIONS = {
    "system": "--system",
    "global": "--global",
    "local": "--local",
    "worktree": "--worktree",
}


class Unhooked(NamedTuple):
    """A worktree where the hooks would not run: ``reason`` says why, ``fix`` is one command."""

    worktree: Path
    reason: str
    fix: str

    def to_json(self) -> dict[str, str]:
        return {"worktree": str(self.worktree), "reason": self.reason, "fix": self.fix}


def worktrees(start: Path) -> list[Path]:
    """Every non-bare worktree of the repository ``start`` is in (main first), as git lists
    them; worktrees whose folder is gone are left out (``git worktree prune`` removes them)."""
    out = _git(start, "worktree", "list", "--porcelain")
    if out is None:
        return []
    found = []
    for record in out.split("\n\n"):
        lines = record.split("\n")
        if not lines[0].startswith("worktree ") or "bare" in lines:
            continue
        path = Path(lines[0][len("worktree ") :])
        if path.is_dir():
            found.append(path)
    return found


def unhooked_worktrees(start: Path, *, hook_types: tuple[str, ...] | None = None) -> list[Unhooked]:
    """The worktrees of ``start``'s repository in which git would not run our hooks."""
    return [
        found for wt in worktrees(start) if (found := check_worktree(wt, hook_types)) is not None
    ]


def check_worktree(worktree: Path, hook_types: tuple[str, ...] | None = None) -> Unhooked | None:
    """Why git would not run our hooks in ``worktree``, or None when it would."""
    from metawsm_hooks.constants import DEFAULT_HOOK_TYPES
    from metawsm_hooks.onboard.doctor import check_hooks

    types = hook_types or DEFAULT_HOOK_TYPES
    here = shlex.quote(str(worktree))
    configured = _git(worktree, "config", "--show-scope", "--get", "core.hooksPath")
    scope, value = "", None
    if configured is not None:
        scope, _, value = configured.rstrip("\n").partition("\t")
    where = f"core.hooksPath ({scope} config)" if scope else "core.hooksPath"
    unset = f"git -C {here} config {_SCOPE_OPTIONS.get(scope, '--local')} --unset core.hooksPath"
    if value is not None and value.strip() == "":
        return Unhooked(worktree, f"{where} is empty, so git runs no hooks", unset)
    hooks_dir_text = _git(worktree, "rev-parse", "--path-format=absolute", "--git-path", "hooks")
    if hooks_dir_text is None:
        return None  # not something git can tell us about (a broken worktree)
    hooks_dir = Path(hooks_dir_text.rstrip("\n"))
    install = f"cd {here} && metawsm-hooks install"
    if value is not None and not _inside(worktree, hooks_dir):
        # install takes a hooks folder outside the repository only when told it is shared.
        install += " --shared"
    if value is not None and (
        value == os.devnull or (hooks_dir.exists() and not hooks_dir.is_dir())
    ):
        return Unhooked(
            worktree, f"{where} is {value}, which is not a folder, so git runs no hooks", unset
        )
    if not hooks_dir.is_dir():
        what = f"{where} names {hooks_dir}" if value is not None else f"{hooks_dir}"
        return Unhooked(worktree, f"{what}, which does not exist, so git runs no hooks", install)
    missing = [
        check.name.removeprefix("hook ")
        for check in check_hooks(hooks_dir, hook_types=types, root=worktree)
        if not check.ok
    ]
    if not missing:
        return None
    empty = not any(hooks_dir.iterdir())
    what = (
        "is empty"
        if empty
        else f"lacks our {', '.join(missing)} hook{'s' if len(missing) > 1 else ''}"
    )
    source = f" ({where})" if value is not None else ""
    return Unhooked(worktree, f"the hooks folder {hooks_dir}{source} {what}", install)


def _inside(worktree: Path, folder: Path) -> bool:
    """Is ``folder`` one of the repository's own folders (``git.discovery.inside_repository``),
    as git answers in ``worktree``?"""
    from metawsm_hooks.git.discovery import inside_repository
    from metawsm_hooks.git.parse import main_worktree

    dirs = _git(worktree, "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir")
    listed = _git(worktree, "worktree", "list", "--porcelain")
    found = [Path(line) for line in dirs.splitlines()] if dirs else []
    known = len(found) >= 2
    return inside_repository(
        folder,
        git_dir=found[0] if known else None,
        common_dir=found[1] if known else None,
        workdir=worktree,
        main_root=main_worktree(os.fsencode(listed)) if listed else None,
    )


def _git(cwd: Path, *args: str) -> str | None:
    """git's stdout, None when it fails (a value that is not set, a folder that is not a repo)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False, env=env)
    except OSError:
        return None
    if proc.returncode != 0:
        return None
    return os.fsdecode(proc.stdout)


def worktree_checks(start: Path) -> list[DoctorCheck]:
    """Doctor lines: one failure per worktree where the hooks would not run, else one pass."""
    from metawsm_hooks.onboard.doctor import DoctorCheck

    unhooked = unhooked_worktrees(start)
    if not unhooked:
        count = len(worktrees(start))
        return [DoctorCheck("worktrees", True, f"the hooks run in all {count} worktree(s)")]
    return [DoctorCheck("hooks off", False, f"{u.worktree}: {u.reason}", u.fix) for u in unhooked]
