"""The rules a single policy value must meet, as metawsm's ``Validate`` states them.

Each constraint says what is wrong with a value (``problem``: the message, or ``None``), what
metawsm makes of a good value (``normalize``: trimmed, lower-cased) and what the JSON Schema says
of it (``enum``, ``minimum``, ``exclusive_minimum``, ``min_items``). Fields declare theirs in
``schema``; ``rules`` runs them in metawsm's order, with the rules that span several fields.
"""

from __future__ import annotations

from metawsm_hooks.golang.strings import go_lower, go_trim

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from typing import Any


class Constraint:
    """What a value must be; this base accepts anything."""

    __slots__ = ()
    enum: tuple[str, ...] | None = None
    minimum: int | None = None  # of an integer field
    exclusive_minimum: int | None = None  # of a number field
    min_items: int | None = None

    def problem(self, value: Any) -> str | None:
        return None

    def normalize(self, value: Any) -> Any:
        return value


class Positive(Constraint):
    """An integer, or a number, greater than 0."""

    __slots__ = ("message",)
    minimum = 1
    exclusive_minimum = 0

    def __init__(self, message: str = "must be greater than 0, not {}") -> None:
        self.message = message

    def problem(self, value: float) -> str | None:
        return None if value > 0 else self.message.format(value)


class ZeroOrMore(Constraint):
    """An integer of 0 or more."""

    __slots__ = ()
    minimum = 0

    def problem(self, value: int) -> str | None:
        return None if value >= 0 else f"must be 0 or more, not {value}"


class NotEmpty(Constraint):
    """A string with something besides white space (Go's ``strings.TrimSpace``)."""

    __slots__ = ()

    def problem(self, value: str) -> str | None:
        return None if go_trim(value) else "cannot be empty"

    def normalize(self, value: str) -> str:
        return go_trim(value)


EXACT, TRIM, TRIM_LOWER = "exact", "trim", "trim_lower"


class OneOf(Constraint):
    """One of ``choices`` once ``fold`` is applied: ``exact`` (case and white space matter),
    ``trim`` or ``trim_lower``. With ``required``, an empty value is reported as such. Messages
    show the trimmed value under ``trim`` (as metawsm does), else the value as written;
    ``message`` replaces the usual wording (fields ``value`` and ``choices``)."""

    __slots__ = ("choices", "enum", "fold", "message", "required")

    def __init__(
        self,
        *choices: str,
        fold: str = EXACT,
        required: bool = False,
        message: str | None = None,
    ) -> None:
        self.choices = choices
        self.enum = choices
        self.fold = fold
        self.required = required
        self.message = message

    def normalize(self, value: str) -> str:
        if self.fold == EXACT:
            return value
        trimmed = go_trim(value)
        return go_lower(trimmed) if self.fold == TRIM_LOWER else trimmed

    def problem(self, value: str) -> str | None:
        folded = self.normalize(value)
        if self.required and not folded:
            return "cannot be empty"
        if folded in self.choices:
            return None
        shown = folded if self.fold == TRIM else value
        if self.message is not None:
            return self.message.format(value=shown, choices=", ".join(self.choices))
        exactly = "exactly " if self.fold == EXACT else ""
        return f"must be {exactly}{_words(self.choices)}, not {shown!r}"


def _words(choices: tuple[str, ...]) -> str:
    if len(choices) == 1:
        return f'"{choices[0]}"'
    return f"{', '.join(choices[:-1])} or {choices[-1]}"


class IsTrue(Constraint):
    """``true``: metawsm accepts no other value."""

    __slots__ = ()

    def problem(self, value: bool) -> str | None:
        return None if value else "must be true"


class HttpURL(Constraint):
    """An ``http://`` or ``https://`` URL with a host, as Go's ``url.Parse`` reads it (trimmed);
    unless ``required``, an empty value is fine."""

    __slots__ = ("required",)

    def __init__(self, *, required: bool) -> None:
        self.required = required

    def problem(self, value: str) -> str | None:
        trimmed = go_trim(value)
        if not trimmed:
            return "cannot be empty" if self.required else None
        from metawsm_hooks.golang.net_url import is_http_url  # only when a URL is set

        if is_http_url(trimmed):
            return None
        return f"must be an http:// or https:// URL with a host, not {value!r}"


class Entries(Constraint):
    """A list whose every entry meets ``entry``; problems are reported per entry."""

    __slots__ = ("entry",)

    def __init__(self, entry: Constraint) -> None:
        self.entry = entry


class AtLeastOne(Constraint):
    """A list with at least one element."""

    __slots__ = ("message",)
    min_items = 1

    def __init__(self, message: str) -> None:
        self.message = message

    def problem(self, value: tuple[object, ...]) -> str | None:
        return None if value else self.message
