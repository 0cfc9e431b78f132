"""Enforcing the policy on each pushed ref (or CI range): branch, allowed_repos, the required
checks, the ledger in run_pull_requests, the audit record and operator assist."""

from __future__ import annotations

import json
from collections.abc import Sequence

from metawsm_hooks import remote as remotes
from metawsm_hooks.constants import POLICY_RELPATH
from metawsm_hooks.layout import (
    ResolvedPolicy,
    ServerPolicy,
    configured_home,
    describe_finding,
    read_tree_policy,
    resolve_server_policy,
)
from metawsm_hooks.output import Output, printable
from metawsm_hooks.policy import Finding, Policy, load_policy_bytes, replace
from metawsm_hooks.stages.common import (
    Verdict,
    actor_of,
    apply_skip,
    audit,
    branch_gate,
    consult_operator,
    enforceable,
    explicit_policy_path,
    finish,
    identify,
    load_stage_policy,
    open_store,
    policy_json,
    pushed_policy_problems,
    refuse_agent_skip,
    repo_name,
    run_stamp,
    show_policy,
    show_verdict,
    skipped_checks,
    tighten,
)
from metawsm_hooks.stages.options import StageOptions
from metawsm_hooks.stages.push_input import (
    BRANCH_PREFIX,
    TAG_PREFIX,
    Destination,
    PushedRef,
    push_range,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from metawsm_hooks.checks import Report
    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.git.types import Change
    from metawsm_hooks.store import PendingPush, PullRequestPush, Store


def _server_safe(pushed: Policy) -> Policy:
    """A policy read from a pushed commit may set names and patterns, never commands to run."""
    llm = replace(pushed.operator.llm, mode="off")
    return replace(
        pushed,
        git_pr=replace(pushed.git_pr, test_commands=()),
        operator=replace(pushed.operator, llm=llm),
    )


_ADDED_SUFFIX = " (required by the pushed policy)"
# The problems of an invalid pushed policy shown (and recorded) one per line; the rest are counted.
_SHOWN_ERRORS = 20


class PushRun:
    """One push (or CI range) being enforced ref by ref, sharing the repository and the store."""

    def __init__(
        self,
        *,
        stage: str,
        options: StageOptions,
        out: Output,
        repo: Repository,
        destination: Destination | None,
        server: bool,
        refs: Sequence[PushedRef],
        baseline: str | None = None,
        other_branches_than: str | None = None,
    ) -> None:
        self.stage = stage
        self.other_branches_than = other_branches_than
        self.branch_override: str | None = None
        self.options = options
        self.out = out
        self.repo = repo
        self.destination = destination
        self.server = server
        self.actor = actor_of(repo)
        self.skips = skipped_checks(out, self.actor)
        self.policies: dict[str, ResolvedPolicy] = {}
        # The server and CI enforce their own policy; what is pushed only adds to it.
        self.authoritative = server or stage == "ci"
        self.baseline = baseline
        self._authority: ServerPolicy | None = None
        # A push is never accepted unrecorded: a store that cannot be written blocks it.
        self.store: Store = open_store(options, repo, self._store_policy(refs))
        if stage == "pre-push":
            from metawsm_hooks.stages.ledger import settle

            # Earlier pushes git delivered (or refused) since their pre-push passed them.
            for line in settle(repo, self.store, ask_remote=True):
                out.note(line)
        # The ledger is written once every ref is decided: one blocked ref makes git refuse the
        # whole push, so a ref that passed was not delivered either.
        self.ledger: list[tuple[Verdict, PushedRef, str, Policy]] = []

    def authority(self) -> ServerPolicy:
        """The server's (or CI's) policy, loaded and shown once."""
        if self._authority is None:
            short = (self.baseline or "")[:12]
            if self.server:
                where = f"the default branch before the push, {short}"
                nothing = "the repository had no default branch before the push"
            else:
                where = f"--base {short}"
                nothing = "--base is all zeros: a new branch"
            self._authority = resolve_server_policy(
                repo=self.repo,
                named=self.options.policy_path,
                baseline=self.baseline,
                where=where,
                nothing=nothing,
                ci=not self.server,
            )
            resolved = self._authority.resolved
            show_policy(self.out, resolved)
            self.policies[resolved.result.source] = resolved
            if not self.out.json_mode:
                self.out.note("a pushed policy only adds restrictions to this one")
        return self._authority

    def _store_policy(self, refs: Sequence[PushedRef]) -> Policy | None:
        """The policy that says how long the store waits for another process's write: the
        server's or CI's own, else the first pushed commit's; None (the default) when that
        policy is invalid or nothing pushed is a commit."""
        try:
            if self.authoritative:
                return enforceable(self.authority().resolved.result)
            for ref in refs:
                if ref.new is not None and self.repo.resolve(ref.new) is not None:
                    return enforceable(self.policy_for(ref.new).result)
        except Exception:  # enforcing that ref meets the problem again and fails the ref with it
            return None
        return None

    def policy_for(self, new: str) -> ResolvedPolicy:
        """The policy for a pushed commit, loaded (and shown) once per file or commit."""
        if self.authoritative:
            return self.authority().resolved
        explicit = explicit_policy_path(self.options)
        client = self.stage == "pre-push"
        home = configured_home(self.repo) if client and explicit is None else None
        key = str(explicit or (home and home.path) or new)
        if key not in self.policies:
            # A named file or a metawsm home decides before the pushed commit is even looked up.
            source = None if explicit or home else self.repo.commit_source(new)
            resolved = load_stage_policy(
                self.options, self.repo, source, where=f"commit {new[:12]}", client=client
            )
            show_policy(self.out, resolved)
            self.policies[key] = resolved
        return self.policies[key]

    def enforce(self, ref: PushedRef, *, branch_override: str | None = None) -> Verdict:
        self.branch_override = branch_override
        verdict = Verdict(label=ref.label)
        if ref.new is None:
            verdict.notes.append(f"{ref.label}: deletion; nothing to check")
            self._audit(verdict, "passed")
            return verdict
        new = ref.new
        kind = self.repo.object_type(new) if self.repo.resolve(new) is None else "commit"
        if kind in ("blob", "tree"):
            verdict.notes.append(f"{ref.label}: points at a {kind}, not a commit; exempt")
            self._audit(verdict, "passed")
            return verdict
        resolved = self.policy_for(new)
        result = resolved.result
        policy = enforceable(result)
        if policy is None:
            verdict.extra_failures.extend(
                ("policy", describe_finding(result, f)) for f in result.errors
            )
            self._audit(verdict, "invalid-policy")
            return verdict
        added: tuple[str, ...] = ()
        if self.authoritative:
            if not self.authority().trusted:
                if policy.git_pr.commands() or policy.operator.llm.effective_mode() != "off":
                    verdict.notes.append(
                        "test commands and the operator command of a policy read from a pushed"
                        " commit are not run on the server; name the server's own policy with"
                        " --policy or git config metawsm.policy to run them"
                    )
                policy = _server_safe(policy)
            if policy.git_pr.effective_mode() != "off":
                tightened = self.pushed_additions(verdict, ref, new, policy)
                if tightened is None:
                    show_verdict(self.out, verdict, heading=self._heading(ref))
                    self._audit(verdict, "invalid-policy")
                    return verdict
                policy, added = tightened
        if policy.git_pr.effective_mode() == "off":
            verdict.notes.append(f"{ref.label}: enforcement is off (git_pr.mode is off)")
            self._audit(verdict, "off")
            return verdict
        if refuse_agent_skip(verdict, policy, self.skips):
            self._audit(verdict, "blocked")
            return verdict
        self._branch(verdict, ref, policy, branch_override)
        identify(verdict, self.store, blocking=self.stage != "ci")
        self._allowed_repos(verdict, policy)
        verdict.report = self._run_checks(ref, new, policy, verdict)
        self._require_added(verdict, added)
        show_verdict(self.out, verdict, heading=self._heading(ref))
        if verdict.passed:
            self.store.note_success(verdict.branch or "")
        else:
            consult_operator(
                verdict,
                policy=policy,
                store=self.store,
                stage=self.stage,
                repo_name=repo_name(self.repo),
                rerun_tests=lambda: self._run_checks(ref, new, policy, verdict),
            )
            self._require_added(verdict, added)
        self.ledger.append((verdict, ref, new, policy))
        self._audit(verdict, "passed" if verdict.passed else "blocked")
        return verdict

    def enforce_safely(self, ref: PushedRef, *, branch_override: str | None = None) -> Verdict:
        """``enforce``, with a problem inside it (a folder where a file should be, a ref to an
        object that is not a commit, an internal error) failing this ref with one line and its
        audit row, while the other refs of the push are still enforced and recorded. A store
        that cannot record it still blocks the whole push."""
        try:
            return self.enforce(ref, branch_override=branch_override)
        except Exception as exc:
            import os

            from metawsm_hooks.constants import DEBUG_ENV
            from metawsm_hooks.errors import FatalError

            if not isinstance(exc, FatalError) and os.environ.get(DEBUG_ENV) == "1":
                raise
            if isinstance(exc, FatalError):
                message = exc.message
            else:
                message = f"internal error: {type(exc).__name__}: {exc}; report it"
            verdict = Verdict(label=ref.label)
            verdict.extra_failures.append(("error", message))
            self._audit(verdict, "error")
            return verdict

    def pushed_additions(
        self, verdict: Verdict, ref: PushedRef, new: str, policy: Policy
    ) -> tuple[Policy, tuple[str, ...]] | None:
        """``policy`` tightened by the policy in the pushed commit (with the checks it adds);
        None when the pushed policy is invalid or over a bound (its problems are failures).
        A push that changes the policy file says so on its ``policy`` line."""
        data = read_tree_policy(self.repo, new)
        earlier_at = ref.old or self.authority().baseline
        earlier = read_tree_policy(self.repo, earlier_at) if earlier_at else None
        changed = data != earlier
        where = f"{POLICY_RELPATH} (commit {new[:12]})"
        if isinstance(data, Finding):
            said = data.message if data.message.startswith(POLICY_RELPATH) else None
            verdict.add("policy", "failed", said or f"{where}: {data.message}")
            return None
        if data is None:
            if changed:
                verdict.add("policy", "passed", f"removes {POLICY_RELPATH}; {self._still()}")
            return policy, ()
        pushed = load_policy_bytes(data, source=where)
        if not pushed.valid or pushed.policy is None:
            for finding in pushed.errors[:_SHOWN_ERRORS]:
                verdict.add("policy", "failed", describe_finding(pushed, finding))
            if len(pushed.errors) > _SHOWN_ERRORS:
                more = len(pushed.errors) - _SHOWN_ERRORS
                verdict.add("policy", "failed", f"{where}: and {more} more problems")
            return None
        for finding in pushed.warnings:
            if finding.path.startswith("git_pr.forbidden_file_patterns["):
                # A pattern it adds that Go rejects adds nothing: said, as the hooks say it.
                verdict.notes.append(f"warning: {describe_finding(pushed, finding)}")
        problems = pushed_policy_problems(pushed.policy)
        if problems:
            for problem in problems:
                verdict.add("policy", "failed", f"{where}: {problem}")
            return None
        tightened, added = tighten(policy, pushed.policy)
        if changed:
            more = len(tightened.git_pr.forbidden_file_patterns) - len(
                policy.git_pr.forbidden_file_patterns
            )
            adds = [f"{more} forbidden pattern{'s' if more != 1 else ''}"] if more else []
            if added:
                adds.append(f"the check{'s' if len(added) != 1 else ''} {', '.join(added)}")
            adds_text = f"adds {' and '.join(adds)}" if adds else "adds no restriction"
            verdict.add(
                "policy", "passed", f"changes {POLICY_RELPATH}: {adds_text}; {self._still()}"
            )
        return tightened, added

    def _still(self) -> str:
        return f"enforcing {self.authority().resolved.described}"

    def _heading(self, ref: PushedRef) -> str | None:
        return None if self.out.json_mode else f"{self.stage} {ref.label}:"

    @staticmethod
    def _require_added(verdict: Verdict, added: tuple[str, ...]) -> None:
        """Each check a pushed policy added must pass on its own: without require_all a passing
        check of the server's would otherwise let it fail."""
        report = verdict.report
        verdict.extra_failures = [
            (name, detail)
            for name, detail in verdict.extra_failures
            if not (name in added and detail.endswith(_ADDED_SUFFIX))
        ]
        if report is None or not report.passed or not added:
            return
        for result in report.results:
            if result.name in added and result.status == "failed":
                verdict.extra_failures.append((result.name, f"{result.detail}{_ADDED_SUFFIX}"))

    def _branch(
        self, verdict: Verdict, ref: PushedRef, policy: Policy, override: str | None
    ) -> None:
        if apply_skip(verdict, self.skips, "branch"):
            return
        if override is not None:
            branch_gate(
                verdict,
                policy,
                override,
                detached_note=None,
                stamp=lambda: run_stamp(self.repo),
                **self._hint(ref),
            )
        elif ref.remote_ref.startswith(TAG_PREFIX):
            verdict.add("branch", "skipped", "tags are exempt from branch_template")
        elif ref.remote_ref.startswith(BRANCH_PREFIX):
            branch = ref.remote_ref[len(BRANCH_PREFIX) :]
            branch_gate(
                verdict,
                policy,
                branch,
                detached_note=None,
                stamp=lambda: run_stamp(self.repo),
                **self._hint(ref),
            )
        else:
            verdict.add("branch", "skipped", f"'{ref.remote_ref}' is not a branch")

    def _hint(self, ref: PushedRef) -> dict[str, str]:
        if self.destination is not None:
            local = ref.local_ref.removeprefix(BRANCH_PREFIX) or "HEAD"
            hint = f"push it as: git push {self.destination.remote_name} {local}:{{name}}"
        else:
            hint = "push to a fitting branch name"
        return {"repo": repo_name(self.repo), "rename_hint": hint}

    def _allowed_repos(self, verdict: Verdict, policy: Policy) -> None:
        allowed = policy.git_pr.repos()
        if (
            self.destination is None
            or not allowed
            or apply_skip(verdict, self.skips, "allowed_repos")
        ):
            return
        url = self.destination.remote_url
        if remotes.is_allowed(url, allowed):
            verdict.add("allowed_repos", "passed", f"{remotes.describe(url)} is allowed")
        else:
            verdict.add(
                "allowed_repos",
                "failed",
                f"{self.destination.remote_name} ({url}) is not in git_pr.allowed_repos"
                f" ({', '.join(allowed)}); push to an allowed repository or add it to the policy",
            )

    def _run_checks(self, ref: PushedRef, new: str, policy: Policy, verdict: Verdict) -> Report:
        from metawsm_hooks.checks import CheckContext, run_checks

        repo = self.repo
        where = push_range(
            ref,
            new,
            destination=self.destination,
            server=self.server,
            other_branches_than=self.other_branches_than,
        )
        return run_checks(
            CheckContext(
                operation="pr",
                repo=repo,
                # git is still walking the pushed commits: the checks that do not read them
                # run meanwhile (``run_checks``).
                changes=_OnFirstUse(lambda: repo.pushed_changes(**where).changes),
                source=repo.commit_source(new),
                tree_id=lambda: repo.tree_id_of(new),
                run_in_place=lambda: not self.server and repo.worktree_matches_commit(new),
                ticket=verdict.match.ticket if verdict.match else None,
                policy=policy,
                skip=self.skips,
                cache=self.store,
                head_commit=new,
                head_branch=_branch_name(ref, branch_override=self.branch_override),
            )
        )

    def write_ledger(self, verdicts: Sequence[Verdict]) -> None:
        """metawsm's run_pull_requests, once the whole push is decided (``verdicts``: every
        ref's): when every ref passed, each row waits for git to deliver its commit; otherwise
        git refuses the whole push, so every row only records why (a ref that passed, that
        another ref blocked)."""
        blocked = [v for v in verdicts if not v.passed]
        for verdict, ref, new, policy in self.ledger:
            refused = None
            if verdict.passed and blocked:
                refused = (
                    "not pushed: git refused the whole push because "
                    + ", ".join(v.label for v in blocked)
                    + " was blocked"
                )
            self._ledger(verdict, ref, new, policy, refused=refused)

    def _ledger(
        self,
        verdict: Verdict,
        ref: PushedRef,
        new: str,
        policy: Policy,
        *,
        refused: str | None = None,
    ) -> None:
        """One row: a failure records why; a pass at pre-push waits for git to deliver the
        commit (``stages.ledger``); a pass on the server (the ref is being received) moves the
        row to this commit."""
        from metawsm_hooks.identity import Identity

        found = verdict.identity
        if self.stage == "ci" or verdict.match is None or not isinstance(found, Identity):
            return  # no branch, or identities that collide: nothing under a guessed key
        from metawsm_hooks.store import PRKey, PullRequestPush

        match = verdict.match
        key = PRKey(run_id=found.run_id, ticket=found.ticket, repo=found.repo)
        report_json = _report_json(verdict)
        remote_name = self.destination.remote_name if self.destination else ""
        common = {
            "head_branch": match.branch,
            "base_branch": policy.workspace.base_branch.strip(),
            "remote_name": remote_name,
            "credential_mode": policy.git_pr.credential_mode.strip(),
            "actor": self.actor,
            "validation_json": report_json,
            "workspace_name": found.workspace_name,
        }
        if verdict.passed and refused is None:
            push = PullRequestPush(key=key, commit_sha=new, **common)
            if self.stage == "pre-push" and self.destination is not None:
                self.store.record_pending_push(self._pending(push, ref))
            else:
                self.store.upsert_pull_request(push)
        else:
            error = printable(refused or "; ".join(f"{n}: {d}" for n, d in verdict.failures))
            self.store.record_push_failure(key, error_text=error, **common)

    def _pending(self, push: PullRequestPush, ref: PushedRef) -> PendingPush:
        from metawsm_hooks.stages.push_input import pusher_pid
        from metawsm_hooks.store import PendingPush

        destination = self.destination
        assert destination is not None
        # git moves refs/remotes/<remote>/* on delivery only for a push to a named remote.
        named = destination.remote_name != destination.remote_url and bool(destination.tracking)
        return PendingPush(
            push=push,
            remote_url=destination.remote_url,
            remote_ref=ref.remote_ref,
            tracking=(destination.remote_name,) if named else (),
            pusher_pid=pusher_pid(),
        )

    def _audit(self, verdict: Verdict, outcome: str) -> None:
        audit(
            self.store,
            stage=self.stage,
            verdict=verdict,
            outcome=outcome,
            skips=self.skips,
            actor=self.actor,
        )

    def close(self) -> None:
        self.store.close()
        self.repo.close()


class _OnFirstUse:
    """The changes ``compute`` returns, computed when first iterated over."""

    def __init__(self, compute: Callable[[], list[Change]]) -> None:
        self._compute: Callable[[], list[Change]] | None = compute
        self._changes: list[Change] = []

    def __iter__(self) -> Iterator[Change]:
        if self._compute is not None:
            self._changes = self._compute()
            self._compute = None
        return iter(self._changes)


def _branch_name(ref: PushedRef, *, branch_override: str | None) -> str | None:
    """The branch a pushed commit is checked out on in a temporary checkout (None: detached,
    for tags and other refs)."""
    if branch_override:
        return branch_override
    if ref.remote_ref.startswith(BRANCH_PREFIX):
        return ref.remote_ref[len(BRANCH_PREFIX) :]
    return None


def _report_json(verdict: Verdict) -> str:
    report = verdict.report.to_json() if verdict.report is not None else {}
    return json.dumps(report, sort_keys=True)


def enforce_all(
    stage: str,
    options: StageOptions,
    out: Output,
    repo: Repository,
    refs: Sequence[PushedRef],
    destination: Destination | None,
    *,
    server: bool,
    branch_override: str | None = None,
    baseline: str | None = None,
    other_branches_than: str | None = None,
    passed_text: str | None = None,
) -> int:
    run = PushRun(
        stage=stage,
        options=options,
        out=out,
        repo=repo,
        destination=destination,
        server=server,
        refs=refs,
        baseline=baseline,
        other_branches_than=other_branches_than,
    )
    try:
        verdicts = [run.enforce_safely(ref, branch_override=branch_override) for ref in refs]
        run.write_ledger(verdicts)
        if not out.json_mode:
            for verdict in verdicts:
                # Verdicts that stopped before the checks and were not shown yet (a deletion,
                # enforcement off, an invalid policy, an error): once each.
                if verdict.report is None and not verdict.shown:
                    for note in verdict.notes:
                        out.line(note)
                    for name, detail in verdict.extra_failures:
                        out.check(name, "failed", detail)
        extra: dict[str, object] = {"policies": [policy_json(r) for r in run.policies.values()]}
        if stage == "pre-push" and destination is not None:
            extra["remote"] = {"name": destination.remote_name, "url": destination.remote_url}
        return finish(out, stage, verdicts, extra=extra, passed_text=passed_text)
    finally:
        run.close()
