"""metawsm's required checks and the rule that combines them.

Each check is a module exposing ``APPLIES_TO`` (the operations it applies to, ``commit`` and/or
``pr``) and ``run(ctx) -> CheckResult``. The runner evaluates the checks the policy names, in
its order, and decides as metawsm does: a check that does not apply is skipped; with
``require_all`` the report passes when no applicable check failed, otherwise when at least one
passed; with no applicable check, or none required, it passes.
"""

from __future__ import annotations

import importlib
import time

from metawsm_hooks.constants import CHECK_NAMES, RFC3339_UTC, SKIP_ENV
from metawsm_hooks.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from datetime import datetime
    from typing import Protocol

    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.git.types import Change, TreeSource
    from metawsm_hooks.policy import Policy

    class TestCache(Protocol):
        """Where passing test runs are remembered (the store)."""

        def has_passed(self, key: str) -> bool: ...
        def remember_pass(self, key: str, *, tree_id: str, commands: Sequence[str]) -> None: ...

else:  # typing costs start-up time; a Protocol is only needed by the type checker

    class TestCache:
        """Where passing test runs are remembered: ``has_passed(key)`` and
        ``remember_pass(key, *, tree_id, commands)``."""


PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"


class CheckResult(Record):
    name: str
    status: str  # passed | failed | skipped
    detail: str
    # The files a failure is about (forbidden_files), for reports that point at files (SARIF);
    # not part of metawsm's report.
    paths: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        # metawsm's report leaves out an empty detail (``omitempty``).
        out: dict[str, object] = {"name": self.name, "status": self.status}
        if self.detail:
            out["detail"] = self.detail
        return out


class Report(Record):
    """metawsm's validation report."""

    operation: str
    require_all: bool
    required_checks: tuple[str, ...]
    results: tuple[CheckResult, ...]
    passed: bool
    evaluated_at: str

    def to_json(self) -> dict[str, object]:
        return {
            "operation": self.operation,
            "require_all": self.require_all,
            "required_checks": list(self.required_checks),
            "results": [result.to_json() for result in self.results],
            "passed": self.passed,
            "evaluated_at": self.evaluated_at,
        }

    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(result for result in self.results if result.status == FAILED)

    def failure_message(self) -> str:
        """``name: detail; name: detail`` for the failed checks ('' when the report passed)."""
        if self.passed:
            return ""
        failures = [f"{r.name}: {r.detail}" if r.detail else r.name for r in self.failed()]
        if failures:
            return "; ".join(failures)
        return "no required checks passed"

    def merged(self, other: Report) -> Report:
        """This report with ``other``'s results in place of those of the same name (a check run
        again), the verdict decided anew."""
        fresh = {result.name: result for result in other.results}
        results = tuple(fresh.get(result.name, result) for result in self.results)
        return Report(
            operation=self.operation,
            require_all=self.require_all,
            required_checks=self.required_checks,
            results=results,
            passed=passes(results, require_all=self.require_all),
            evaluated_at=other.evaluated_at,
        )


class CheckContext(Record):
    """Everything a check may look at; ``tree_id`` and ``run_in_place`` are only computed when
    a check needs them (only ``tests`` does). ``changes`` may be computed on first use too (a
    push's): a check that reads it says so with ``READS_CHANGES = True`` and runs last."""

    operation: str  # "commit" or "pr"
    repo: Repository
    changes: Iterable[Change]  # iterated once, by the checks that READS_CHANGES
    source: TreeSource  # the tree being committed or pushed
    tree_id: Callable[[], str]
    run_in_place: Callable[[], bool]  # is the working tree exactly the tree being checked
    ticket: str | None
    policy: Policy
    skip: Mapping[str, str]  # check name -> who skipped it (METAWSM_SKIP)
    cache: TestCache | None
    # What HEAD is in a temporary checkout: the commit (the parent of the one being made, or
    # the pushed one; None: unborn) and the branch it is on (None: detached).
    head_commit: str | None = None
    head_branch: str | None = None


def passes(results: Sequence[CheckResult], *, require_all: bool) -> bool:
    """metawsm's rule over the evaluated checks (skipped ones do not count)."""
    passed = sum(1 for result in results if result.status == PASSED)
    failed = sum(1 for result in results if result.status == FAILED)
    if passed + failed == 0:
        return True
    if require_all:
        return failed == 0
    return passed > 0


def run_checks(
    ctx: CheckContext, *, only: Sequence[str] | None = None, now: datetime | None = None
) -> Report:
    """Evaluate the policy's required checks for ``ctx.operation``. With ``only``, just those
    of them (e.g. ``["tests"]`` to run the tests again), the verdict taken over those."""
    names = ctx.policy.git_pr.checks()
    chosen = [name for name in names if only is None or name in only]
    # The checks that read the change (``READS_CHANGES``) run last: at push time git may still
    # be listing it (``ctx.changes`` waits for git on first use), and the others need not wait.
    order = sorted(range(len(chosen)), key=lambda i: _reads_changes(chosen[i]))
    evaluated = {i: _run_one(chosen[i], ctx) for i in order}
    results = [evaluated[i] for i in range(len(chosen))]
    return Report(
        operation=ctx.operation,
        require_all=ctx.policy.git_pr.require_all,
        required_checks=names,
        results=tuple(results),
        passed=passes(results, require_all=ctx.policy.git_pr.require_all),
        evaluated_at=_rfc3339(now),
    )


def _rfc3339(now: datetime | None) -> str:
    """UTC, to the second, with ``Z`` (Go's time.RFC3339 of a UTC time)."""
    if now is None:
        return time.strftime(RFC3339_UTC, time.gmtime())
    from datetime import timezone

    return now.astimezone(timezone.utc).strftime(RFC3339_UTC)


def _reads_changes(name: str) -> bool:
    if name not in CHECK_NAMES:
        return False
    return bool(getattr(importlib.import_module(f"{__name__}.{name}"), "READS_CHANGES", False))


def _run_one(name: str, ctx: CheckContext) -> CheckResult:
    if name not in CHECK_NAMES:  # a validated policy names none of these
        return CheckResult(name, FAILED, f"required check '{name}' is not supported")
    check = importlib.import_module(f"{__name__}.{name}")
    if ctx.operation not in check.APPLIES_TO:
        return CheckResult(name, SKIPPED, f"not applicable to {ctx.operation}")
    if name in ctx.skip:
        return CheckResult(name, SKIPPED, f"skipped by {SKIP_ENV} ({ctx.skip[name]})")
    result: CheckResult = check.run(ctx)
    return result


def quote_path(path: str) -> str:
    """A path as it can be shown on one line: as is when printable, else in double quotes with
    C escapes, and each byte that is not UTF-8 as an octal escape (as git quotes names)."""
    if path.isprintable() and not path.startswith('"'):  # surrogates are not printable
        return path
    out = []
    for char in path:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode
            out.append(f"\\{code - 0xDC00:03o}")
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif not char.isprintable():
            out.extend(f"\\{byte:03o}" for byte in char.encode("utf-8", "surrogatepass"))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
