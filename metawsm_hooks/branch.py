"""Branch names: metawsm's ``RenderGitBranch`` and its inverse. Pure functions."""

from __future__ import annotations

import re

from metawsm_hooks.constants import DEFAULT_BRANCH_TEMPLATE
from metawsm_hooks.golang.strings import go_lower, go_trim
from metawsm_hooks.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

PLACEHOLDERS = ("ticket", "repo", "run")
# A suggested name's values when nothing better is known: an obvious placeholder for the
# ticket (never one that could be a real ticket), the repository and a run id in metawsm's form.
EXAMPLE_VALUES = {"ticket": "YOUR-TICKET", "repo": "repo", "run": "run-20260101-000000"}
# Patterns only a suggestion uses (a branch that does not fit): re compiles and caches them on
# first use, not at every hook's start-up (~0.2 ms).
_TICKET_LIKE = r"[a-z][a-z0-9]*-[0-9]+"
_RUN_LIKE = r"run-[0-9][0-9-]*"

_SEPARATORS = str.maketrans({c: "-" for c in " /\\:,.@#[]{}()"})
_DASH_RUNS = re.compile(r"-{2,}")
# Private-use characters stand in for the placeholders while the template is rendered
# symbolically: sanitizing leaves them alone, and no real branch contains them.
_SENTINELS = {"ticket": "\ue000", "repo": "\ue001", "run": "\ue002"}
_NAMES = {sentinel: name for name, sentinel in _SENTINELS.items()}
# A token metawsm's sanitizeToken leaves as white space only (ticket "[\t]" is "\t") is dropped
# by its per-segment pass, with the dashes it leaves at a segment's edge. Go white space (not the
# plain space, a separator) stands in for such a placeholder while the template is rendered, so
# the pass trims it as metawsm does; where it survives (inside a segment) it is matched as a token.
_BLANKS = {"ticket": "\u2000", "repo": "\u2001", "run": "\u2002"}
# A sanitized token is words of token characters joined by single dashes; these never occur in a
# word (no separator, no space, no dash).
_NOT_IN_WORD = frozenset("/\\:,.@#[]{}() -")
# Names longer than this are refused before matching. git keeps each ref component to 255 bytes
# on most file systems; metawsm's names are a few dozen.
MAX_BRANCH_BYTES = 1024
# The most steps the exact search may take for a template that repeats a placeholder. Templates
# that name each placeholder once (metawsm's default and every usual one) never search: one
# linear pass decides them.
_SEARCH_STEPS = 20_000


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
    text = go_trim(template) or DEFAULT_BRANCH_TEMPLATE
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
    # Placeholders whose token is white space only, which metawsm's render drops from the name
    # (ticket "[\t]" renders as nothing): the name fits only through them.
    blank: tuple[str, ...] = ()

    def blank_note(self) -> str:
        """'' or ``; only with a white-space-only ticket and repo (metawsm drops them)``."""
        if not self.blank:
            return ""
        names = " and ".join(self.blank)
        return f"; only with a white-space-only {names} (metawsm's render drops such tokens)"


class BranchMismatch(Record):
    branch: str
    template: str
    reason: str
    example: str


def parse_branch(
    template: str,
    branch: str,
    *,
    example: dict[str, str] | None = None,
    allow_blank: bool = False,
) -> BranchMatch | BranchMismatch:
    """Which ticket, repo and run render to ``branch`` under ``template``, or why none do.

    ``example`` overrides the values used for the suggested fitting name. ``allow_blank``
    accepts a name that metawsm renders only from a white-space-only token, which its
    per-segment pass drops (ticket ``[\t]``, repo ``r``, run ``1`` renders ``r/1``): true for
    ``branch check``, which answers "can metawsm render this name"; enforcement keeps it false,
    since such a name carries no ticket (or repo, or run) to key a record by, and would let any
    shorter name (``feature/x``) pass a three-part template.
    """
    shape = _render(template, _SENTINELS)
    values = {**EXAMPLE_VALUES, **(example or {})}
    suggestion = render_branch(
        template, ticket=values["ticket"], repo=values["repo"], run=values["run"]
    )
    shown = go_trim(template) or DEFAULT_BRANCH_TEMPLATE

    def mismatch(reason: str) -> BranchMismatch:
        return BranchMismatch(branch=branch, template=shown, reason=reason, example=suggestion)

    if len(branch.encode("utf-8", "surrogatepass")) > MAX_BRANCH_BYTES:
        return mismatch(f"it is longer than {MAX_BRANCH_BYTES} bytes")
    first: BranchMismatch | None = None
    for vanished in _vanishing_sets(shape):
        shape_v = shape
        if vanished:
            # Those placeholders hold white-space-only tokens: render the template with white
            # space for them, then let what survives the per-segment pass be matched as a token.
            rendered = _render(template, {**_SENTINELS, **{n: _BLANKS[n] for n in vanished}})
            shape_v = rendered.translate({ord(_BLANKS[n]): _SENTINELS[n] for n in vanished})
        try:
            parts = _match(shape_v, branch)
        except _TooAmbiguous:
            return mismatch(
                "the template repeats a placeholder and the name is too ambiguous to decide"
                f" within {_SEARCH_STEPS} steps"
            )
        if parts is None:
            continue
        if any(go_lower(value) != value for value in parts.values()):
            first = first or mismatch(
                "it holds upper-case letters; metawsm renders names lower-case"
            )
            continue
        tokens = {
            name: parts.get(name) or ("\t" if name in vanished else "x") for name in PLACEHOLDERS
        }
        if _render(template, tokens) == branch:
            if vanished and not allow_blank:
                # Only through a dropped token: say what the whole template expects instead.
                first = first or mismatch(_explain(shape, branch))
                continue
            return BranchMatch(
                branch=branch,
                ticket=parts.get("ticket", ""),
                repo=parts.get("repo", ""),
                run=parts.get("run", ""),
                blank=tuple(name for name in PLACEHOLDERS if name in vanished),
            )
        first = first or mismatch(f"it does not render back from '{_describe(shape)}'")
    return first or mismatch(_explain(shape, branch))


def _vanishing_sets(shape: str) -> list[frozenset[str]]:
    """Which placeholders may hold a white-space-only token: none first, then every subset of
    those in the template (at most 8), fewest first."""
    names = [name for name in PLACEHOLDERS if _SENTINELS[name] in shape]
    subsets: list[frozenset[str]] = [frozenset()]
    for name in names:
        subsets += [subset | {name} for subset in subsets]
    return sorted(subsets, key=len)


class _TooAmbiguous(Exception):
    """A repeating template needs more than _SEARCH_STEPS steps of search for this name."""


class _Shape:
    """A rendered template with sentinels for placeholders, as an automaton over characters.

    Element ``k`` (a literal character or a placeholder) owns states ``3k`` (its start) and, for a
    placeholder, ``3k+1`` (after a word character: the token may end here) and ``3k+2`` (after a
    dash: a word character must follow). State ``3m`` accepts. Sets of states are int bit masks,
    so a step over all elements at once is a few integer operations.
    """

    def __init__(self, shape: str) -> None:
        self.elements = shape
        self.size = len(shape)
        self.word_states = 0  # bit 3k+1 of every placeholder
        self.literals: dict[str, int] = {}  # character -> bits 3k of the literals that are it
        for k, element in enumerate(shape):
            if element in _NAMES:
                self.word_states |= 1 << (3 * k + 1)
            else:
                self.literals[element] = self.literals.get(element, 0) | 1 << (3 * k)
        self.repeats = len([e for e in shape if e in _NAMES]) != len(set(shape) & set(_NAMES))

    def _close(self, mask: int) -> int:
        # A token may end after a word character: state 3k+1 reaches the next start, 3k+3.
        return mask | ((mask >> 2) & self.word_states)

    def feasible(self, text: str) -> list[int]:
        """``ok[i]``: the states from which ``text[i:]`` is accepted. One backward pass, a few
        integer operations per character: linear in ``len(text)``."""
        words = self.word_states
        ok = [0] * (len(text) + 1)
        ok[len(text)] = self._close(1 << (3 * self.size))
        for i in range(len(text) - 1, -1, -1):
            char = text[i]
            after = ok[i + 1]
            mask = (after >> 3) & self.literals.get(char, 0)
            if char not in _NOT_IN_WORD:
                # start, after-word and after-dash all step to after-word on a word character
                reached = after & words
                mask |= reached | (reached >> 1) | (reached << 1)
            elif char == "-":
                mask |= (after >> 1) & words
            ok[i] = self._close(mask)
        return ok


def _match(shape: str, text: str) -> dict[str, str] | None:
    """The placeholder values that make ``shape`` spell ``text``, or None.

    Where several splits fit, each placeholder in turn takes the longest token that still lets
    the rest fit: the split a backtracking regular expression of greedy tokens finds first.
    Linear in ``len(text)`` for templates that name each placeholder once; a template that
    repeats one is searched within _SEARCH_STEPS (raises _TooAmbiguous beyond).
    """
    automaton = _Shape(shape)
    ok = automaton.feasible(text)
    if not ok[0] & 1:
        return None
    if automaton.repeats:
        return _search(shape, text, ok)
    values: dict[str, str] = {}
    i = 0
    for k, element in enumerate(shape):
        name = _NAMES.get(element)
        if name is None:
            i += 1
            continue
        start = i
        i += 1  # the first word character; state 3k+1 is feasible at i
        word, dash = 1 << (3 * k + 1), 1 << (3 * k + 2)
        while i < len(text):
            char = text[i]
            if char not in _NOT_IN_WORD and ok[i + 1] & word:
                i += 1
            elif char == "-" and ok[i + 1] & dash:
                i += 2  # the dash and the word character that must follow it
            else:
                break
        values[name] = text[start:i]
    return values


def _token_ends(text: str, start: int) -> list[int]:
    """Every ``end`` for which ``text[start:end]`` is one sanitized token, shortest first."""
    ends: list[int] = []
    i = start
    while True:
        j = i
        while j < len(text) and text[j] not in _NOT_IN_WORD:
            j += 1
        if j == i:
            return ends
        ends.append(j)
        if j == len(text) or text[j] != "-":
            return ends
        i = j + 1


def _search(shape: str, text: str, ok: list[int]) -> dict[str, str] | None:
    """Depth-first over token ends, longest first, with the linear pass's states as a bound."""
    steps = 0

    def visit(k: int, i: int, values: dict[str, str]) -> dict[str, str] | None:
        nonlocal steps
        steps += 1
        if steps > _SEARCH_STEPS:
            raise _TooAmbiguous
        if k == len(shape):
            return values if i == len(text) else None
        if not (ok[i] >> (3 * k)) & 1:
            return None
        name = _NAMES.get(shape[k])
        if name is None:
            return visit(k + 1, i + 1, values)
        if name in values:
            value = values[name]
            return visit(k + 1, i + len(value), values) if text.startswith(value, i) else None
        for end in reversed(_token_ends(text, i)):
            if (ok[end] >> (3 * k + 3)) & 1:
                found = visit(k + 1, end, {**values, name: text[i:end]})
                if found is not None:
                    return found
        return None

    return visit(0, 0, {})


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
        try:
            fits = _match(want, got) is not None
        except _TooAmbiguous:
            fits = True  # undecided here: the closing reason below still holds
        if not fits:
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


def fitting_values(template: str, branch: str, *, repo: str, run: str) -> dict[str, str]:
    """The ticket, repo and run of a fitting name for ``branch`` that keeps the user's own
    parts where they fit: the branch lower-cased and sanitized part by part when that fits;
    otherwise a ticket-like part (``abc-12`` of ``feature/ABC-12-login``) as the ticket and a
    run-like part (``run-7``) as the run, else the placeholder ticket and ``run``; always the
    real repository name ``repo``."""
    parts = [sanitize_token(part) for part in branch.split("/") if go_trim(part)]
    defaults = {"ticket": EXAMPLE_VALUES["ticket"], "repo": repo, "run": run}
    if parts:
        found = parse_branch(template, "/".join(parts))
        if isinstance(found, BranchMatch):
            return {
                "ticket": found.ticket or defaults["ticket"],
                "repo": found.repo or repo,
                "run": found.run or run,
            }
    values = dict(defaults)
    for part in parts:
        ticket = re.match(_TICKET_LIKE, part)
        if ticket is not None and values["ticket"] == defaults["ticket"]:
            values["ticket"] = ticket.group(0)
        if re.fullmatch(_RUN_LIKE, part):
            values["run"] = part
    return values


def check_branch(
    template: str,
    branch: str,
    *,
    repo: str,
    run: Callable[[], str],
    allow_blank: bool = False,
) -> BranchMatch | BranchMismatch:
    """``parse_branch`` (``allow_blank`` as there) whose suggested name keeps what it can of
    ``branch`` (``fitting_values``) with the real repository name and the run id ``run()``
    (asked only on a mismatch). The hooks, the agent guard and ``branch check`` use this, so
    they suggest the same name."""
    found = parse_branch(template, branch, allow_blank=allow_blank)
    if isinstance(found, BranchMatch):
        return found
    values = fitting_values(template, branch, repo=repo, run=run())
    return parse_branch(template, branch, example=values, allow_blank=allow_blank)
