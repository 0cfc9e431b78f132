"""Whether git delivered what pre-push passed: metawsm's ``run_pull_requests.commit_sha`` moves
only to a commit the remote has.

pre-push runs before git sends anything, and git may still refuse the push afterwards (the
remote rejects a ref, the connection drops). So pre-push records each passed ref as pending, and
the row moves once delivery is seen:

- for a push to a named remote, git moves the remote-tracking branch (``refs/remotes/<remote>/
  <branch>``) when the remote accepts the ref: the ``reference-transaction`` hook sees that
  happen and settles the push at once; any later push or ``status`` settles it from the same ref;
- for a push by URL, which moves no remote-tracking branch, the next push or ``status`` asks the
  remote (``git ls-remote``).

A pending push whose ``git push`` has ended without delivering is settled as failed: the row
records why and keeps the commit it had.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

from metawsm_hooks.errors import EXIT_PASS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.output import Output
    from metawsm_hooks.stages.options import StageOptions
    from metawsm_hooks.store import PendingPush, Store

BRANCH_PREFIX = "refs/heads/"
REMOTES_PREFIX = "refs/remotes/"
# A pending push older than this is settled whatever its process id says (ids are reused).
STALE_SECONDS = 24 * 3600


def settle(repo: Repository, store: Store, *, ask_remote: bool) -> list[str]:
    """Settle every pending push whose fate is known; one line per settled push. With
    ``ask_remote``, a push by URL may ask its remote (``git ls-remote``)."""
    lines = []
    for pending in store.pending_pushes():
        delivered = _delivered(repo, pending, ask_remote=ask_remote)
        sha = pending.push.commit_sha
        where = f"{pending.push.remote_name or pending.remote_url} {pending.remote_ref}"
        if delivered:
            if store.settle_push(pending, delivered=True):
                lines.append(f"ledger: {sha[:12]} delivered to {where}")
        elif delivered is False and _push_over(pending):
            error = (
                f"not pushed: git did not deliver {sha[:12]} to {where} (the remote refused it,"
                " or the push was interrupted); see git push's output"
            )
            if store.settle_push(pending, delivered=False, error_text=error):
                lines.append(f"ledger: {error}")
    return lines


def _delivered(repo: Repository, pending: PendingPush, *, ask_remote: bool) -> bool | None:
    """True when the remote has the pushed commit, False when it does not, None when that
    cannot be told now."""
    sha = pending.push.commit_sha
    branch = pending.remote_ref.removeprefix(BRANCH_PREFIX)
    if pending.tracking:
        has = [repo.resolve(f"{REMOTES_PREFIX}{name}/{branch}") for name in pending.tracking]
    elif ask_remote:
        found = repo.remote_branch_heads(pending.remote_url, refs=(pending.remote_ref,))
        if found is None:
            return None
        has = list(found)
    else:
        return None
    return any(oid is not None and (oid == sha or repo.is_ancestor(sha, oid)) for oid in has)


def _push_over(pending: PendingPush) -> bool:
    """Has the ``git push`` that carried ``pending`` ended?"""
    from metawsm_hooks.store import rfc3339_epoch

    created = rfc3339_epoch(pending.created_at)
    if created is None or time.time() - created > STALE_SECONDS or pending.pusher_pid <= 0:
        return True
    try:
        os.kill(pending.pusher_pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, another user's
        return False
    return False


def reference_transaction(options: StageOptions, out: Output, args: Sequence[str]) -> int:
    """git's reference-transaction hook: once a transaction that moved remote-tracking branches
    is committed, settle the pending pushes those moves confirm. Never fails a transaction
    (git ignores the exit status of a committed one) and never creates a store."""
    if not args or args[0] != "committed" or sys.stdin is None:
        return EXIT_PASS
    moved = [
        line
        for line in sys.stdin.buffer.read().decode("utf-8", "surrogateescape").splitlines()
        if f" {REMOTES_PREFIX}" in line
    ]
    if not moved:
        return EXIT_PASS
    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.stages.common import store_location

    repo = Repository.discover(options.cwd)
    try:
        path = store_location(repo, options.db_path)
        if not path.exists():
            return EXIT_PASS
        from metawsm_hooks.store import Store

        with Store.open(path) as store:
            for line in settle(repo, store, ask_remote=False):
                out.note(line)
    finally:
        repo.close()
    return EXIT_PASS
