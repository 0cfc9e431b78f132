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


def _go_lower_rune(c: str) -> str:
    if c == "\u0130":  # simple lower case of İ is plain i; Python's full mapping adds U+0307
        return "i"
    lowered = c.lower()
    return lowered if len(lowered) == 1 else c


def go_lower(s: str) -> str:
    """Go's ``strings.ToLower``: per-rune simple lower case, no final-sigma rule."""
    if s.isascii():
        return s.lower()
    return "".join(_go_lower_rune(c) for c in s)
