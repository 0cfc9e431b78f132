"""``status``: the store, the recorded pull requests, recent hook runs and operator assists."""

from __future__ import annotations

from typing import TYPE_CHECKING

from metawsm_hooks.commands.common import maybe_repository, open_store, resolved_policy
from metawsm_hooks.errors import EXIT_PASS, FatalError
from metawsm_hooks.output import Output

if TYPE_CHECKING:
    from metawsm_hooks.store import Store


def status(out: Output, *, ticket: str | None, limit: int, db: str | None) -> int:
    """Show the store's path and rows (of ``ticket`` in any spelling when given; ``limit`` hook
    runs and assists); PRs newest first by time; who ran each hook; the worktrees where the hooks
    would not run."""
    from metawsm_hooks.constants import METAWSM_TABLES
    from metawsm_hooks.hooks_off import unhooked_worktrees
    from metawsm_hooks.identity import ticket_spellings

    # How long the store waits is the policy's the hooks would use here, read quietly: its
    # problems are for validate and the hooks to report, and an invalid one leaves the default.
    try:
        used = resolved_policy(None).result
    except FatalError:
        used = None
    store = open_store(db, used.policy if used is not None and used.valid else None)
    with store:
        settled = _settle(store)
        # The ticket as the user types it (METAWSM-009, metawsm-009, the branch's token).
        tickets = ticket_spellings(store, ticket) if ticket is not None else None
        prs = store.pull_requests(tickets=tickets)
        runs = store.hook_runs(tickets=tickets, limit=limit)
        assists = store.assists(limit=limit)
        tables = store.metawsm_tables()
        known = store.metawsm_run_tickets()
    has_tables = tables == METAWSM_TABLES
    for row in prs:
        row["metawsm_record"] = (str(row["run_id"]), str(row["ticket"])) in known
    repo = maybe_repository()
    unhooked = unhooked_worktrees(repo.workdir) if repo is not None and repo.workdir else []
    if out.json_mode:
        out.document(
            {
                "store": str(store.path),
                "metawsm_tables": has_tables,
                "pull_requests": prs,
                "hook_runs": runs,
                "assists": assists,
                "unhooked_worktrees": [u.to_json() for u in unhooked],
            }
        )
        return EXIT_PASS
    for line in settled:
        out.note(line)
    out.line(f"store: {store.path}")
    if has_tables:
        out.line("metawsm tables: present; records use metawsm's run, ticket and workspace")
    else:
        out.line(
            "metawsm tables: absent (metawsm has not used this store);"
            " records are keyed by the branch's tokens"
        )
    out.line(f"pull requests ({len(prs)}):")
    for row in prs:
        state = row.get("pr_state") or "-"
        error = f"  error: {row['error_text']}" if row.get("error_text") else ""
        url = f" {row['pr_url']}" if row.get("pr_url") else ""
        number = f" #{row['pr_number']}" if row.get("pr_number") else ""
        sha = str(row.get("commit_sha") or "")[:12] or "-"
        key = f"{row['ticket']} {row['repo']} {row['run_id']}"
        workspace = f" workspace {row['workspace_name']}" if row.get("workspace_name") else ""
        whose = (
            ""
            if row["metawsm_record"] or not has_tables
            else " (no metawsm record: keyed by the branch's tokens)"
        )
        out.line(
            f"  {row['updated_at']} {key} [{state}]{number} {row.get('head_branch')} @ {sha}"
            f"{workspace}{url}{whose}{error}"
        )
    out.line(f"recent hook runs ({len(runs)}):")
    for row in runs:
        where = f"{row['stage']} {row.get('branch') or '-'}"
        detail = row.get("detail") or ""
        kind = str(row.get("actor_kind") or "")
        agent = str(row.get("agent") or "")
        who = f" ({kind} {agent})" if kind and agent else f" ({kind})" if kind else ""
        out.line(f"  {row['created_at']} {where} {row['verdict']}{who} {detail}".rstrip())
    if assists:
        out.line(f"recent operator assists ({len(assists)}):")
        for row in assists:
            what = f"{row.get('decision') or ''} {row.get('note') or ''}"
            out.line(f"  {row['created_at']} {row.get('branch') or '-'} {what}".rstrip())
    if unhooked:
        out.line(f"worktrees where the hooks would not run ({len(unhooked)}):")
        for found in unhooked:
            out.line(f"  {found.worktree}: {found.reason}")
            out.line(f"    fix: {found.fix}")
    return EXIT_PASS


def _settle(store: Store) -> list[str]:
    """Settle the pushes git has delivered (or not) since pre-push passed them; see
    ``stages.ledger``. Outside a repository there is nothing to ask."""
    from metawsm_hooks.commands.common import maybe_repository
    from metawsm_hooks.stages.ledger import settle

    repo = maybe_repository()
    if repo is None:
        return []
    try:
        return settle(repo, store, ask_remote=True)
    finally:
        repo.close()
