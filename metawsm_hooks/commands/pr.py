"""``pr record``: record a pull request for the run, ticket and repo a branch names."""

from __future__ import annotations

import re
from pathlib import Path

from metawsm_hooks.commands.common import current_branch, open_store, usable_policy
from metawsm_hooks.errors import EXIT_BLOCKED, EXIT_PASS, EXIT_USAGE, FatalError
from metawsm_hooks.output import Output

# metawsm reads pr_number through JSON as a float64: integers above 2^53 - 1 lose precision.
MAX_PR_NUMBER = 2**53 - 1
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
    ``branch`` (default: the current one), on the row of metawsm's run, ticket and repo
    (``identity.resolve_identity``); FatalError (blocked) when they collide."""
    from metawsm_hooks.branch import BranchMatch, parse_branch
    from metawsm_hooks.identity import IdentityConflict, resolve_identity
    from metawsm_hooks.remote import redact
    from metawsm_hooks.store import PRKey

    url = redact(url)  # a PR URL with credentials in it is stored and shown without them
    used = usable_policy(out, policy)
    template = used.git_pr.branch_template
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
    elif number < 1:
        # metawsm's pr_number is NOT NULL DEFAULT 0: 0 is its "no number yet", which the store
        # never writes over a known number, so a given 0 would be reported and then not kept.
        raise FatalError(f"--number must be a positive PR number, not {number}")
    if number > MAX_PR_NUMBER:
        what = f"--number {number}" if given is not None else f"the number in {url}"
        raise FatalError(
            f"{what} is above 2^53 - 1 ({MAX_PR_NUMBER}), which metawsm reads as a JSON float64"
            " and would change; give the PR's real number with --number N",
            exit_code=EXIT_USAGE,
        )
    store = open_store(db, used)
    with store:
        identity = resolve_identity(store, found)
        if isinstance(identity, IdentityConflict):
            raise FatalError(identity.message, exit_code=EXIT_BLOCKED)
        store.record_pr(
            PRKey(run_id=identity.run_id, ticket=identity.ticket, repo=identity.repo),
            url=url,
            number=number,
            state=state,
            workspace_name=identity.workspace_name,
        )
    out.line(
        f"recorded PR {url} ({state}) for ticket {identity.ticket}, repo {identity.repo},"
        f" run {identity.run_id} ({identity.note})"
    )
    return EXIT_PASS
