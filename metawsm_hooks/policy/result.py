"""What loading a policy gives: the findings, each with its JSON path and place in the file, and
the result that carries them with the decoded policy."""

from __future__ import annotations

from metawsm_hooks.policy.struct import Struct

TYPE_CHECKING = False
if TYPE_CHECKING:
    from metawsm_hooks.policy.schema import Policy


class Finding(Struct):
    """One problem: ``path`` is a JSON path such as ``git_pr.required_checks[2]``; ``""`` means
    the file as a whole. ``line``/``column`` are 1-based and ``None`` when the file has no value
    there (for instance a default that breaks a rule together with a value the file sets)."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def place(self) -> tuple[int, int]:
        """``(line, column)`` as reported: a problem the file has no place for (a missing file,
        a default breaking a rule) points at the file's start, 1:1, in the human lines
        (``PATH:LINE:COLUMN``) and in JSON alike."""
        return self.line or 1, self.column or 1

    def to_json(self) -> dict[str, object]:
        line, column = self.place()
        return {"path": self.path, "message": self.message, "line": line, "column": column}


class PolicyResult(Struct):
    """The outcome of loading one policy. ``policy`` is ``None`` only when the file could not be
    read or is not JSON; with other errors it holds the values as metawsm would have decoded them.
    """

    source: str
    policy: Policy | None
    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    defaults_used: bool

    @property
    def valid(self) -> bool:
        return not self.errors
