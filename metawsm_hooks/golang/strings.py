"""Go's ``strings.TrimSpace`` and ``strings.ToLower``, as metawsm applies them to policy values."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from typing import Final


# unicode.IsSpace: ASCII white space, U+0085, U+00A0 and the White_Space property. Python's
# str.strip() also removes U+001C..U+001F, which Go keeps.
_GO_SPACE: Final = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def go_trim(s: str) -> str:
    """Go's ``strings.TrimSpace``."""
    return s.strip(_GO_SPACE)


_lower: dict[int, int] | None = None


def _lower_table() -> dict[int, int]:
    """Go 1.25's simple lower-case mapping (Unicode 15.0.0), built once from the shipped runs."""
    global _lower
    if _lower is None:
        from metawsm_hooks.golang.unicode_lower import RUNS

        table: dict[int, int] = {}
        for line in RUNS.splitlines():
            start, end, delta, step = line.split()
            for code in range(int(start, 16), int(end, 16) + 1, int(step)):
                table[code] = code + int(delta)
        _lower = table
    return _lower


def go_lower(s: str) -> str:
    """Go 1.25's ``strings.ToLower``: per-rune simple lower case from Unicode 15.0.0's tables
    (not the running Python's, which are Unicode 13 on 3.10 and 16 on 3.14), no final-sigma
    rule."""
    if s.isascii():
        return s.lower()
    return s.translate(_lower_table())
