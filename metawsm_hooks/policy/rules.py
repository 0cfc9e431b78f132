"""metawsm's ``Validate``, reporting every broken rule instead of the first, and the checks of
this tool's own ``hooks`` settings.

Each field's own rule is declared with the field (``schema``); this module runs those rules in
the order metawsm's ``Validate`` checks the sections, so problems come out in metawsm's order,
and adds the rules that span fields: unique names, references between agents and profiles, the
runner's requirements, health thresholds that must be ordered.
"""

from __future__ import annotations

from metawsm_hooks.golang.strings import go_lower, go_trim
from metawsm_hooks.policy.constraints import Entries
from metawsm_hooks.policy.struct import Struct, fields, replace

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from collections.abc import Callable, Iterator, Mapping
    from typing import Any

    from metawsm_hooks.policy.schema import HooksSettings, Policy

    Extra = Callable[[Any], "Iterator[tuple[str, str]]"]


def rule_findings(p: Policy) -> Iterator[tuple[str, str]]:
    """(JSON path, message) for every rule ``p`` breaks, in the order metawsm's ``Validate``
    checks them (which is not the order of the fields: it checks ``workspace.base_branch``
    after the docs, ``execution`` after ``git_pr``)."""
    yield from _path_findings(p, "version")
    yield from _path_findings(p, "workspace.default_strategy")
    yield from _path_findings(p, "tmux")
    yield from _path_findings(p, "docs")
    yield from _endpoint_findings(p)
    yield from _path_findings(p, "workspace.base_branch")
    yield from _path_findings(p, "health")
    health = p.health
    if health.activity_stalled_seconds < health.idle_seconds:
        yield (
            "health.activity_stalled_seconds",
            f"must be >= health.idle_seconds ({health.activity_stalled_seconds} < "
            f"{health.idle_seconds})",
        )
    yield from _path_findings(p, "operator")
    yield from _path_findings(p, "forum")
    yield from _path_findings(p, "git_pr")
    yield from _path_findings(p, "execution")
    profiles: dict[str, str] = {}  # name -> path of the profile that has it
    yield from _path_findings(p, "agent_profiles")
    yield from _profile_findings(p, profiles)
    yield from _path_findings(p, "agents")
    yield from _agent_findings(p, profiles)


def _path_findings(p: Policy, path: str) -> Iterator[tuple[str, str]]:
    owner: Any = p
    *parents, name = path.split(".")
    for part in parents:
        owner = getattr(owner, part)
    (spec,) = (f for f in fields(owner) if f.name == name)
    value = getattr(owner, name)
    if isinstance(value, Struct):
        yield from field_findings(value, path)
    elif spec.rule is not None:
        problem = spec.rule.problem(value)
        if problem:
            yield path, problem


def field_findings(
    struct: Struct, path: str, extra: Mapping[str, Extra] | None = None
) -> Iterator[tuple[str, str]]:
    """The problems of each field of ``struct`` by its own rule, in declaration order, nested
    objects included (lists of objects are left to the caller). ``extra`` maps a field name to
    a further check run when the field's own rule holds."""
    for spec in fields(struct):
        value = getattr(struct, spec.name)
        here = f"{path}.{spec.name}"
        if isinstance(value, Struct):
            yield from field_findings(value, here)
            continue
        rule = spec.rule
        if isinstance(rule, Entries):
            for i, entry in enumerate(value):
                problem = rule.entry.problem(entry)
                if problem:
                    yield f"{here}[{i}]", problem
            continue
        problem = rule.problem(value) if rule is not None else None
        if problem:
            yield here, problem
        elif extra is not None and spec.name in extra:
            yield from extra[spec.name](value)


def _endpoint_findings(p: Policy) -> Iterator[tuple[str, str]]:
    seen: dict[str, str] = {}
    for kind, endpoints in (
        ("workspace", p.docs.api.workspace_endpoints),
        ("repo", p.docs.api.repo_endpoints),
    ):
        for i, endpoint in enumerate(endpoints):
            base = f"docs.api.{kind}_endpoints[{i}]"
            extra: dict[str, Extra] = {"name": _unique(seen, base, "endpoint")}
            if kind == "workspace":
                extra["workspace"] = _workspace_required(base)
            yield from field_findings(endpoint, base, extra)


def _unique(seen: dict[str, str], base: str, noun: str) -> Extra:
    def check(value: str) -> Iterator[tuple[str, str]]:
        name = go_trim(value)
        if name in seen:
            yield f"{base}.name", f"duplicate {noun} name {name!r} (also {seen[name]})"
        else:
            seen[name] = base

    return check


def _workspace_required(base: str) -> Extra:
    def check(value: str) -> Iterator[tuple[str, str]]:
        if not go_trim(value):
            yield f"{base}.workspace", "cannot be empty for a workspace endpoint"

    return check


def _profile_findings(p: Policy, profiles: dict[str, str]) -> Iterator[tuple[str, str]]:
    for i, profile in enumerate(p.agent_profiles):
        base = f"agent_profiles[{i}]"

        def runner_needs(
            value: str, profile: Any = profile, base: str = base
        ) -> Iterator[tuple[str, str]]:
            runner = go_lower(go_trim(value))
            if runner == "codex" and not go_trim(profile.base_prompt):
                yield f"{base}.base_prompt", "cannot be empty for the codex runner"
            if runner == "shell" and not go_trim(profile.runner_options.command):
                yield f"{base}.runner_options.command", "cannot be empty for the shell runner"

        extra = {"name": _unique(profiles, base, "profile"), "runner": runner_needs}
        yield from field_findings(profile, base, extra)


def _agent_findings(p: Policy, profiles: dict[str, str]) -> Iterator[tuple[str, str]]:
    known = ", ".join(sorted(profiles)) or "none"
    for i, agent in enumerate(p.agents):
        base = f"agents[{i}]"

        def names_a_profile(value: str, base: str = base) -> Iterator[tuple[str, str]]:
            wanted = go_trim(value)
            if wanted not in profiles:
                yield f"{base}.profile", f"names no agent profile: {wanted!r} (profiles: {known})"

        yield from field_findings(agent, base, {"profile": names_a_profile})


def pattern_warnings(p: Policy) -> Iterator[tuple[str, str]]:
    """(JSON path, message) for each ``git_pr.forbidden_file_patterns`` entry holding a pattern
    Go's ``filepath.Match`` rejects (``ErrBadPattern``). metawsm's ``Validate`` accepts such a
    pattern and its matching then never matches it, so this is a warning, never an error. An
    entry is read as metawsm reads it at run time: split on commas, trimmed."""
    for i, entry in enumerate(p.git_pr.forbidden_file_patterns):
        for part in entry.split(","):
            note = bad_pattern_note(go_trim(part))
            if note is not None:
                yield f"git_pr.forbidden_file_patterns[{i}]", note


def bad_pattern_note(pattern: str) -> str | None:
    """Why ``pattern`` matches nothing and what to write instead; None for a pattern Go's
    ``filepath.Match`` accepts (or an empty one)."""
    import json
    import re

    from metawsm_hooks.golang.filepath import Glob

    if not pattern or Glob.parse(pattern) is not None:
        return None
    # Taken literally: every [ and ] escaped, and a lone trailing backslash doubled.
    literal = re.sub(r"[\[\]]", lambda found: "\\" + found.group(), pattern)
    if (len(literal) - len(literal.rstrip("\\"))) % 2:
        literal += "\\"
    advice = []
    if Glob.parse(literal) is not None:
        advice.append(f"to match it literally write {json.dumps(literal)} in the JSON")
    if "[" in pattern:
        advice.append("to match a class complete it, as in [abc] or [^abc]")
    return (
        f"{json.dumps(pattern)} is a bad pattern to Go's filepath.Match (syntax error in"
        f" pattern), so metawsm's forbidden_files matches nothing with it; {'; '.join(advice)}"
    )


def checked_hooks(raw: HooksSettings, problem: Callable[[str, str], None]) -> HooksSettings:
    """The settings as used: each as its rule normalizes it (trimmed, lower-cased); a setting
    that breaks its rule falls back to its default, and a bad list entry is dropped, with a
    finding each."""
    used: dict[str, Any] = {}
    for spec in fields(raw):
        value = getattr(raw, spec.name)
        path = f"hooks.{spec.name}"
        rule = spec.rule
        if rule is None:
            used[spec.name] = value
        elif isinstance(rule, Entries):
            kept = []
            for i, entry in enumerate(value):
                message = rule.entry.problem(entry)
                if message:
                    problem(f"{path}[{i}]", f"{message}; entry ignored")
                else:
                    kept.append(rule.entry.normalize(entry))
            used[spec.name] = tuple(kept)
        else:
            message = rule.problem(value)
            if message:
                problem(path, f"{message}; using {spec.default!r}")
                used[spec.name] = spec.default
            else:
                used[spec.name] = rule.normalize(value)
    return replace(raw, **used)
