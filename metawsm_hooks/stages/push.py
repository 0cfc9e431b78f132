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


def _prefetch(
    repo: Repository, refs: Sequence[PushedRef], destination: Destination | None, *, server: bool
) -> None:
    """Start git on every pushed range (and the status) while the policy and store load."""
    for ref in refs:
        if ref.new is not None:
            where = push_range(ref, ref.new, destination=destination, server=server)
            repo.prefetch_pushed_changes(**where)
    if not server and repo.workdir is not None:
        repo.prefetch_status()


def pre_push(options: StageOptions, out: Output, args: Sequence[str]) -> int:
    from metawsm_hooks.git.repository import Repository

    repo = Repository.discover(options.cwd)
    framework = _framework_refs(repo)
    if framework is not None:
        name = os.environ.get("PRE_COMMIT_REMOTE_NAME", "")
        url = os.environ.get("PRE_COMMIT_REMOTE_URL", "")
        refs = framework
    else:
        if len(args) < 2:
            raise FatalError(
                "pre-push needs the remote name and URL git passes"
                " (run it from git's pre-push hook)"
            )
        name, url = args[0], args[1]
        refs = parse_pre_push(_read_stdin())
    from metawsm_hooks.remote import redact

    # Credentials in the URL (deploy and CI job tokens) go no further than this line.
    destination = Destination(redact(name), redact(url))
    return _enforce_all("pre-push", options, out, repo, refs, destination, server=False)


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
    old = repo.resolve(base)
    if old is None:
        raise FatalError(
            f"--base {base} is not a commit here; fetch it first (git fetch origin {base})"
        )
    name = branch or _ci_branch(repo)
    ref = PushedRef(
        local_ref="", new=new, remote_ref=BRANCH_PREFIX + name if name else head, old=old
    )
    return _enforce_all(
        "ci", options, out, repo, [ref], None, server=False, branch_override=name, baseline=old
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
) -> int:
    # Starts git on every pushed range (and the status); the policy, store and checks load
    # meanwhile.
    _prefetch(repo, refs, destination, server=server)
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
    )
