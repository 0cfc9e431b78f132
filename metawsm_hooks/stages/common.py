"""What every stage shares: loading the policy it enforces, the branch verdict, skips, the audit
record, operator assist and the final report. Stages compose these and nothing else."""

from __future__ import annotations

import fnmatch
import getpass
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from metawsm_hooks.branch import DEFAULT_TEMPLATE, BranchMatch, parse_branch
from metawsm_hooks.constants import CHECK_NAMES, POLICY_RELPATH, RUN_ID_TIME
from metawsm_hooks.errors import EXIT_BLOCKED, EXIT_PASS
from metawsm_hooks.output import Output
from metawsm_hooks.policy import (
    Finding,
    Policy,
    PolicyResult,
    defaults_result,
    load_policy_bytes,
    load_policy_path,
    named_policy_path,
)
from metawsm_hooks.stages.options import StageOptions

if TYPE_CHECKING:
    from metawsm_hooks.checks import Report
    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.git.types import TreeSource
    from metawsm_hooks.store import Store

# Names METAWSM_SKIP accepts: metawsm's checks plus the hook's own gates.
SKIPPABLE = (*CHECK_NAMES, "branch", "allowed_repos")


@dataclass
class Verdict:
    """What one enforced target (a commit, a pushed ref) came to: the hook's own gates (branch,
    allowed_repos) and metawsm's validation report."""

    label: str
    branch: str | None = None
    match: BranchMatch | None = None
    gates: list[tuple[str, str, str]] = field(default_factory=list)
    report: Report | None = None
    notes: list[str] = field(default_factory=list)
    assist: list[str] = field(default_factory=list)
    extra_failures: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, status: str, detail: str) -> None:
        self.gates.append((name, status, detail))

    @property
    def lines(self) -> list[tuple[str, str, str]]:
        results = self.report.results if self.report else ()
        return [*self.gates, *((r.name, r.status, r.detail) for r in results)]

    @property
    def failures(self) -> list[tuple[str, str]]:
        failed = [(n, d) for n, s, d in self.gates if s == "failed"]
        if self.report is not None and not self.report.passed:
            failed.extend((r.name, r.detail) for r in self.report.failed())
            if not self.report.failed():
                # Without require_all a report fails when no applicable check passed.
                failed.append(("required_checks", "no applicable required check passed"))
        return failed + self.extra_failures

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, object]:
        return {
            "target": self.label,
            "branch": self.branch,
            "ticket": self.match.ticket if self.match else None,
            "repo": self.match.repo if self.match else None,
            "run": self.match.run if self.match else None,
            "passed": self.passed,
            "checks": [{"name": n, "status": s, "detail": d} for n, s, d in self.lines],
            "notes": self.notes,
            "report": self.report.to_json() if self.report else None,
            "assist": self.assist,
        }


def explicit_policy_path(options: StageOptions) -> Path | None:
    return named_policy_path(options.policy_path)


def load_stage_policy(options: StageOptions, tree: TreeSource, *, where: str) -> PolicyResult:
    """The policy a stage enforces: ``--policy``/``$METAWSM_POLICY``, else the one in ``tree``
    (the tree being committed or pushed, ``where`` names it), else metawsm's defaults."""
    explicit = explicit_policy_path(options)
    if explicit is not None:
        return load_policy_path(explicit, missing_ok=False)
    data = tree.read(POLICY_RELPATH)
    source = f"{POLICY_RELPATH} ({where})"
    if data is None:
        # A folder where the file belongs is not a missing file: metawsm cannot read it either.
        if tree.list_files(POLICY_RELPATH):
            problem = Finding("", "is a directory, not a policy file")
            return PolicyResult(source, None, (problem,), (), defaults_used=False)
        return defaults_result()
    return load_policy_bytes(data, source=source)


def enforceable(result: PolicyResult) -> Policy | None:
    """The policy to enforce, or None when it is invalid (its errors block the stage)."""
    return result.policy if result.valid else None


def show_policy(out: Output, result: PolicyResult) -> None:
    """Say once that defaults apply, and list every problem with its place."""
    if result.defaults_used:
        out.note(f"no {POLICY_RELPATH} found; enforcing metawsm's built-in defaults")
    for finding in result.warnings:
        out.warning(describe_finding(result, finding))
    for finding in result.errors:
        out.error(describe_finding(result, finding))


def describe_finding(result: PolicyResult, finding: Finding) -> str:
    """``file:line: json.path: message``, as compilers print it."""
    line = f":{finding.line}" if finding.line else ""
    return f"{result.source}{line}: {finding.path or '(document)'}: {finding.message}"


def branch_gate(
    verdict: Verdict,
    policy: Policy,
    branch: str | None,
    *,
    detached_note: str | None,
    repo: str,
    rename_hint: str,
) -> None:
    """The branch_template line: detached HEADs and exempt branches pass with a note.

    ``rename_hint`` shows how to use a fitting name; ``{name}`` in it is replaced by one.
    """
    if branch is None:
        verdict.add("branch", "skipped", detached_note or "no branch")
        return
    verdict.branch = branch
    if any(fnmatch.fnmatchcase(branch, pattern) for pattern in policy.hooks.exempt_branches):
        verdict.add("branch", "skipped", f"'{branch}' is exempt (hooks.exempt_branches)")
        return
    run = "run-" + datetime.now(timezone.utc).strftime(RUN_ID_TIME)
    found = parse_branch(policy.git_pr.branch_template, branch, example={"repo": repo, "run": run})
    if isinstance(found, BranchMatch):
        verdict.match = found
        template = policy.git_pr.branch_template.strip() or DEFAULT_TEMPLATE
        verdict.add("branch", "passed", f"'{branch}' fits '{template}'")
        return
    verdict.add(
        "branch",
        "failed",
        f"'{branch}' does not fit branch_template '{found.template}': {found.reason};"
        f" a fitting name: {found.example} ({rename_hint.format(name=found.example)})",
    )


def skipped_checks(out: Output, actor: str) -> dict[str, str]:
    """METAWSM_SKIP=check1,check2 for this run, each mapped to who asked."""
    raw = os.environ.get("METAWSM_SKIP", "")
    skips: dict[str, str] = {}
    for name in (part.strip().lower() for part in raw.split(",")):
        if not name:
            continue
        if name not in SKIPPABLE:
            out.warning(f"METAWSM_SKIP: unknown check '{name}' (known: {', '.join(SKIPPABLE)})")
            continue
        skips[name] = actor
    return skips


def actor_of(repo: Repository) -> str:
    """Who is running the hook: the git identity, else the login name."""
    identity = repo.identity()
    if identity:
        return identity
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def apply_skip(verdict: Verdict, skips: dict[str, str], name: str) -> bool:
    """Record a skipped hook gate; True when ``name`` is skipped for this run."""
    if name not in skips:
        return False
    verdict.add(name, "skipped", f"skipped by METAWSM_SKIP ({skips[name]})")
    return True


def repo_name(repo: Repository) -> str:
    """The repository's name as metawsm knows it: its main worktree's folder."""
    root = repo.main_root() or repo.common_dir
    return root.name.removesuffix(".git")


def store_location(repo: Repository, override: str | None) -> Path:
    """``--db``, else ``$METAWSM_DB``, else metawsm's path for this repository."""
    from metawsm_hooks.store import store_path

    return store_path(
        override=override,
        main_root=repo.main_root(),
        git_dir=repo.common_dir,
        is_bare=repo.is_bare,
    )


def open_store(options: StageOptions, repo: Repository) -> Store:
    """The store; one that cannot be written raises a FatalError that blocks (exit 1)."""
    from metawsm_hooks.store import Store

    return Store.open(store_location(repo, options.db_path))


def audit(
    store: Store,
    *,
    stage: str,
    verdict: Verdict,
    outcome: str,
    skips: dict[str, str],
    actor: str,
) -> None:
    from metawsm_hooks.store import HookRun

    store.record_hook_run(
        HookRun(
            stage=stage,
            branch=verdict.branch,
            ticket=verdict.match.ticket if verdict.match else None,
            repo=verdict.match.repo if verdict.match else None,
            run_id=verdict.match.run if verdict.match else None,
            verdict=outcome,
            report_json=json.dumps(verdict.to_json(), sort_keys=True, default=str),
            skipped=",".join(f"{name} by {who}" for name, who in sorted(skips.items())),
            actor=actor,
            detail="; ".join(f"{n}: {d}" for n, d in verdict.failures),
        )
    )


def consult_operator(
    verdict: Verdict,
    *,
    policy: Policy,
    store: Store | None,
    stage: str,
    repo_name: str,
    rerun_tests: Callable[[], Report] | None,
) -> None:
    """Operator assist after a failure; a gated re-run of ``tests`` may turn the verdict."""
    from metawsm_hooks.assist import consult

    match = verdict.match
    outcome = consult(
        policy=policy,
        store=store,
        stage=stage,
        repo_name=repo_name,
        branch=verdict.branch,
        ticket=match.ticket if match else None,
        run_id=match.run if match else None,
        report=verdict.report,
        failures=verdict.failures,
    )
    verdict.assist.extend(outcome.lines)
    if outcome.rerun_tests and rerun_tests is not None:
        verdict.report = rerun_tests()
        status = next((r.status for r in verdict.report.results if r.name == "tests"), "skipped")
        verdict.assist.append(f"operator assist: re-ran the tests check once: {status}")


def show_verdict(out: Output, verdict: Verdict, *, heading: str | None = None) -> None:
    if heading:
        out.line(heading)
    for note in verdict.notes:
        out.line(note)
    for name, status, detail in verdict.lines:
        out.check(name, status, detail)


def finish(
    out: Output, stage: str, verdicts: Sequence[Verdict], *, extra: dict[str, object] | None = None
) -> int:
    """Print the closing verdict (or the one JSON document) and return the exit code."""
    passed = all(v.passed for v in verdicts)
    if out.json_mode:
        doc: dict[str, object] = {
            "stage": stage,
            "passed": passed,
            "targets": [v.to_json() for v in verdicts],
        }
        doc.update(extra or {})
        out.document(doc)
    else:
        for verdict in verdicts:
            for line in verdict.assist:
                out.line(line)
        if passed:
            out.verdict(f"{stage} passed", passed=True)
        else:
            # The first line of each detail: the lines above already show the rest.
            failed = "; ".join(
                f"{n}: {d.partition(chr(10))[0]}" for v in verdicts for n, d in v.failures
            )
            out.verdict(f"{stage} blocked: {failed}", passed=False)
    return EXIT_PASS if passed else EXIT_BLOCKED


def policy_blocked(out: Output, stage: str, result: PolicyResult) -> int:
    """An invalid policy blocks every stage; the errors were already listed."""
    if out.json_mode:
        out.document(
            {
                "stage": stage,
                "passed": False,
                "policy": policy_json(result),
                "targets": [],
            }
        )
    else:
        out.verdict(
            f"{stage} blocked: {result.source} is invalid ({len(result.errors)} problem"
            f"{'s' if len(result.errors) != 1 else ''});"
            " fix it, then check with 'metawsm-hooks validate'",
            passed=False,
        )
    return EXIT_BLOCKED


def policy_json(result: PolicyResult) -> dict[str, object]:
    return {
        "source": result.source,
        "valid": result.valid,
        "defaults_used": result.defaults_used,
        "errors": [f.to_json() for f in result.errors],
        "warnings": [f.to_json() for f in result.warnings],
    }
