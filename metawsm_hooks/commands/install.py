"""``install`` and ``uninstall``: the hook scripts in the folder git runs hooks from."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from metawsm_hooks.commands.common import find_repository
from metawsm_hooks.errors import EXIT_PASS, EXIT_USAGE, FatalError
from metawsm_hooks.git.discovery import inside_repository
from metawsm_hooks.output import Output

if TYPE_CHECKING:
    from metawsm_hooks.git.repository import Repository


def install(
    out: Output, *, hook_types: Sequence[str], home: Path | None = None, shared: bool = False
) -> int:
    """Install ``hook_types`` (default: pre-receive in a bare repository, else
    ``DEFAULT_HOOK_TYPES``) where git looks for hooks; with ``home``, first record it as the
    metawsm home.

    A hooks folder outside the repository (a global ``core.hooksPath``) serves every repository
    using it: it is taken only with ``shared``, and then a repository without a policy passes.
    A relative ``core.hooksPath`` is resolved by git in each worktree: install says which
    worktrees it does not reach and how to reach them all.
    """
    from metawsm_hooks.constants import DEFAULT_HOOK_TYPES
    from metawsm_hooks.onboard.scripts import default_command
    from metawsm_hooks.onboard.scripts import install as install_hooks

    repo = find_repository()
    hook_types = tuple(hook_types) or (("pre-receive",) if repo.is_bare else DEFAULT_HOOK_TYPES)
    hooks_dir = repo.hooks_dir()
    configured = repo.config_value("core.hooksPath")
    outside = configured is not None and not inside_repository(
        hooks_dir,
        git_dir=repo.git_dir,
        common_dir=repo.common_dir,
        workdir=repo.workdir,
        main_root=repo.main_root(),
    )
    if outside and not shared:
        raise FatalError(
            f"core.hooksPath is {hooks_dir}, outside this repository, so every repository using it"
            " runs the hooks there; not taking it over: install there anyway with"
            " 'metawsm-hooks install --shared' (repositories without a metawsm policy then pass),"
            " or give this repository its own folder first: git config --local core.hooksPath"
            f" {repo.common_dir / 'hooks'}",
            exit_code=EXIT_USAGE,
        )
    if home is not None:
        record_home(repo, home, out)
    for message in install_hooks(
        hooks_dir,
        hook_types=hook_types,
        command=default_command(),
        common_dir=repo.common_dir,
        shared=outside,
        work_tree=repo.workdir,
    ):
        out.line(message)
    if outside:
        out.line(
            f"{hooks_dir} is shared (core.hooksPath): repositories without a metawsm policy"
            " pass with a note"
        )
    if configured is not None and not os.path.isabs(os.path.expanduser(configured)):
        _warn_relative(out, repo, configured, hooks_dir)
    return EXIT_PASS


def _warn_relative(out: Output, repo: Repository, configured: str, hooks_dir: Path) -> None:
    """git resolves a relative core.hooksPath in the worktree a hook runs in (git 2.39:
    ``git rev-parse --git-path hooks``): other worktrees look in their own copy of the folder."""
    others = [
        tree
        for tree in repo.worktrees()
        if os.path.realpath(tree / configured) != os.path.realpath(hooks_dir)
    ]
    where = f" ({', '.join(str(tree) for tree in others)})" if others else ""
    out.warning(
        f"core.hooksPath '{configured}' is relative, so git looks for hooks in each worktree's own"
        f" '{configured}': the other worktrees{where}, and those added later, run none of these"
        f" hooks; to enforce them everywhere: git config core.hooksPath {hooks_dir}"
    )


def record_home(repo: Repository, home: Path, out: Output) -> None:
    """``git config metawsm.home DIR`` in the repository's own config, which every worktree of it
    reads; DIR must be a folder (metawsm's home: where it keeps ``.metawsm/``)."""
    from metawsm_hooks.constants import HOME_CONFIG_KEY, POLICY_RELPATH
    from metawsm_hooks.layout import forget_homes

    folder = Path(os.path.abspath(os.path.expanduser(str(home))))
    if not folder.is_dir():
        raise FatalError(
            f"--home {home}: {folder} is not a folder; give the folder metawsm runs from"
            " (the one holding .metawsm/)"
        )
    repo.set_config(HOME_CONFIG_KEY, str(folder))
    forget_homes()
    out.line(
        f"metawsm home: {folder} (git config {HOME_CONFIG_KEY}; every worktree of this repository)"
    )
    if not (folder / POLICY_RELPATH).exists():
        out.line(
            f"  {folder / POLICY_RELPATH} does not exist yet: metawsm's defaults apply until"
            " metawsm writes it (metawsm policy-init)"
        )


def uninstall(out: Output) -> int:
    """Remove our hook scripts, putting back the hooks they chained."""
    from metawsm_hooks.onboard.scripts import uninstall as uninstall_hooks

    for message in uninstall_hooks(find_repository().hooks_dir()):
        out.line(message)
    return EXIT_PASS
