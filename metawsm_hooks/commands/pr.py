"""``pr record``: record a pull request for the run, ticket and repo a branch names."""

from __future__ import annotations

import re
from pathlib import Path

from metawsm_hooks.commands.common import current_branch, open_store, usable_policy
from metawsm_hooks.errors import EXIT_PASS, FatalError
from metawsm_hooks.output import Output

_MAX_PR_NUMBER = 2**63 - 1
_PR_NUMBER = re.compile(r"/(?:pull|pulls|merge_requests|pull-requests)/(\d+)(?:[/?#]|$)")


def record(
    out: Output,
    *,
    url: str,
    number: int | None,
    state: str,
    branch: str | None,
    policy: Path | None,
    db: str | None,
) -> int:
    """Record ``url`` (``number`` default: the one in the URL, else 0) in ``state`` for
    ``branch`` (default: the current one)."""
    from metawsm_hooks.branch import BranchMatch, parse_branch
    from metawsm_hooks.store import PRKey

    template = usable_policy(out, policy).git_pr.branch_template
    if branch is None:
        branch = current_branch("--branch NAME")
    found = parse_branch(template, branch)
    if not isinstance(found, BranchMatch):
        raise FatalError(
            f"'{branch}' does not fit branch_template '{found.template}' ({found.reason}); "
            "name the run's branch with --branch"
        )
    given = number
    if number is None:
        matched = _PR_NUMBER.search(url)
        number = int(matched.group(1)) if matched else 0
    if number < 0:
        raise FatalError("--number must be a positive PR number")
    if number > _MAX_PR_NUMBER:  # the store's integers are 64-bit
        if given is not None:
            raise FatalError(f"--number {number} is too large for a PR number")
        raise FatalError(f"the number in {url} is too large for a PR number; pass --number N")
    store = open_store(db)
    with store:
        store.record_pr(
            PRKey(run_id=found.run, ticket=found.ticket, repo=found.repo),
            url=url,
            number=number,
            state=state,
        )
    out.line(
        f"recorded PR {url} ({state}) for ticket {found.ticket}, repo {found.repo}, run {found.run}"
    )
    return EXIT_PASS
