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


# One printed line holds at most this many characters of untrusted text; the rest is cut, saying
# how much. Output tails and details are bounded earlier too; this is the last bound.
MAX_LINE_CHARS = 4096
# Characters a terminal acts on or that reorder what is shown: C1 controls (U+0080..U+009F, with
# U+009B, the 8-bit CSI) and the Unicode bidirectional controls and line separators.
_BIDI = frozenset(
    "\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in [*range(0x80, 0xA0), *map(ord, _BIDI)]}


def printable(text: str, *, limit: int = MAX_LINE_CHARS) -> str:
    """``text`` safe for a terminal, on one line: C0 and C1 controls, DEL, bidirectional
    controls and undecodable bytes escaped (``\\x1b``, ``\\u202e``, ``\\xff``), and cut after
    ``limit`` characters of input with a note of how many more there were."""
    out = []
    for index, char in enumerate(text):
        if index >= limit:
            out.append(f"... ({len(text) - limit} more characters)")
            break
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or code == 0x7F:
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char, f"\\x{code:02x}"))
        elif 0x80 <= code <= 0x9F or char in _BIDI:
            out.append(f"\\u{code:04x}")
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
        output_is_product: bool = False,
    ) -> None:
        self.json_mode = json_mode
        self._out = out if out is not None else sys.stdout
        self._err = err if err is not None else sys.stderr
        self._colour = _wants_colour(self._out)
        # A command whose output is what it is run for (``schema > schema.json``) fails when
        # stdout cannot be written (``main`` says so in one line); a hook stage's product is its
        # verdict, so there a lost line is a warning and the exit code stays the decision's.
        self._output_is_product = output_is_product
        self.lost_output: str | None = None
        self.wrote_output = False

    def _paint(self, word: str) -> str:
        code = _COLOURS.get(word)
        if not self._colour or code is None:
            return word
        return f"\033[{code}m{word}\033[0m"

    def _write(self, stream: IO[str], text: str) -> None:
        if stream is self._out:
            self.wrote_output = True
        try:
            try:
                stream.write(text + "\n")
            except UnicodeEncodeError:
                stream.write(text.encode("ascii", "backslashreplace").decode("ascii") + "\n")
            stream.flush()
        except (OSError, ValueError) as exc:
            # The reader went away (`| head`), the stream is closed or full (/dev/full): what
            # cannot be shown is dropped. A reader that stopped reading chose to (as `seq | head`
            # is no error); otherwise a command whose output is its product fails, and a hook
            # warns and keeps the exit code of its decision.
            _silence(stream)
            if stream is not self._err and not isinstance(exc, BrokenPipeError):
                reason = str(getattr(exc, "strerror", None) or exc)
                if self._output_is_product:
                    self.lost_output = self.lost_output or reason
                else:
                    self._write(self._err, f"{PREFIX}: warning: cannot write the output ({reason})")

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

        text = json.dumps(doc, indent=2, ensure_ascii=False, default=str)
        # JSON escapes C0 controls itself; C1 and bidirectional controls get \\u escapes too,
        # so the document is as safe in a terminal as the human lines (and parses the same).
        self._write(self._out, text.translate(_JSON_ESCAPES))


def _silence(stream: IO[str]) -> None:
    """Point ``stream``'s file descriptor at /dev/null, so what is still buffered (and Python's
    flush at exit) goes nowhere instead of failing again."""
    try:
        fd = stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError, AttributeError):
        return
    try:
        os.dup2(null, fd)
    except OSError:
        pass
    finally:
        os.close(null)


def guard_standard_streams() -> frozenset[int]:
    """Give a closed stdin, stdout or stderr (``git commit 2>&-``) /dev/null in its place, before
    anything opens a file: otherwise the store or a pipe would take descriptor 1 or 2 and the
    output of git (or of this process) would land in it. Returns the descriptors that were
    closed."""
    closed = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.add(fd)
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stdout is None:
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 (lives as long as the process)
    if sys.stderr is None:
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    return frozenset(closed)


def _wants_colour(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR", "") != "":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
