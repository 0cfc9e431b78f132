"""Push time, metawsm's ``pr`` operation over what is actually pushed: ``pre-push`` on the client,
``pre-receive`` on the server and ``ci`` over a range.

This module reads what git says is being pushed and starts git on it at once; the policy,
the store and the checks load while git works (``push_run``)."""

from __future__ import annotations

import os
import sys

from metawsm_hooks.errors import FatalError
from metawsm_hooks.stages.push_input import (
    BRANCH_PREFIX,
    Destination,
    PushedRef,
    parse_pre_push,
    parse_pre_receive,
    push_range,
    unseen_refspecs,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.output import Output
    from metawsm_hooks.stages.options import StageOptions


def _read_stdin() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        return ""
    return sys.stdin.buffer.read().decode("utf-8", errors="surrogateescape")


def _framework_refs(repo: Repository) -> list[PushedRef] | None:
    """The pre-commit framework's pre-push interface passes one push through the environment."""
    remote_branch = os.environ.get("PRE_COMMIT_REMOTE_BRANCH")
    if remote_branch is None:
        return None
    to_ref = os.environ.get("PRE_COMMIT_TO_REF") or os.environ.get("PRE_COMMIT_LOCAL_BRANCH", "")
    new = repo.resolve(to_ref) if to_ref else None
    if new is None:
        return []
    from_ref = os.environ.get("PRE_COMMIT_FROM_REF", "")
    old = repo.resolve(from_ref) if from_ref else None
    local = os.environ.get("PRE_COMMIT_LOCAL_BRANCH", "")
    return [PushedRef(local_ref=local, new=new, remote_ref=remote_branch, old=old)]


def resolve_destination(repo: Repository, out: Output, name: str, url: str) -> Destination:
    """git passes the remote's name, or the URL twice for ``git push URL``: a URL push knows
    what the remote has from every configured remote naming the same repository, else from
    the remote itself. Credentials in the URL (deploy and CI job tokens) are used to ask the
    remote and go no further: the Destination holds the URL without them."""
    from metawsm_hooks.remote import redact

    shown = Destination(redact(name), redact(url))
    if name and repo.remote_url(name) is not None:
        return Destination(shown.remote_name, shown.remote_url, tracking=(name,))
    from metawsm_hooks.remote import same_repository

    base = str(repo.workdir or repo.git_dir)
    target = url or name
    tracking = tuple(
        remote
        for remote, urls in sorted(repo.remote_urls().items())
        if any(same_repository(target, candidate, base=base) for candidate in urls)
    )
    if tracking:
        return Destination(shown.remote_name, shown.remote_url, tracking=tracking)
    heads = repo.remote_branch_heads(target)
    if heads is None:
        out.note(
            f"{redact(target)}: no configured remote names it and its branches could not be"
            " read; every pushed commit not already on the pushed branch is checked"
        )
        return shown
    return Destination(shown.remote_name, shown.remote_url, present=tuple(heads))


def _prefetch(
    repo: Repository,
    refs: Sequence[PushedRef],
    destination: Destination | None,
    *,
    server: bool,
    other_branches_than: str | None,
) -> None:
    """Start git on every pushed range (and the status) while the policy and store load."""
    for ref in refs:
        if ref.new is not None:
            where = push_range(
                ref,
                ref.new,
                destination=destination,
                server=server,
                other_branches_than=other_branches_than,
            )
            repo.prefetch_pushed_changes(**where)
    if not server and repo.workdir is not None:
        repo.prefetch_status()


def pre_push(options: StageOptions, out: Output, args: Sequence[str]) -> int:
    from metawsm_hooks.git.repository import Repository

    repo = Repository.discover(options.cwd)
    framework = _framework_refs(repo)
    passed_text = None
    if framework is not None:
        name = os.environ.get("PRE_COMMIT_REMOTE_NAME", "")
        url = os.environ.get("PRE_COMMIT_REMOTE_URL", "")
        refs = framework
        seen = refs[0].label if refs else "no ref"
        unseen = unseen_refspecs(os.getppid())
        if unseen:
            out.verdict(
                f"pre-push blocked: this push names {unseen}, but the hook manager (the pre-commit"
                f" framework, prek) passes this hook one ref only ({seen}), so the others cannot"
                " be checked;"
                " push one branch at a time (to check every ref of a push, see 'The pre-commit"
                " framework' in metawsm-hooks' README)",
                passed=False,
            )
            return 1
        # Never call refs this hook did not see checked.
        passed_text = (
            f"pre-push passed for {seen}, the one ref the hook manager (the pre-commit framework,"
            " prek) passes"
        )
    else:
        if len(args) < 2:
            raise FatalError(
                "pre-push needs the remote name and URL git passes"
                " (run it from git's pre-push hook)"
            )
        name, url = args[0], args[1]
        refs = parse_pre_push(_read_stdin())
        if not refs:
            # git runs pre-push with no refs when everything is up to date; a hook manager that
            # does not pass git's stdin on looks the same: never call that a pass.
            out.note(
                "pre-push: no refs received on stdin, nothing checked (git sends none when"
                " everything is up to date; lefthook passes them only with 'use_stdin: true')"
            )
            return 0
    if _unclaimed_push(options, out, repo, refs):
        return 0
    destination = resolve_destination(repo, out, name, url)
    return _enforce_all(
        "pre-push", options, out, repo, refs, destination, server=False, passed_text=passed_text
    )


def _unclaimed_push(
    options: StageOptions, out: Output, repo: Repository, refs: Sequence[PushedRef]
) -> bool:
    """From a shared hooks folder, a push of commits none of which has a policy (and no policy
    named, no metawsm home configured, none in the work tree) is not metawsm's."""
    from metawsm_hooks.stages.options import in_shared_hooks

    if not in_shared_hooks():
        return False
    from metawsm_hooks.constants import POLICY_RELPATH
    from metawsm_hooks.layout import configured_home
    from metawsm_hooks.policy import defaults_result
    from metawsm_hooks.stages.common import explicit_policy_path, unclaimed

    if explicit_policy_path(options) is not None or configured_home(repo) is not None:
        return False
    if repo.workdir is not None and (repo.workdir / POLICY_RELPATH).exists():
        return False
    pushed = [ref.new for ref in refs if ref.new is not None and repo.resolve(ref.new)]
    if any(repo.commit_source(new).read(POLICY_RELPATH) is not None for new in pushed):
        return False
    repo.close()
    return unclaimed(out, "pre-push", defaults_result())


def pre_receive(options: StageOptions, out: Output, args: Sequence[str]) -> int:
    from metawsm_hooks.git.repository import Repository

    repo = Repository.discover(options.cwd)
    refs = parse_pre_receive(_read_stdin())
    # Refs move only after pre-receive accepts: HEAD is still the default branch before the push.
    baseline = repo.resolve("HEAD")
    return _enforce_all(
        "pre-receive", options, out, repo, refs, None, server=True, baseline=baseline
    )


def ci(options: StageOptions, out: Output, *, base: str, head: str, branch: str | None) -> int:
    from metawsm_hooks.git.repository import Repository

    repo = Repository.discover(options.cwd)
    new = repo.resolve(head)
    if new is None:
        raise FatalError(
            f"--head {head} is not a commit here; fetch it first (git fetch origin {head})"
        )
    name = branch or _ci_branch(repo)
    new_branch = bool(base) and set(base) <= {"0"}
    old = None if new_branch else repo.resolve(base)
    if old is None and not new_branch:
        raise FatalError(
            f"--base {base} is not a commit here; fetch it first (git fetch origin {base})"
        )
    if new_branch:
        # A CI push event's "before" for a new branch: check what no other branch of the remote
        # has, as pre-push does for a new branch.
        out.note(
            "--base is all zeros (a new branch): checking the commits on no other"
            " remote-tracking branch"
        )
    ref = PushedRef(
        local_ref="", new=new, remote_ref=BRANCH_PREFIX + name if name else head, old=old
    )
    return _enforce_all(
        "ci",
        options,
        out,
        repo,
        [ref],
        None,
        server=False,
        branch_override=name,
        other_branches_than=(name or "") if new_branch else None,
        baseline=old,
    )


# Where CI services name the branch of a detached checkout.
_CI_BRANCH_VARIABLES = (
    "GITHUB_HEAD_REF",
    "GITHUB_REF_NAME",
    "CI_COMMIT_REF_NAME",
    "BRANCH_NAME",
    "GIT_BRANCH",
)


def _ci_branch(repo: Repository) -> str | None:
    head = repo.head()
    if head.branch and not head.detached:
        return head.branch
    for variable in _CI_BRANCH_VARIABLES:
        value = os.environ.get(variable, "")
        if value:
            return value.removeprefix(BRANCH_PREFIX)
    return None


def _enforce_all(
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
    # Starts git on every pushed range (and the status); the policy, store and checks load
    # meanwhile.
    _prefetch(repo, refs, destination, server=server, other_branches_than=other_branches_than)
    from metawsm_hooks.stages.push_run import enforce_all

    return enforce_all(
        stage,
        options,
        out,
        repo,
        refs,
        destination,
        server=server,
        branch_override=branch_override,
        baseline=baseline,
        other_branches_than=other_branches_than,
        passed_text=passed_text,
    )
