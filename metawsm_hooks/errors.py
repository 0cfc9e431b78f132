"""The one error type the tool raises on purpose, mapped to an exit code once in ``main.main``."""

from __future__ import annotations

EXIT_PASS = 0
EXIT_BLOCKED = 1
EXIT_USAGE = 2


class FatalError(Exception):
    """A problem the user can act on; ``message`` is one line that says what to do next.

    ``exit_code`` is 2 (usage or environment) unless the problem blocks the operation (1),
    e.g. a store that cannot record a push.
    """

    def __init__(self, message: str, *, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
