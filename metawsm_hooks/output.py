"""The only place that prints: human lines (coloured on a TTY, never with NO_COLOR) or one JSON
document."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time on every hook; only the type checker needs it
    from typing import IO, Any

PREFIX = "metawsm-hooks"
_COLOURS = {
    "passed": "32",
    "failed": "31",
    "skipped": "33",
    "blocked": "31",
    "error": "31",
    "warning": "33",
}


def printable(text: str) -> str:
    """``text`` with control characters and undecodable bytes escaped: one finding, one line."""
    out = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or code == 0x7F:
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, f"\\x{code:02x}"))
        else:
            out.append(char)
    return "".join(out)


class Output:
    """Where every command and stage sends what the user sees.

    With ``json`` true, stdout receives exactly one document (``document``) and everything else
    goes to stderr.
    """

    def __init__(
        self,
        *,
        json_mode: bool = False,
        out: IO[str] | None = None,
        err: IO[str] | None = None,
    ) -> None:
        self.json_mode = json_mode
        self._out = out if out is not None else sys.stdout
        self._err = err if err is not None else sys.stderr
        self._colour = _wants_colour(self._out)

    def _paint(self, word: str) -> str:
        code = _COLOURS.get(word)
        if not self._colour or code is None:
            return word
        return f"\033[{code}m{word}\033[0m"

    def _write(self, stream: IO[str], text: str) -> None:
        try:
            stream.write(text + "\n")
            stream.flush()
        except BrokenPipeError:
            # The reader went away (e.g. `| head`); nothing more can be shown.
            pass
        except UnicodeEncodeError:
            stream.write(text.encode("ascii", "backslashreplace").decode("ascii") + "\n")

    def line(self, text: str) -> None:
        """A human line; in JSON mode it goes to stderr so stdout stays one document."""
        self._human(printable(text))

    def raw(self, text: str) -> None:
        """Text printed as it is (a schema, a rendered branch name)."""
        self._write(self._out, text)

    def check(self, name: str, status: str, detail: str) -> None:
        """``name  verdict  detail``; a detail's further lines (a test command's output tail)
        follow indented, each escaped on its own."""
        word = self._paint(status) + " " * max(0, 7 - len(status))
        first, *rest = detail.split("\n")
        self._human(f"{printable(name):<16} {word} {printable(first)}".rstrip())
        for extra in rest:
            self._human(f"{'':<24} | {printable(extra)}".rstrip())

    def _human(self, text: str) -> None:
        """An already escaped (and perhaps coloured) human line."""
        self._write(self._err if self.json_mode else self._out, text)

    def note(self, text: str) -> None:
        self._write(self._err, f"{PREFIX}: {printable(text)}")

    def warning(self, text: str) -> None:
        self._write(self._err, f"{PREFIX}: {self._paint('warning')}: {printable(text)}")

    def error(self, text: str) -> None:
        self._write(self._err, f"{PREFIX}: {self._paint('error')}: {printable(text)}")

    def verdict(self, text: str, *, passed: bool) -> None:
        word = self._paint("passed" if passed else "blocked")
        self._human(f"{PREFIX}: {word}: {printable(text)}")

    def document(self, doc: Any) -> None:
        import json

        self._write(self._out, json.dumps(doc, indent=2, ensure_ascii=False, default=str))


def _wants_colour(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR", "") != "":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
