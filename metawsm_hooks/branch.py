"""Branch names: metawsm's ``RenderGitBranch`` and its inverse. Pure functions."""

from __future__ import annotations

import re

from metawsm_hooks.golang.strings import go_lower, go_trim
from metawsm_hooks.records import Record

DEFAULT_TEMPLATE = "{ticket}/{repo}/{run}"
PLACEHOLDERS = ("ticket", "repo", "run")
EXAMPLE_VALUES = {"ticket": "METAWSM-001", "repo": "repo", "run": "run-20260101-000000"}

_SEPARATORS = str.maketrans({c: "-" for c in " /\\:,.@#[]{}()"})
_DASH_RUNS = re.compile(r"-{2,}")
# Private-use characters stand in for the placeholders while the template is rendered
# symbolically: sanitizing leaves them alone, and no real branch contains them.
_SENTINELS = {"ticket": "\ue000", "repo": "\ue001", "run": "\ue002"}
# A sanitized token: no separator, no space, no dash at either end, no dash run.
_TOKEN = r"[^/\\:,.@#\[\]{}() \-]+(?:-[^/\\:,.@#\[\]{}() \-]+)*"


def sanitize_token(value: str) -> str:
    """metawsm's ``sanitizeToken``: lower-case; separators to ``-``; dash runs collapsed."""
    token = go_lower(go_trim(value)).translate(_SEPARATORS)
    token = _DASH_RUNS.sub("-", token).strip("-")
    return token or "x"


def render_branch(template: str, *, ticket: str, repo: str, run: str) -> str:
    """metawsm's ``RenderGitBranch``, byte for byte."""
    values = {
        "ticket": sanitize_token(ticket),
        "repo": sanitize_token(repo),
        "run": sanitize_token(run),
    }
    return _render(template, values)


def _render(template: str, values: dict[str, str]) -> str:
    text = go_trim(template) or DEFAULT_TEMPLATE
    for name in PLACEHOLDERS:
        text = text.replace("{" + name + "}", values[name])
    segments = [sanitize_token(part) for part in text.split("/") if go_trim(part)]
    if not segments:
        return "/".join(values[name] for name in PLACEHOLDERS)
    return "/".join(segments)


class BranchMatch(Record):
    branch: str
    ticket: str
    repo: str
    run: str


class BranchMismatch(Record):
    branch: str
    template: str
    reason: str
    example: str


def parse_branch(
    template: str, branch: str, *, example: dict[str, str] | None = None
) -> BranchMatch | BranchMismatch:
    """Which ticket, repo and run render to ``branch`` under ``template``, or why none do.

    ``example`` overrides the values used for the suggested fitting name.
    """
    shape = _render(template, _SENTINELS)
    values = {**EXAMPLE_VALUES, **(example or {})}
    suggestion = render_branch(
        template, ticket=values["ticket"], repo=values["repo"], run=values["run"]
    )
    shown = go_trim(template) or DEFAULT_TEMPLATE

    def mismatch(reason: str) -> BranchMismatch:
        return BranchMismatch(branch=branch, template=shown, reason=reason, example=suggestion)

    found = re.fullmatch(_shape_regex(shape), branch, flags=re.DOTALL)
    if found is not None:
        parts = {
            name: found.group(name) or "" for name in PLACEHOLDERS if _SENTINELS[name] in shape
        }
        if any(go_lower(value) != value for value in parts.values()):
            return mismatch("it holds upper-case letters; metawsm renders names lower-case")
        if _render(template, {name: parts.get(name, "x") for name in PLACEHOLDERS}) == branch:
            return BranchMatch(
                branch=branch,
                ticket=parts.get("ticket", ""),
                repo=parts.get("repo", ""),
                run=parts.get("run", ""),
            )
        return mismatch(f"it does not render back from '{_describe(shape)}'")
    return mismatch(_explain(shape, branch))


def _shape_regex(shape: str) -> str:
    seen: set[str] = set()
    pattern = []
    for char in shape:
        name = next((n for n, s in _SENTINELS.items() if s == char), None)
        if name is None:
            pattern.append(re.escape(char))
        elif name in seen:
            pattern.append(f"(?P={name})")
        else:
            seen.add(name)
            pattern.append(f"(?P<{name}>{_TOKEN})")
    return "".join(pattern)


def _describe(shape_segment: str) -> str:
    for name, sentinel in _SENTINELS.items():
        shape_segment = shape_segment.replace(sentinel, "{" + name + "}")
    return shape_segment


def _explain(shape: str, branch: str) -> str:
    expected = shape.split("/")
    actual = branch.split("/")
    if len(expected) != len(actual):
        return (
            f"expected {len(expected)} '/'-separated part{'s' if len(expected) != 1 else ''}"
            f" ({_describe(shape)}), found {len(actual)}"
        )
    for index, (want, got) in enumerate(zip(expected, actual, strict=True), start=1):
        if not re.fullmatch(_shape_regex(want), got, flags=re.DOTALL):
            if got != got.strip("-") or "--" in got:
                why = "dashes are collapsed and trimmed in rendered names"
            elif got == "":
                why = "it is empty"
            elif any(c in got for c in " \\:,.@#[](){}"):
                why = "it holds a character metawsm replaces with '-'"
            elif go_lower(got) != got:
                why = "metawsm renders names lower-case"
            else:
                why = f"it should look like '{_describe(want)}'"
            return f"part {index} '{got}' does not fit '{_describe(want)}': {why}"
    return f"repeated placeholders in '{_describe(shape)}' must hold the same value"
