"""``install --agent`` and ``uninstall --agent``: the PreToolUse guard in the agents' own
project settings (``agent.settings``)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from metawsm_hooks.commands.common import find_repository, worktree_root
from metawsm_hooks.errors import EXIT_PASS
from metawsm_hooks.output import Output


def install_agents(out: Output, agents: Sequence[str]) -> int:
    """Merge the guard into each agent's settings file at the worktree's root."""
    from metawsm_hooks.agent import settings
    from metawsm_hooks.commands.common import resolved_policy
    from metawsm_hooks.layout import configured_home
    from metawsm_hooks.onboard.commit_hint import commit_advice
    from metawsm_hooks.onboard.scripts import default_command

    repo = find_repository()
    root = repo.workdir or worktree_root(repo, "install an agent hook into")
    chosen = tuple(dict.fromkeys(agents))
    cli = default_command()
    for agent in chosen:
        out.line(settings.install(root, agent, cli))
    # Settings left uncommitted fail the first push (clean_tree): say how to commit them.
    advice = commit_advice(
        repo,
        root,
        [settings.settings_path(root, agent) for agent in chosen],
        summary=f"Add the metawsm-hooks guard for {' and '.join(chosen)}",
        policy=resolved_policy(None, repo=repo).result.policy,
        home=configured_home(repo) is not None,
        local=f"it runs this machine's {shlex.join(cli)}",
    )
    if advice:
        out.line(advice)
    return EXIT_PASS


def uninstall_agents(out: Output, agents: Sequence[str]) -> int:
    """Take the guard out of each agent's settings file again."""
    from metawsm_hooks.agent import settings

    repo = find_repository()
    root = repo.workdir or worktree_root(repo, "uninstall an agent hook from")
    for agent in dict.fromkeys(agents):
        out.line(settings.uninstall(root, agent))
    return EXIT_PASS
