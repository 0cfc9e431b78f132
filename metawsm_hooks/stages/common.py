"""What every stage shares: loading the policy it enforces, the branch verdict, skips, the audit
record, operator assist and the final report. Stages compose these and nothing else."""

from __future__ import annotations

import fnmatch
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from metawsm_hooks.branch import BranchMatch, check_branch
from metawsm_hooks.constants import (
    CHECK_NAMES,
    DEFAULT_BRANCH_TEMPLATE,
    RUN_ID_TIME,
    SKIP_ENV,
    STORE_BUSY_TIMEOUT,
)
from metawsm_hooks.errors import EXIT_BLOCKED, EXIT_PASS
from metawsm_hooks.layout import describe_finding
from metawsm_hooks.output import Output, printable
from metawsm_hooks.policy import Policy, PolicyResult, named_policy_path
from metawsm_hooks.stages.options import StageOptions

TYPE_CHECKING = False
if TYPE_CHECKING:
    from metawsm_hooks.checks import Report
    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.git.types import TreeSource
    from metawsm_hooks.identity import Identity, IdentityConflict
    from metawsm_hooks.layout import ResolvedPolicy
    from metawsm_hooks.store import Store

# Names METAWSM_SKIP accepts: metawsm's checks plus the hook's own gates.
SKIPPABLE = (*CHECK_NAMES, "branch", "allowed_repos")


class Verdict:
    """What one enforced target (a commit, a pushed ref) came to: the hook's own gates (branch,
    allowed_repos) and metawsm's validation report. Filled in as the stage goes."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.branch: str | None = None
        self.match: BranchMatch | None = None
        self.gates: list[tuple[str, str, str]] = []
        self.report: Report | None = None
        self.notes: list[str] = []
        self.assist: list[str] = []
        self.extra_failures: list[tuple[str, str]] = []
        self.identity: Identity | IdentityConflict | None = None
        self.shown = False  # show_verdict printed its notes and lines

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
        results = self.report.results if self.report else ()
        return {
            "target": self.label,
            "branch": self.branch,
            "ticket": self.match.ticket if self.match else None,
            "repo": self.match.repo if self.match else None,
            "run": self.match.run if self.match else None,
            "identity": self.identity.to_json() if self.identity is not None else None,
            "passed": self.passed,
            "checks": [{"name": n, "status": s, "detail": d} for n, s, d in self.lines],
            "failures": [{"name": n, "detail": d} for n, d in self.failures],
            "paths": {r.name: list(r.paths) for r in results if r.paths},
            "notes": self.notes,
            "report": self.report.to_json() if self.report else None,
            "assist": self.assist,
        }


def explicit_policy_path(options: StageOptions) -> Path | None:
    return named_policy_path(options.policy_path)


def load_stage_policy(
    options: StageOptions,
    repo: Repository,
    tree: TreeSource | None,
    *,
    where: str,
    client: bool = True,
) -> ResolvedPolicy:
    """The policy a stage enforces, resolved in the one order every client uses
    (``layout.resolve_policy``); ``tree`` is the tree being committed or pushed, ``where`` names
    it. ``client`` False (server, CI) keeps ``--policy``, the tree and the defaults only."""
    from metawsm_hooks.layout import resolve_policy

    return resolve_policy(
        repo=repo,
        named=options.policy_path,
        tree=tree,
        where=where,
        client=client,
        cwd=options.cwd,
    )


# Bounds on what a pushed policy may add (the server and CI); over a bound the push is rejected
# with one line. Its bytes are bounded where it is read (layout.MAX_TREE_POLICY_BYTES).
MAX_PUSHED_PATTERNS = 1000
MAX_PATTERN_CHARS = 1024
# The checks a pushed policy may add: every required check except ``tests``, which runs commands.
_NON_COMMAND_CHECKS = tuple(name for name in CHECK_NAMES if name != "tests")


def pushed_policy_problems(policy: Policy) -> list[str]:
    """What puts a pushed policy's additions over the bounds the server reads within."""
    patterns = policy.git_pr.patterns()
    problems = []
    if len(patterns) > MAX_PUSHED_PATTERNS:
        problems.append(
            f"git_pr.forbidden_file_patterns: {len(patterns)} patterns; at most"
            f" {MAX_PUSHED_PATTERNS} are read from a pushed policy"
        )
    for index, pattern in enumerate(patterns):
        if len(pattern) > MAX_PATTERN_CHARS:
            problems.append(
                f"git_pr.forbidden_file_patterns[{index}]: {len(pattern)} characters; at most"
                f" {MAX_PATTERN_CHARS} are read from a pushed policy"
            )
            break
    return problems


def tighten(authoritative: Policy, pushed: Policy) -> tuple[Policy, tuple[str, ...]]:
    """``authoritative`` with what ``pushed`` adds: its forbidden patterns and its required
    non-command checks. Its mode, require_all, exemptions, removals, commands and every other
    setting are not used. Returns the policy and the checks added (each of which must pass
    on its own, whatever ``require_all`` says)."""
    from metawsm_hooks.policy import replace

    have = authoritative.git_pr
    patterns = have.forbidden_file_patterns + tuple(
        p for p in pushed.git_pr.patterns() if p not in have.patterns()
    )
    added = tuple(
        dict.fromkeys(
            c for c in pushed.git_pr.checks() if c in _NON_COMMAND_CHECKS and c not in have.checks()
        )
    )
    git_pr = replace(
        have, forbidden_file_patterns=patterns, required_checks=have.required_checks + added
    )
    return replace(authoritative, git_pr=git_pr), added


def unclaimed(out: Output, stage: str, result: PolicyResult) -> bool:
    """From a shared hooks folder (``install --shared``), a repository with no metawsm policy
    anywhere is not metawsm's: say so in one line (nothing is written, not even the store)."""
    from metawsm_hooks.stages.options import in_shared_hooks

    if not (in_shared_hooks() and result.defaults_used):
        return False
    out.note(
        f"{stage}: no metawsm policy for this repository and the hooks folder is shared"
        " (core.hooksPath); nothing enforced"
    )
    return True


def enforceable(result: PolicyResult) -> Policy | None:
    """The policy to enforce, or None when it is invalid (its errors block the stage)."""
    return result.policy if result.valid else None


def show_policy(out: Output, resolved: ResolvedPolicy) -> None:
    """Say in one line which policy is used (the defaults included), then every problem with its
    place."""
    out.note(f"policy: {resolved.described}")
    result = resolved.result
    for finding in result.warnings:
        out.warning(describe_finding(result, finding))
    for finding in result.errors:
        out.error(describe_finding(result, finding))


def base_branch_note(branch: str) -> str:
    """What the hooks and onboarding say about the policy's base branch."""
    return f"'{branch}' (workspace.base_branch) is exempt from the branch template"


def run_stamp(repo: Repository) -> str:
    """A run id in metawsm's form, ``run-YYYYMMDD-HHMMSS`` in local time, taken from HEAD's
    commit time (now before the first commit): a suggested branch name is the same in the
    hooks and in ``branch check`` for the same HEAD."""
    when = repo.commit_time("HEAD") if not repo.head().unborn else None
    return "run-" + time.strftime(RUN_ID_TIME, time.localtime(when))


def branch_gate(
    verdict: Verdict,
    policy: Policy,
    branch: str | None,
    *,
    detached_note: str | None,
    repo: str,
    rename_hint: str,
    stamp: Callable[[], str],
) -> None:
    """The branch_template line: detached HEADs, the policy's base branch
    (``workspace.base_branch``) and exempt branches pass with a note.

    ``rename_hint`` shows how to use a fitting name; ``{name}`` in it is replaced by one, which
    keeps the user's own parts where they fit, with the repository name ``repo`` and the run id
    ``stamp()``.
    """
    if branch is None:
        verdict.add("branch", "skipped", detached_note or "no branch")
        return
    verdict.branch = branch
    if branch == policy.workspace.base_branch.strip():
        verdict.add("branch", "skipped", base_branch_note(branch))
        return
    if any(fnmatch.fnmatchcase(branch, pattern) for pattern in policy.hooks.exempt_branches):
        verdict.add("branch", "skipped", f"'{branch}' is exempt (hooks.exempt_branches)")
        return
    found = check_branch(policy.git_pr.branch_template, branch, repo=repo, run=stamp)
    if isinstance(found, BranchMatch):
        verdict.match = found
        template = policy.git_pr.branch_template.strip() or DEFAULT_BRANCH_TEMPLATE
        verdict.add("branch", "passed", f"'{branch}' fits '{template}'{found.blank_note()}")
        return
    verdict.add(
        "branch",
        "failed",
        f"'{branch}' does not fit branch_template '{found.template}': {found.reason};"
        f" a fitting name: {found.example} ({rename_hint.format(name=found.example)})",
    )


def identify(verdict: Verdict, store: Store, *, blocking: bool) -> Identity | None:
    """Resolve the branch's tokens to metawsm's identities (``identity.resolve_identity``) and
    keep them on ``verdict``. A collision adds an ``identity`` line: failed when ``blocking``
    (a push is never accepted unrecorded), skipped otherwise; nothing is keyed by a guess."""
    from metawsm_hooks.identity import IdentityConflict, resolve_identity

    if verdict.match is None:
        return None
    found = resolve_identity(store, verdict.match)
    verdict.identity = found
    if isinstance(found, IdentityConflict):
        verdict.add("identity", "failed" if blocking else "skipped", found.message)
        return None
    return found


def record_key(verdict: Verdict) -> tuple[str | None, str | None, str | None]:
    """(run_id, ticket, repo) a record of ``verdict`` is written under: metawsm's identities,
    the branch's tokens without them, nothing when they collide or there is no branch."""
    from metawsm_hooks.identity import Identity

    if isinstance(verdict.identity, Identity):
        found = verdict.identity
        return found.run_id, found.ticket, found.repo
    if verdict.identity is not None or verdict.match is None:
        return None, None, None
    return verdict.match.run, verdict.match.ticket, verdict.match.repo


def skipped_checks(out: Output, actor: str) -> dict[str, str]:
    """METAWSM_SKIP=check1,check2 for this run, each mapped to who asked."""
    raw = os.environ.get(SKIP_ENV, "")
    skips: dict[str, str] = {}
    for name in (part.strip().lower() for part in raw.split(",")):
        if not name:
            continue
        if name not in SKIPPABLE:
            out.warning(f"{SKIP_ENV}: unknown check '{name}' (known: {', '.join(SKIPPABLE)})")
            continue
        skips[name] = actor
    return skips


def actor_of(repo: Repository) -> str:
    """Who is running the hook: the git identity, else the login name."""
    identity = repo.identity()
    if identity:
        return identity
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def apply_skip(verdict: Verdict, skips: dict[str, str], name: str) -> bool:
    """Record a skipped hook gate; True when ``name`` is skipped for this run."""
    if name not in skips:
        return False
    verdict.add(name, "skipped", f"skipped by {SKIP_ENV} ({skips[name]})")
    return True


def repo_name(repo: Repository) -> str:
    """The repository's name as metawsm knows it: its main worktree's folder."""
    root = repo.main_root() or repo.common_dir
    return root.name.removesuffix(".git")


def store_location(repo: Repository, override: str | None) -> Path:
    """``--db``, else ``$METAWSM_DB``, else the metawsm home's store, else metawsm's path for
    this repository (``layout.store_location``)."""
    from metawsm_hooks.layout import store_location as locate

    return locate(repo, override)


def open_store(options: StageOptions, repo: Repository, policy: Policy | None) -> Store:
    """The store, waiting for another process's write as long as ``policy`` says
    (``hooks.store_busy_timeout_seconds``; its default when None); one that cannot be written
    raises a FatalError that blocks (exit 1)."""
    from metawsm_hooks.store import Store

    timeout = STORE_BUSY_TIMEOUT if policy is None else policy.hooks.store_busy_timeout_seconds
    return Store.open(store_location(repo, options.db_path), busy_timeout=timeout)


def audit(
    store: Store,
    *,
    stage: str,
    verdict: Verdict,
    outcome: str,
    skips: dict[str, str],
    actor: str,
) -> None:
    from metawsm_hooks.agent.actor import actor_from
    from metawsm_hooks.store import HookRun

    run_id, ticket, repo = record_key(verdict)
    who = actor_from(os.environ)
    store.record_hook_run(
        HookRun(
            stage=stage,
            branch=verdict.branch,
            ticket=ticket,
            repo=repo,
            run_id=run_id,
            verdict=outcome,
            report_json=json.dumps(verdict.to_json(), sort_keys=True, default=str),
            skipped=",".join(f"{name} by {who}" for name, who in sorted(skips.items())),
            actor=actor,
            # Stored as it is shown: terminal controls escaped, bounded (output.printable).
            detail=printable("; ".join(f"{n}: {d}" for n, d in verdict.failures)),
            actor_kind=who.kind,
            agent=who.agent,
        )
    )


def refuse_agent_skip(verdict: Verdict, policy: Policy, skips: dict[str, str]) -> bool:
    """An agent's METAWSM_SKIP is refused unless ``hooks.agents.allow_skip``: the run is
    blocked (and recorded by the caller). True when refused."""
    from metawsm_hooks.agent.actor import actor_from

    who = actor_from(os.environ)
    if not skips or not who.is_agent or policy.hooks.agents.allow_skip:
        return False
    verdict.extra_failures.append(
        (
            SKIP_ENV,
            f"agent {who.agent} may not skip {', '.join(sorted(skips))}"
            " (hooks.agents.allow_skip is false); fix what the checks report, or a person sets"
            " hooks.agents.allow_skip to true in the policy",
        )
    )
    return True


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

    run_id, ticket, _ = record_key(verdict)
    outcome = consult(
        policy=policy,
        store=store,
        stage=stage,
        repo_name=repo_name,
        branch=verdict.branch,
        ticket=ticket,
        run_id=run_id,
        report=verdict.report,
        failures=verdict.failures,
    )
    verdict.assist.extend(outcome.lines)
    if outcome.rerun_tests and rerun_tests is not None:
        verdict.report = rerun_tests()
        status = next((r.status for r in verdict.report.results if r.name == "tests"), "skipped")
        verdict.assist.append(f"operator assist: re-ran the tests check once: {status}")


def show_verdict(out: Output, verdict: Verdict, *, heading: str | None = None) -> None:
    verdict.shown = True
    if heading:
        out.line(heading)
    for note in verdict.notes:
        out.line(note)
    for name, status, detail in verdict.lines:
        out.check(name, status, detail)


def finish(
    out: Output,
    stage: str,
    verdicts: Sequence[Verdict],
    *,
    extra: dict[str, object] | None = None,
    passed_text: str | None = None,
) -> int:
    """Print the closing verdict (or the one JSON document) and return the exit code;
    ``passed_text`` says what passed when ``<stage> passed`` would claim too much."""
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
            out.verdict(passed_text or f"{stage} passed", passed=True)
        else:
            # The first line of each detail: the lines above already show the rest.
            failed = "; ".join(
                f"{n}: {d.partition(chr(10))[0]}" for v in verdicts for n, d in v.failures
            )
            out.verdict(f"{stage} blocked: {failed}", passed=False)
    return EXIT_PASS if passed else EXIT_BLOCKED


def validate_command() -> str:
    """How to validate the policy from where this hook runs: under the pre-commit framework
    (which sets ``PRE_COMMIT=1``) ``metawsm-hooks`` lives in the framework's own environment,
    not on the user's PATH."""
    if os.environ.get("PRE_COMMIT") == "1":
        return "'pre-commit run metawsm-policy --all-files' (the metawsm-policy hook)"
    return "'metawsm-hooks validate'"


def policy_blocked(out: Output, stage: str, resolved: ResolvedPolicy) -> int:
    """An invalid policy blocks every stage; the errors were already listed."""
    result = resolved.result
    if out.json_mode:
        out.document(
            {
                "stage": stage,
                "passed": False,
                "policy": policy_json(resolved),
                "targets": [],
            }
        )
    else:
        out.verdict(
            f"{stage} blocked: {result.source} is invalid ({len(result.errors)} problem"
            f"{'s' if len(result.errors) != 1 else ''});"
            f" fix it, then check with {validate_command()}",
            passed=False,
        )
    return EXIT_BLOCKED


def policy_json(resolved: ResolvedPolicy) -> dict[str, object]:
    result = resolved.result
    return {
        "source": result.source,
        "kind": resolved.kind,
        "described": resolved.described,
        "valid": result.valid,
        "defaults_used": result.defaults_used,
        "errors": [f.to_json() for f in result.errors],
        "warnings": [f.to_json() for f in result.warnings],
    }
