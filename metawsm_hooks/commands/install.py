"""``install`` and ``uninstall``: the hook scripts in the folder git runs hooks from."""

from __future__ import annotations

from collections.abc import Sequence

from metawsm_hooks.commands.common import find_repository
from metawsm_hooks.errors import EXIT_PASS
from metawsm_hooks.output import Output


def install(out: Output, *, hook_types: Sequence[str]) -> int:
    """Install ``hook_types`` (default: pre-receive in a bare repository, else
    ``DEFAULT_HOOK_TYPES``)."""
    from metawsm_hooks.onboard.scripts import default_command
    from metawsm_hooks.onboard.scripts import install as install_hooks

    repo = find_repository()
    hook_types = tuple(hook_types) or (("pre-receive",) if repo.is_bare else ())
    kwargs = {"hook_types": hook_types} if hook_types else {}
    for message in install_hooks(
        repo.hooks_dir(), command=default_command(), common_dir=repo.common_dir, **kwargs
    ):
        out.line(message)
    return EXIT_PASS


def uninstall(out: Output) -> int:
    """Remove our hook scripts, putting back the hooks they chained."""
    from metawsm_hooks.onboard.scripts import uninstall as uninstall_hooks

    for message in uninstall_hooks(find_repository().hooks_dir()):
        out.line(message)
    return EXIT_PASS
