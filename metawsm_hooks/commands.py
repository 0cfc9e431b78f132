"""The commands behind the CLI that are not hook stages: each returns an exit code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from metawsm_hooks.cli import Command, InstallArgs
from metawsm_hooks.errors import EXIT_BLOCKED, EXIT_PASS, EXIT_USAGE, FatalError
from metawsm_hooks.output import Output

if TYPE_CHECKING:
    from metawsm_hooks.cli import (
        CheckBranchArgs,
        CiArgs,
        InitArgs,
        RecordArgs,
        RenderArgs,
        StatusArgs,
        ValidateArgs,
    )
    from metawsm_hooks.git import Repository
    from metawsm_hooks.policy import Policy, PolicyResult
    from metawsm_hooks.store import Store


def run(command: Command, out: Output) -> int:
    handlers = {
        "validate": validate,
        "schema": schema,
        "branch render": branch_render,
        "branch check": branch_check,
        "ci": ci,
        "status": status,
        "pr record": pr_record,
        "init": init,
        "install": install,
        "uninstall": uninstall,
        "doctor": doctor,
        "onboard": onboard,
    }
    handler = handlers.get(command.name)
    if handler is None:
        raise FatalError(f"unknown command '{command.name}'", exit_code=EXIT_USAGE)
    return handler(command, out)


def _repository(*, required: bool = True) -> Repository | None:
    from metawsm_hooks.git import Repository

    try:
        return Repository.discover(Path.cwd())
    except FatalError:
        if required:
            raise
        return None


def _explicit_policy(command: Command) -> Path | None:
    from metawsm_hooks.policy import named_policy_path

    return named_policy_path(command.common.policy)


def _working_policy(command: Command) -> PolicyResult:
    """The policy file in the working tree (or the one named), for commands outside hooks."""
    from metawsm_hooks.policy import POLICY_RELPATH, defaults_result, load_policy_path

    explicit = _explicit_policy(command)
    if explicit is not None:
        return load_policy_path(explicit, missing_ok=False)
    repo = _repository(required=False)
    root = repo.workdir if repo is not None else None
    if root is None:
        return defaults_result()
    return load_policy_path(root / POLICY_RELPATH, missing_ok=True)


def _usable_policy(command: Command, out: Output) -> Policy:
    from metawsm_hooks.stages.common import show_policy

    result = _working_policy(command)
    if not result.valid or result.policy is None:
        show_policy(out, result)
        raise FatalError(
            f"{result.source} is invalid; fix it (metawsm-hooks validate lists every problem)",
            exit_code=EXIT_BLOCKED,
        )
    return result.policy


def validate(command: Command, out: Output) -> int:
    from metawsm_hooks.policy import POLICY_RELPATH, load_policy_path
    from metawsm_hooks.stages.common import policy_json, show_policy

    args: ValidateArgs = command.args  # type: ignore[assignment]
    if args.paths:
        results = [
            load_policy_path(path, strict=args.strict, missing_ok=False) for path in args.paths
        ]
    else:
        explicit = _explicit_policy(command)
        if explicit is not None:
            results = [load_policy_path(explicit, strict=args.strict, missing_ok=False)]
        else:
            repo = _repository()
            assert repo is not None
            if repo.workdir is None:
                raise FatalError(
                    "a bare repository has no policy file to validate; name one: validate PATH"
                )
            results = [
                load_policy_path(repo.workdir / POLICY_RELPATH, strict=args.strict, missing_ok=True)
            ]
    if out.json_mode:
        files = []
        for result in results:
            doc = policy_json(result)
            files.append(
                {
                    "path": result.source,
                    "valid": doc["valid"],
                    "errors": doc["errors"],
                    "warnings": doc["warnings"],
                }
            )
            if result.defaults_used:
                out.note(f"no {POLICY_RELPATH} found; metawsm's built-in defaults apply")
        out.document({"files": files})
    else:
        for result in results:
            show_policy(out, result)
            if result.valid:
                extra = (
                    f" ({len(result.warnings)} warning{'s' if len(result.warnings) != 1 else ''})"
                )
                out.line(f"{result.source}: valid{extra if result.warnings else ''}")
            else:
                count = len(result.errors)
                out.line(f"{result.source}: invalid ({count} problem{'s' if count != 1 else ''})")
    return EXIT_PASS if all(r.valid for r in results) else EXIT_BLOCKED


def schema(command: Command, out: Output) -> int:
    from metawsm_hooks.policy import json_schema

    out.raw(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return EXIT_PASS


def branch_render(command: Command, out: Output) -> int:
    from metawsm_hooks.branch import render_branch

    args: RenderArgs = command.args  # type: ignore[assignment]
    template = (
        args.template
        if args.template is not None
        else _usable_policy(command, out).git_pr.branch_template
    )
    out.raw(render_branch(template, ticket=args.ticket, repo=args.repo, run=args.run))
    return EXIT_PASS


def _current_branch(what: str) -> str:
    repo = _repository()
    assert repo is not None
    head = repo.head()
    if head.detached or not head.branch:
        raise FatalError(f"HEAD is detached: name the branch ({what})")
    return head.branch


def branch_check(command: Command, out: Output) -> int:
    from metawsm_hooks.branch import BranchMatch, parse_branch

    args: CheckBranchArgs = command.args  # type: ignore[assignment]
    policy = _usable_policy(command, out)
    name = (
        args.name if args.name is not None else _current_branch("metawsm-hooks branch check NAME")
    )
    found = parse_branch(policy.git_pr.branch_template, name)
    if out.json_mode:
        doc: dict[str, object] = {"branch": name, "matches": isinstance(found, BranchMatch)}
        if isinstance(found, BranchMatch):
            doc.update(ticket=found.ticket, repo=found.repo, run=found.run)
        else:
            doc.update(ticket=None, repo=None, run=None, reason=found.reason, example=found.example)
        out.document(doc)
    elif isinstance(found, BranchMatch):
        out.line(f"{name}: fits; ticket={found.ticket} repo={found.repo} run={found.run}")
    else:
        out.line(
            f"{name}: does not fit branch_template '{found.template}': {found.reason};"
            f" a fitting name: {found.example}"
        )
    return EXIT_PASS if isinstance(found, BranchMatch) else EXIT_BLOCKED


def ci(command: Command, out: Output) -> int:
    from metawsm_hooks.stages import StageOptions
    from metawsm_hooks.stages.push import ci as ci_stage

    args: CiArgs = command.args  # type: ignore[assignment]
    options = StageOptions(
        policy_path=command.common.policy, db_path=command.common.db, json_mode=command.common.json
    )
    return ci_stage(options, out, base=args.base, head=args.head, branch=args.branch)


def _open_store(command: Command) -> Store:
    """The repository's store, or the ``--db`` one (which needs no repository)."""
    from metawsm_hooks.stages.common import store_location
    from metawsm_hooks.store import Store

    repo = _repository(required=command.common.db is None)
    if repo is None:
        return Store.open(Path(str(command.common.db)))
    return Store.open(store_location(repo, command.common.db))


def status(command: Command, out: Output) -> int:
    args: StatusArgs = command.args  # type: ignore[assignment]
    store = _open_store(command)
    with store:
        prs = store.pull_requests(ticket=args.ticket)
        runs = store.hook_runs(ticket=args.ticket, limit=args.limit)
        assists = store.assists(limit=args.limit)
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


_MAX_PR_NUMBER = 2**63 - 1
_PR_NUMBER = re.compile(r"/(?:pull|pulls|merge_requests|pull-requests)/(\d+)(?:[/?#]|$)")


def pr_record(command: Command, out: Output) -> int:
    from metawsm_hooks.branch import BranchMatch, parse_branch
    from metawsm_hooks.store import PRKey

    args: RecordArgs = command.args  # type: ignore[assignment]
    policy = _usable_policy(command, out)
    branch = args.branch if args.branch is not None else _current_branch("--branch NAME")
    found = parse_branch(policy.git_pr.branch_template, branch)
    if not isinstance(found, BranchMatch):
        raise FatalError(
            f"'{branch}' does not fit branch_template '{found.template}' ({found.reason}); "
            "name the run's branch with --branch"
        )
    number = args.number
    if number is None:
        matched = _PR_NUMBER.search(args.url)
        number = int(matched.group(1)) if matched else 0
    if number < 0:
        raise FatalError("--number must be a positive PR number")
    if number > _MAX_PR_NUMBER:  # the store's integers are 64-bit
        if args.number is not None:
            raise FatalError(f"--number {number} is too large for a PR number")
        raise FatalError(f"the number in {args.url} is too large for a PR number; pass --number N")
    store = _open_store(command)
    with store:
        store.record_pr(
            PRKey(run_id=found.run, ticket=found.ticket, repo=found.repo),
            url=args.url,
            number=number,
            state=args.state,
        )
    out.line(
        f"recorded PR {args.url} ({args.state}) for ticket {found.ticket},"
        f" repo {found.repo}, run {found.run}"
    )
    return EXIT_PASS


def _worktree_root(repo: Repository, what: str) -> Path:
    root = repo.main_root()
    if root is None:
        raise FatalError(f"a bare repository has no working tree to {what}; run it in a clone")
    return root


def init(command: Command, out: Output) -> int:
    from metawsm_hooks.onboard import init_policy

    args: InitArgs = command.args  # type: ignore[assignment]
    repo = _repository()
    assert repo is not None
    path = init_policy(
        repo.workdir or _worktree_root(repo, "write a policy into"), force=args.force
    )
    out.line(f"wrote {path} (metawsm's defaults; edit it, then: metawsm-hooks validate)")
    return EXIT_PASS


def install(command: Command, out: Output) -> int:
    from metawsm_hooks.onboard import default_command
    from metawsm_hooks.onboard import install as install_hooks

    args: InstallArgs = command.args  # type: ignore[assignment]
    repo = _repository()
    assert repo is not None
    hook_types = args.hook_types or (("pre-receive",) if repo.is_bare else ())
    kwargs = {"hook_types": hook_types} if hook_types else {}
    for message in install_hooks(
        repo.hooks_dir(), command=default_command(), common_dir=repo.common_dir, **kwargs
    ):
        out.line(message)
    return EXIT_PASS


def uninstall(command: Command, out: Output) -> int:
    from metawsm_hooks.onboard import uninstall as uninstall_hooks

    repo = _repository()
    assert repo is not None
    for message in uninstall_hooks(repo.hooks_dir()):
        out.line(message)
    return EXIT_PASS


def doctor(command: Command, out: Output) -> int:
    from metawsm_hooks.onboard import DEFAULT_HOOK_TYPES
    from metawsm_hooks.onboard import doctor as run_doctor
    from metawsm_hooks.policy import POLICY_RELPATH
    from metawsm_hooks.stages.common import store_location

    repo = _repository()
    assert repo is not None
    root = repo.main_root()
    policy_path = _explicit_policy(command)
    if policy_path is None and repo.workdir is not None:
        policy_path = repo.workdir / POLICY_RELPATH
    db = store_location(repo, command.common.db)
    checks = run_doctor(
        cwd=Path.cwd(),
        hooks_dir=repo.hooks_dir(),
        policy_path=policy_path,
        db_path=db,
        root=root,
        hook_types=("pre-receive",) if repo.is_bare else DEFAULT_HOOK_TYPES,
    )
    if out.json_mode:
        out.document({"checks": [c.to_json() for c in checks], "ok": all(c.ok for c in checks)})
    else:
        for check in checks:
            out.check(check.name, "passed" if check.ok else "failed", check.detail)
            if not check.ok and check.fix:
                out.line(f"{'':<16} fix: {check.fix}")
    return EXIT_PASS if all(c.ok for c in checks) else EXIT_BLOCKED


def onboard(command: Command, out: Output) -> int:
    from metawsm_hooks.policy import POLICY_RELPATH

    args: InitArgs = command.args  # type: ignore[assignment]
    repo = _repository()
    assert repo is not None
    root = repo.workdir or _worktree_root(repo, "onboard")
    if args.force or not (root / POLICY_RELPATH).exists():
        init(command, out)
    else:
        out.line(f"kept the existing {root / POLICY_RELPATH} (use --force to replace it)")
    install(Command("install", command.common, InstallArgs()), out)
    return doctor(command, out)
