"""``branch render`` and ``branch check``: metawsm's branch names."""

from __future__ import annotations

from pathlib import Path

from metawsm_hooks.commands.common import current_branch, usable_policy
from metawsm_hooks.errors import EXIT_BLOCKED, EXIT_PASS
from metawsm_hooks.output import Output


def render(
    out: Output, *, ticket: str, repo: str, run: str, template: str | None, policy: Path | None
) -> int:
    """Print the branch metawsm would create (``template`` default: the policy's)."""
    from metawsm_hooks.branch import render_branch

    if template is None:
        template = usable_policy(out, policy).git_pr.branch_template
    out.raw(render_branch(template, ticket=ticket, repo=repo, run=run))
    return EXIT_PASS


def check(out: Output, name: str | None, *, policy: Path | None) -> int:
    """Does ``name`` (default: the current branch) fit the template; 1 when it does not."""
    from metawsm_hooks.branch import EXAMPLE_VALUES, BranchMatch, check_branch
    from metawsm_hooks.commands.common import maybe_repository
    from metawsm_hooks.stages.common import repo_name, run_stamp

    template = usable_policy(out, policy).git_pr.branch_template
    if name is None:
        name = current_branch("metawsm-hooks branch check NAME")
    repo = maybe_repository()
    # The same suggestion as the hooks': the real repository name and the run id of HEAD.
    found = check_branch(
        template,
        name,
        repo=repo_name(repo) if repo is not None else EXAMPLE_VALUES["repo"],
        run=(lambda: run_stamp(repo)) if repo is not None else lambda: EXAMPLE_VALUES["run"],
        allow_blank=True,
    )
    if out.json_mode:
        doc: dict[str, object] = {"branch": name, "matches": isinstance(found, BranchMatch)}
        if isinstance(found, BranchMatch):
            doc.update(ticket=found.ticket, repo=found.repo, run=found.run, blank=list(found.blank))
        else:
            doc.update(ticket=None, repo=None, run=None, reason=found.reason, example=found.example)
        out.document(doc)
    elif isinstance(found, BranchMatch):
        out.line(
            f"{name}: fits; ticket={found.ticket} repo={found.repo} run={found.run}"
            f"{found.blank_note()}"
        )
    else:
        out.line(
            f"{name}: does not fit branch_template '{found.template}': {found.reason};"
            f" a fitting name: {found.example}"
        )
    return EXIT_PASS if isinstance(found, BranchMatch) else EXIT_BLOCKED
