"""``status``: the recorded pull requests, recent hook runs and operator assists."""

from __future__ import annotations

from metawsm_hooks.commands.common import open_store
from metawsm_hooks.errors import EXIT_PASS
from metawsm_hooks.output import Output


def status(out: Output, *, ticket: str | None, limit: int, db: str | None) -> int:
    """Show the store's rows (of ``ticket`` when given; ``limit`` hook runs and assists)."""
    store = open_store(db)
    with store:
        prs = store.pull_requests(ticket=ticket)
        runs = store.hook_runs(ticket=ticket, limit=limit)
        assists = store.assists(limit=limit)
    if out.json_mode:
        out.document({"pull_requests": prs, "hook_runs": runs, "assists": assists})
        return EXIT_PASS
    out.line(f"store: {store.path}")
    out.line(f"pull requests ({len(prs)}):")
    for row in prs:
        state = row.get("pr_state") or "-"
        error = f"  error: {row['error_text']}" if row.get("error_text") else ""
        url = f" {row['pr_url']}" if row.get("pr_url") else ""
        sha = str(row.get("commit_sha") or "")[:12] or "-"
        key = f"{row['ticket']} {row['repo']} {row['run_id']}"
        out.line(f"  {key} [{state}] {row.get('head_branch')} @ {sha}{url}{error}")
    out.line(f"recent hook runs ({len(runs)}):")
    for row in runs:
        where = f"{row['stage']} {row.get('branch') or '-'}"
        detail = row.get("detail") or ""
        out.line(f"  {row['created_at']} {where} {row['verdict']} {detail}".rstrip())
    if assists:
        out.line(f"recent operator assists ({len(assists)}):")
        for row in assists:
            what = f"{row.get('decision') or ''} {row.get('note') or ''}"
            out.line(f"  {row['created_at']} {row.get('branch') or '-'} {what}".rstrip())
    return EXIT_PASS
