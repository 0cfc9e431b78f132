"""``ci``: the push checks over a range of commits, for a CI job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from metawsm_hooks.output import Output


def ci(
    out: Output,
    *,
    base: str,
    head: str,
    branch: str | None,
    policy: Path | None,
    db: str | None,
    sarif: bool = False,
) -> int:
    """Enforce the policy on ``base..head`` as a push of ``branch`` (default: the current one, or
    the CI service's variables). With ``sarif`` the report is printed as one SARIF 2.1.0 log
    (``metawsm_hooks.sarif``); the exit code is the same."""
    from metawsm_hooks.stages.options import StageOptions
    from metawsm_hooks.stages.push import ci as ci_stage

    options = StageOptions(policy_path=policy, db_path=db, json_mode=out.json_mode or sarif)
    if not sarif:
        return ci_stage(options, out, base=base, head=head, branch=branch)
    from metawsm_hooks.sarif import sarif_document

    report = _Captured()
    code = ci_stage(options, report, base=base, head=head, branch=branch)
    out.document(sarif_document(report.documents[-1] if report.documents else {}))
    return code


class _Captured(Output):
    """Output whose JSON document is kept, not printed (human lines still go to stderr)."""

    def __init__(self) -> None:
        super().__init__(json_mode=True)
        self.documents: list[Any] = []

    def document(self, doc: Any) -> None:
        self.documents.append(doc)
