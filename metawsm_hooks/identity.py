"""metawsm's identities for a branch: the run, ticket, repo and workspace metawsm keys its records
by, found from the sanitized tokens the branch carries.

metawsm renders a branch from its run id, ticket and repo through ``sanitizeToken`` (lower-cased,
separators to ``-``), so ``METAWSM-009`` becomes ``metawsm-009`` in the branch; but it keys
``run_pull_requests`` by the ticket *as given*, fills ``workspace_name`` itself, and selects rows
case-insensitively, so a second row under the branch's spelling breaks its PR step for the whole
run. Every record the hooks write therefore uses the identities resolved here: metawsm's, when the
store holds its tables and records; the branch's tokens otherwise. Two runs (or tickets, or rows)
that render to the same token are refused, never guessed between.
"""

from __future__ import annotations

from metawsm_hooks.branch import sanitize_token
from metawsm_hooks.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from metawsm_hooks.branch import BranchMatch
    from metawsm_hooks.store import Store


class Identity(Record):
    """The key a record is written under, and whether it is metawsm's own."""

    run_id: str
    ticket: str
    repo: str
    workspace_name: str
    metawsm: bool  # True: resolved to metawsm's run and ticket; False: the branch's tokens
    note: str  # one line saying how it was resolved

    def to_json(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "ticket": self.ticket,
            "repo": self.repo,
            "workspace_name": self.workspace_name,
            "metawsm": self.metawsm,
            "note": self.note,
        }


class IdentityConflict(Record):
    """Several of metawsm's records render to the branch's token: none is used."""

    message: str

    def to_json(self) -> dict[str, object]:
        return {"conflict": self.message}


def from_tokens(match: BranchMatch, why: str) -> Identity:
    return Identity(
        run_id=match.run,
        ticket=match.ticket,
        repo=match.repo,
        workspace_name="",
        metawsm=False,
        note=f"keyed by the branch's tokens: {why}",
    )


def resolve_identity(store: Store, match: BranchMatch) -> Identity | IdentityConflict:
    """The identities to record ``match`` (a branch's tokens) under.

    The run is metawsm's run whose id sanitizes to the branch's ``{run}``; the ticket is that
    run's ticket (``run_tickets``, or a step's) that sanitizes to ``{ticket}``; the repo is that of
    an existing ``run_pull_requests`` row of the run and ticket that sanitizes to ``{repo}`` (else
    the token); ``workspace_name`` is that row's, else the first step of the run and ticket that
    names one. Without metawsm's tables or a matching run: the tokens. Reads only.
    """
    from metawsm_hooks.constants import METAWSM_TABLES

    if store.metawsm_tables() != METAWSM_TABLES:
        return from_tokens(match, "the store holds no metawsm tables")
    if not match.run:
        return from_tokens(match, "the branch template has no {run}")
    runs = _rendering(store.metawsm_run_ids(), match.run)
    if not runs:
        return from_tokens(match, f"no metawsm run renders as '{match.run}'")
    if len(runs) > 1:
        return _conflict("runs", runs, match.run)
    run = runs[0]
    tickets = _rendering(store.metawsm_tickets(run), match.ticket)
    if len(tickets) > 1:
        return _conflict(f"tickets of run {run}", tickets, match.ticket)
    if not tickets:
        return Identity(
            run_id=run,
            ticket=match.ticket,
            repo=match.repo,
            workspace_name="",
            metawsm=False,
            note=f"metawsm's run {run} has no ticket that renders as '{match.ticket}'",
        )
    ticket = tickets[0]
    rows = [(r, w) for r, w in store.pull_request_repos(run, ticket) if _renders(r, match.repo)]
    if len(rows) > 1:
        # metawsm's own row carries its workspace; one written without it is not metawsm's.
        rows = [(r, w) for r, w in rows if w] or rows
    if len(rows) > 1:
        return _conflict(f"repos of run {run} ticket {ticket}", [r for r, _ in rows], match.repo)
    repo, workspace = rows[0] if rows else (match.repo, "")
    workspace = workspace or store.step_workspace(run, ticket)
    return Identity(
        run_id=run,
        ticket=ticket,
        repo=repo,
        workspace_name=workspace,
        metawsm=True,
        note=f"metawsm's run {run}, ticket {ticket}, repo {repo}"
        + (f", workspace {workspace}" if workspace else ", no workspace recorded"),
    )


def _renders(value: str, token: str) -> bool:
    return sanitize_token(value) == token


def _rendering(values: Iterable[str], token: str) -> list[str]:
    return sorted({value for value in values if _renders(value, token)})


def _conflict(what: str, names: list[str], token: str) -> IdentityConflict:
    listed = ", ".join(f"'{name}'" for name in names)
    return IdentityConflict(
        f"metawsm's {what} {listed} all render as '{token}', so nothing is recorded under a"
        " guessed key; make them render apart in metawsm (the hooks never rewrite its rows)"
    )


def ticket_spellings(store: Store, ticket: str) -> list[str]:
    """Every spelling of ``ticket`` the store holds (``METAWSM-009``, ``metawsm-009``, the
    branch's token): those that render to the same token, plus ``ticket`` itself."""
    token = sanitize_token(ticket)
    return sorted({ticket, *(t for t in store.ticket_spellings() if sanitize_token(t) == token)})
