"""``ticket_workflow``: metawsm's staged-workflow contract for the branch's ticket, read from the
tree being committed or pushed (not from the working tree).

Ticket folders are the folders under ``ttmp`` whose name starts with ``<ticket>--`` (any case;
the search does not go inside a folder it found). A folder is under contract when its
``reference/99-operator-feedback.md`` declares ``Required workflow:`` with steps 1 to 4; such a
folder needs, among the Markdown files of ``reference/``, ``design/`` and ``design-doc/``, an
approved codebase relevance analysis, an approved implementation plan and a diary with steps,
plus a ``tasks.md`` with every item checked and a ``changelog.md`` that records steps.

Reads are bounded, whatever the tree holds: each doc at most MAX_DOC_BYTES and all of a run's
docs together at most MAX_TICKET_DOC_BYTES (counting a file each time it is examined); beyond
either the check fails with one line naming the file, without reading further.
"""

from __future__ import annotations

import os
import re

from metawsm_hooks.checks import FAILED, PASSED, CheckContext, CheckResult
from metawsm_hooks.errors import FatalError
from metawsm_hooks.golang.strings import go_lower, go_trim

TYPE_CHECKING = False
if TYPE_CHECKING:
    from metawsm_hooks.git.types import TreeSource

APPLIES_TO = frozenset({"commit", "pr"})
MAX_DOC_BYTES = 1024 * 1024
MAX_TICKET_DOC_BYTES = 8 * 1024 * 1024
DOC_ROOT = "ttmp"
FEEDBACK = "reference/99-operator-feedback.md"
DOC_FOLDERS = ("reference", "design", "design-doc")

# metawsm's (?mi)^\s*-\s*\[[xX]\]\s+ and (?mi)^\s*-\s*\[\s\]\s+ in Go's syntax, where \s is
# ASCII white space without \v (compiled on first use, by re's own cache).
_SPACE = rb"[\t\n\f\r ]"
_CHECKED_TASK = rb"(?m)^" + _SPACE + rb"*-" + _SPACE + rb"*\[[xX]\]" + _SPACE + b"+"
_UNCHECKED_TASK = rb"(?m)^" + _SPACE + rb"*-" + _SPACE + rb"*\[" + _SPACE + rb"\]" + _SPACE + b"+"


class _OverBound(Exception):
    pass


class _BoundedReader:
    """``read(path)`` of a tree within MAX_DOC_BYTES per file and MAX_TICKET_DOC_BYTES in all."""

    def __init__(self, source: TreeSource) -> None:
        self._source = source
        self._budget = MAX_TICKET_DOC_BYTES

    def list_files(self, prefix: str) -> list[str]:
        return self._source.list_files(prefix)

    def read(self, path: str, *, limit: int | None = None) -> bytes | None:
        try:
            data = self._source.read(path, limit=MAX_DOC_BYTES)
        except FatalError as exc:
            if exc.exit_code != 1:
                raise
            raise _OverBound(f"{exc.message} (at most {MAX_DOC_BYTES} per ticket doc)") from exc
        if data is not None:
            self._budget -= len(data)
            if self._budget < 0:
                raise _OverBound(
                    f"{path}: the ticket docs examined exceed {MAX_TICKET_DOC_BYTES} bytes in all"
                )
        return data


def run(ctx: CheckContext) -> CheckResult:
    try:
        return _run(ctx, _BoundedReader(ctx.source))
    except _OverBound as exc:
        return CheckResult("ticket_workflow", FAILED, f"ticket docs too large to check: {exc}")


def _run(ctx: CheckContext, source: TreeSource) -> CheckResult:
    ticket = go_trim(ctx.ticket or "")
    if not ticket:
        return CheckResult(
            "ticket_workflow", PASSED, "ticket unavailable; staged workflow check skipped"
        )
    files = source.list_files(DOC_ROOT)
    folders = ticket_folders(files, ticket)
    if not folders:
        return CheckResult(
            "ticket_workflow",
            PASSED,
            "ticket docs not found; no staged workflow contract detected",
        )
    under_contract = 0
    failures = []
    for folder, inside in folders.items():
        if not _contract_declared(source, folder):
            continue
        under_contract += 1
        missing = missing_artifacts(source, folder, inside)
        if missing:
            failures.append(f"{folder.rsplit('/', 1)[-1]} ({'; '.join(missing)})")
    if not under_contract:
        return CheckResult(
            "ticket_workflow", PASSED, "no staged workflow contract declared in operator feedback"
        )
    if failures:
        return CheckResult(
            "ticket_workflow", FAILED, "staged workflow contract unmet: " + " | ".join(failures)
        )
    return CheckResult(
        "ticket_workflow",
        PASSED,
        f"staged workflow contract satisfied for {under_contract} ticket doc path(s)",
    )


def ticket_folders(files: list[str], ticket: str) -> dict[str, list[str]]:
    """The ticket's folders under ``ttmp`` (each mapped to the files inside it), in metawsm's
    order (sorted). A folder found is not searched for more."""
    prefix = go_lower(go_trim(ticket)) + "--"
    found: dict[str, list[str]] = {}
    for path in files:
        parts = path.split("/")
        if parts[0] != DOC_ROOT:
            continue
        for depth in range(1, len(parts) - 1):  # the folders between ttmp and the file
            if go_lower(parts[depth]).startswith(prefix):
                found.setdefault("/".join(parts[: depth + 1]), []).append(path)
                break
    return {folder: found[folder] for folder in sorted(found, key=os.fsencode)}


def _contract_declared(source: TreeSource, folder: str) -> bool:
    text = _lower_text(source.read(f"{folder}/{FEEDBACK}"))
    if text is None or "required workflow:" not in text:
        return False
    return all(f"step {n}" in text for n in (1, 2, 3, 4))


def missing_artifacts(source: TreeSource, folder: str, inside: list[str]) -> list[str]:
    """What the folder lacks for the contract, in metawsm's words."""
    analysis = analysis_approved = plan = plan_approved = diary = False
    for path in _markdown_docs(folder, inside):
        text = _lower_text(source.read(path)) or ""
        if _looks_like_analysis(text):
            analysis = True
            analysis_approved = analysis_approved or "approved" in text
        if _looks_like_plan(text):
            plan = True
            plan_approved = plan_approved or "approved" in text
        if "# diary" in text and "## step " in text and "### prompt context" in text:
            diary = True

    missing = []
    if not analysis:
        missing.append("analysis doc with Relevant Areas + Feedback sections")
    elif not analysis_approved:
        missing.append("analysis feedback response missing approval")
    if not plan:
        missing.append("implementation plan doc with Plan + Feedback sections")
    elif not plan_approved:
        missing.append("implementation plan feedback response missing approval")
    if not diary:
        missing.append("diary doc with step entries")

    tasks = source.read(f"{folder}/tasks.md")
    if tasks is None:
        missing.append("tasks.md missing")
    else:
        if not re.search(_CHECKED_TASK, tasks):
            missing.append("tasks.md has no completed checklist items")
        if re.search(_UNCHECKED_TASK, tasks):
            missing.append("tasks.md still has unchecked items")

    changelog = _lower_text(source.read(f"{folder}/changelog.md"))
    if changelog is None:
        missing.append("changelog.md missing")
    elif "step " not in changelog:
        missing.append("changelog.md missing step entries")
    return missing


def _markdown_docs(folder: str, inside: list[str]) -> list[str]:
    """The ``.md`` files directly in the folder's reference/, design/ and design-doc/."""
    docs = []
    for path in inside:
        sub, _, name = path[len(folder) + 1 :].partition("/")
        if (
            sub in DOC_FOLDERS
            and name
            and "/" not in name
            and go_lower(go_trim(name)).endswith(".md")
        ):
            docs.append(path)
    return sorted(docs, key=os.fsencode)


def _lower_text(data: bytes | None) -> str | None:
    return None if data is None else go_lower(data.decode("utf-8", "replace"))


def _looks_like_analysis(text: str) -> bool:
    return all(
        marker in text
        for marker in (
            "codebase relevance analysis",
            "## relevant areas",
            "## feedback request",
            "## feedback response",
        )
    )


def _looks_like_plan(text: str) -> bool:
    return all(
        marker in text
        for marker in (
            "implementation plan",
            "## plan",
            "## feedback request",
            "## feedback response",
        )
    )
