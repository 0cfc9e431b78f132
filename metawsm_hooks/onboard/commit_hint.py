"""What onboarding tells the user to commit.

``init``, ``onboard`` and ``install --agent`` write files into the work tree (the policy, an
agent's settings). Left uncommitted, ``git status`` shows them, and metawsm's ``clean_tree``
check (it passes only when ``git status`` shows nothing) refuses the first push. So those
commands end with the one command line that commits exactly those files, its message in the
form the commit-msg hook wants (``TICKET: summary`` on a branch that carries a ticket).

Nothing is said for a file ``git status`` does not show (ignored, or tracked and unchanged).
In a checkout a metawsm home governs, the home's policy and store are local to the machine and
so are these files: the line says how to keep them out of git instead. So are new files that
name this machine's paths (an agent's settings name the ``metawsm-hooks`` they run by its
absolute path, which another clone may not have); one git already tracks is committed, with
that said.
"""

from __future__ import annotations

import fnmatch
import os
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.policy import Policy


def commit_advice(
    repo: Repository,
    root: Path,
    written: Sequence[Path],
    *,
    summary: str,
    policy: Policy | None,
    home: bool,
    local: str | None = None,
) -> str | None:
    """One line saying how to commit the files of ``written`` (under the worktree ``root``) that
    ``git status`` shows, with ``summary`` as the commit's subject; None when it shows none.

    ``policy`` (None: invalid or unknown) gives the branch template, the base and exempt branches
    and whether ``clean_tree`` is required; ``home`` is true when a metawsm home governs the
    checkout (then the line says how to exclude the files instead). ``local`` says why the
    files belong to this machine (then new ones are excluded likewise, and tracked ones are
    committed with that reason given).
    """
    from metawsm_hooks.commit_message import display_ticket
    from metawsm_hooks.git.repository import Repository

    # A repository of its own: status read before the files were written would be stale.
    fresh = Repository.discover(root)
    try:
        dirty = set(fresh.dirty_paths())
        untracked = set(fresh.untracked_paths())
        head = fresh.head()
    finally:
        fresh.close()
    relative = [path.relative_to(root).as_posix() for path in written]
    pending = [path for path in dict.fromkeys(relative) if path in dirty]
    if not pending:
        return None
    shown = [_from_here(root / path) for path in pending]
    names = ", ".join(pending)
    it = "it" if len(pending) == 1 else "them"
    if home or (local and all(path in untracked for path in pending)):
        why = "a metawsm home governs this checkout" if home else local
        exclude = _from_here(repo.common_dir / "info" / "exclude")
        lines = " ".join(shlex.quote("/" + path) for path in pending)
        return (
            f"{why}, so {names} stays local: keep {it} out of"
            f" git status (a push's clean_tree check needs it empty) with:"
            f" printf '%s\\n' {lines} >> {shlex.quote(exclude)}"
        )
    branch = None if head.detached else head.branch
    ticket, refusal = _branch_ticket(policy, branch)
    message = f"{display_ticket(ticket)}: {summary}" if ticket else summary
    files = " ".join(shlex.quote(path) for path in shown)
    command = f"git add {files} && git commit -m {shlex.quote(message)} -- {files}"
    advice = f"next, commit {names}"
    if policy is not None and _requires_clean_tree(policy):
        advice += f" (until then git status shows {it}, and clean_tree refuses a push)"
    advice += f": {command}"
    if refusal:
        advice += f"; {refusal}"
    if local:
        advice += f" (git already tracks {it}, but {local}: every clone needs the same)"
    return advice


def _from_here(path: Path) -> str:
    """``path`` as the user's shell in the current folder names it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)


def _requires_clean_tree(policy: Policy) -> bool:
    checks = {check.strip().lower() for check in policy.git_pr.required_checks}
    return "clean_tree" in checks and policy.git_pr.effective_mode() != "off"


def _branch_ticket(policy: Policy | None, branch: str | None) -> tuple[str | None, str | None]:
    """The ticket the commit-msg hook puts first on ``branch``, and, when the pre-commit hook
    would refuse a commit on it (a branch that does not fit the template), what to do first."""
    from metawsm_hooks.branch import BranchMatch, parse_branch
    from metawsm_hooks.constants import DEFAULT_BRANCH_TEMPLATE

    if policy is None or branch is None or policy.git_pr.effective_mode() == "off":
        return None, None
    if branch == policy.workspace.base_branch.strip() or any(
        fnmatch.fnmatchcase(branch, pattern) for pattern in policy.hooks.exempt_branches
    ):
        return None, None
    found = parse_branch(policy.git_pr.branch_template, branch)
    if isinstance(found, BranchMatch):
        return found.ticket or None, None
    template = policy.git_pr.branch_template.strip() or DEFAULT_BRANCH_TEMPLATE
    return None, (
        f"first move to a branch that fits '{template}': the hooks refuse commits on"
        f" '{branch}' (metawsm-hooks branch check suggests a name)"
    )
