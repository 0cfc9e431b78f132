"""Shared helpers of the tests that install hooks beside somebody else's."""

from __future__ import annotations

from pathlib import Path


def foreign_hook(path: Path, log: Path, *, reads_stdin: bool = False) -> None:
    """Somebody else's hook: logs its arguments (and stdin) and exits with ``$CHAINED_EXIT``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "#!/bin/sh\n"
        f"printf '%s\\n' \"chained $*\" >>'{log}'\n"
        + (f"sed 's/^/chained stdin: /' >>'{log}'\n" if reads_stdin else "")
        + 'exit "${CHAINED_EXIT:-0}"\n',
        encoding="utf-8",
    )
    path.chmod(0o755)
