"""Shared helpers of the policy tests: the example policy, Go's verdicts, loading from text."""

from __future__ import annotations

from pathlib import Path

from metawsm_hooks.policy import PolicyResult, load_policy_bytes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "policy.example.json"
# Small policies and metawsm's verdict on each, produced by Go (see its "about").
GO_VERDICTS = ROOT / "tests" / "data" / "policies" / "go_verdicts.json"
# A policy with many kinds of problem, each on a line of its own.
MANY_ERRORS = """\
{
  "version": 0,
  "workspace": {"default_strategy": "clone"},
  "git_pr": {
    "mode": "sometimes",
    "required_checks": [
      "tests",
      "lint",
      " "
    ],
    "required_checks_typo": 1
  },
  "docs": {"api": {"repo_endpoints": [
    {"name": "r", "base_url": "http://a b", "repo": "x"}
  ]}},
  "health": {"idle_seconds": 1000},
  "agents": [{"name": "a", "profile": "ghost"}]
}
"""


def load(text: str | bytes, *, strict: bool = False) -> PolicyResult:
    """The result of loading ``text`` as a policy file (lenient unless ``strict``)."""
    data = text.encode() if isinstance(text, str) else text
    return load_policy_bytes(data, source="test", strict=strict)


def error_paths(result: PolicyResult) -> list[str]:
    """The JSON paths of the errors, in order."""
    return [f.path for f in result.errors]
