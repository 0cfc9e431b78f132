"""``install`` and ``uninstall``: the hook scripts in the folder git runs hooks from."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from metawsm_hooks.commands.common import find_repository
from metawsm_hooks.errors import EXIT_PASS, FatalError
from metawsm_hooks.output import Output

if TYPE_CHECKING:
    from metawsm_hooks.git.repository import Repository


def install(out: Output, *, hook_types: Sequence[str], home: Path | None = None) -> int:
    """Install ``hook_types`` (default: pre-receive in a bare repository, else
    ``DEFAULT_HOOK_TYPES``); with ``home``, first record it as the metawsm home."""
    from metawsm_hooks.onboard.scripts import default_command
    from metawsm_hooks.onboard.scripts import install as install_hooks

    repo = find_repository()
    if home is not None:
        record_home(repo, home, out)
    hook_types = tuple(hook_types) or (("pre-receive",) if repo.is_bare else ())
    kwargs = {"hook_types": hook_types} if hook_types else {}
    for message in install_hooks(
        repo.hooks_dir(), command=default_command(), common_dir=repo.common_dir, **kwargs
    ):
        out.line(message)
    return EXIT_PASS


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
