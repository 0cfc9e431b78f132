"""Push time, metawsm's ``pr`` operation over what is actually pushed: ``pre-push`` on the client,
``pre-receive`` on the server and ``ci`` over a range.

This module reads what git says is being pushed and starts git on it at once; the policy,
the store and the checks load while git works (``push_run``)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NamedTuple

from metawsm_hooks.errors import EXIT_USAGE, FatalError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from metawsm_hooks.git import Repository
    from metawsm_hooks.output import Output
    from metawsm_hooks.stages import StageOptions

BRANCH_PREFIX = "refs/heads/"
TAG_PREFIX = "refs/tags/"


class PushedRef(NamedTuple):
    """One ref update: what the client sends, or what the server receives."""

    local_ref: str
    new: str | None  # None: the ref is being deleted
    remote_ref: str
    old: str | None  # None: the remote does not have the ref yet

    @property
    def label(self) -> str:
        if self.local_ref and self.local_ref != self.remote_ref:
            return f"{self.local_ref} -> {self.remote_ref}"
        return self.remote_ref


class Destination(NamedTuple):
    remote_name: str
    remote_url: str


def _oid(value: str) -> str | None:
    return None if set(value) <= {"0"} else value


def _is_oid(value: str) -> bool:
    return len(value) in (40, 64) and all(c in "0123456789abcdef" for c in value)


def parse_pre_push(text: str) -> list[PushedRef]:
    """git's pre-push stdin: ``<local ref> SP <local oid> SP <remote ref> SP <remote oid>``."""
    refs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.rsplit(" ", 3)
        if len(parts) != 4 or not (_is_oid(parts[1]) and _is_oid(parts[3])):
            raise FatalError(
                f"pre-push: line {number} of the input is not '<local ref> <local oid> <remote ref>"
                " <remote oid>'; run this stage from git's pre-push hook"
            )
        refs.append(
            PushedRef(
                local_ref=parts[0], new=_oid(parts[1]), remote_ref=parts[2], old=_oid(parts[3])
            )
        )
    return refs


def parse_pre_receive(text: str) -> list[PushedRef]:
    """git's pre-receive stdin: ``<old oid> SP <new oid> SP <ref name>``."""
    refs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(" ", 2)
        if len(parts) != 3 or not (_is_oid(parts[0]) and _is_oid(parts[1])) or not parts[2]:
            raise FatalError(
                f"pre-receive: line {number} of the input is not '<old oid> <new oid> <ref>';"
                " run this stage from git's pre-receive hook"
            )
        refs.append(
            PushedRef(local_ref="", new=_oid(parts[1]), remote_ref=parts[2], old=_oid(parts[0]))
        )
    return refs


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


def push_range(
    ref: PushedRef, new: str, *, destination: Destination | None, server: bool
) -> dict[str, Any]:
    """What the remote lacks: on the server, the commits no existing ref has yet."""
    remote = None if server or destination is None else destination.remote_name
    return {"new": new, "old": ref.old, "remote": remote, "exclude_all_refs": server}


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
    from metawsm_hooks.git import Repository

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
    return _enforce_all("pre-push", options, out, repo, refs, Destination(name, url), server=False)


def pre_receive(options: StageOptions, out: Output, args: Sequence[str]) -> int:
    from metawsm_hooks.git import Repository

    repo = Repository.discover(options.cwd)
    refs = parse_pre_receive(_read_stdin())
    return _enforce_all("pre-receive", options, out, repo, refs, None, server=True)


def ci(options: StageOptions, out: Output, *, base: str, head: str, branch: str | None) -> int:
    from metawsm_hooks.git import Repository

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
    return _enforce_all("ci", options, out, repo, [ref], None, server=False, branch_override=name)


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
) -> int:
    _prefetch(repo, refs, destination, server=server)
    from metawsm_hooks.stages.push_run import enforce_all

    return enforce_all(
        stage, options, out, repo, refs, destination, server=server, branch_override=branch_override
    )


STAGES = ("pre-push", "pre-receive")


def run(stage: str, options: StageOptions, out: Output, args: Sequence[str]) -> int:
    if stage == "pre-push":
        return pre_push(options, out, args)
    if stage == "pre-receive":
        return pre_receive(options, out, args)
    raise FatalError(f"unknown stage '{stage}'", exit_code=EXIT_USAGE)
