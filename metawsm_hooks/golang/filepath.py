"""Go's ``path/filepath.Match`` and ``filepath.Base`` for slash-separated names.

``Glob.parse`` cuts a pattern into chunks exactly as Go's ``scanChunk``/``matchChunk`` read it
(``None`` where Go reports ``ErrBadPattern``); ``Glob.match_bytes`` is Go's algorithm over a
name's bytes, and ``Glob.regex`` the same matching as a regular expression, so that many
patterns can be matched at once (see ``checks.forbidden_files``). Unlike Python's ``fnmatch``:
``*`` and ``?`` never match ``/``, classes are ``[a-z]`` and ``[^a-z]`` (no ``!``), ``\\``
escapes, and a malformed pattern matches nothing.
"""

from __future__ import annotations

import re


def base(path: str) -> str:
    """Go's ``filepath.Base``."""
    if not path:
        return "."
    path = path.rstrip("/")
    if not path:
        return "/"
    return path[path.rfind("/") + 1 :]


class _Term:
    """One character of a pattern: ``lit`` (the character ``char``), ``any`` (``?``: any
    character but /) or ``class`` (``[...]``: a code point within ``ranges``, or not within)."""

    __slots__ = ("char", "kind", "negated", "ranges")

    def __init__(
        self,
        kind: str,
        char: str = "",
        *,
        negated: bool = False,
        ranges: tuple[tuple[int, int], ...] = (),
    ) -> None:
        self.kind = kind
        self.char = char
        self.negated = negated
        self.ranges = ranges


# A pattern is a sequence of chunks as Go's scanChunk cuts it: (star, terms), star saying that
# a ``*`` came before the terms.
_Chunk = tuple[bool, tuple[_Term, ...]]


class Glob:
    __slots__ = ("chunks", "number", "pattern")

    def __init__(self, pattern: str, chunks: tuple[_Chunk, ...], number: int) -> None:
        self.pattern = pattern
        self.chunks = chunks
        self.number = number  # tells its groups apart from other patterns' in one expression

    @classmethod
    def parse(cls, pattern: str, *, number: int = 0) -> Glob | None:
        """The pattern's chunks, or None when Go's Match would report ErrBadPattern (for any
        name: Go parses each chunk in full whatever the name)."""
        chunks: list[_Chunk] = []
        rest = pattern
        while rest:
            star, chunk, rest = _scan_chunk(rest)
            terms = _parse_chunk(chunk)
            if terms is None:
                return None
            chunks.append((star, terms))
        return cls(pattern, tuple(chunks), number)

    @property
    def bytewise(self) -> bool:
        """Go matches bytes: after ``*`` it may try a ``?`` or a class from the middle of a
        multi-byte character, where it reads a lone byte as U+FFFD. Such a pattern is matched
        against the name's bytes with Go's own algorithm when the name is not ASCII."""
        return any(star and terms and terms[0].kind != "lit" for star, terms in self.chunks)

    def regex(self, *, base: bool) -> str:
        """The pattern as a regular expression over a whole name; with ``base``, over a name
        without ``/`` (a base name), where no term may match ``/``."""
        parts = []
        last = len(self.chunks) - 1
        for index, (star, terms) in enumerate(self.chunks):
            body = "".join(_term_regex(term, base=base) for term in terms)
            if not star:
                parts.append(body)
            elif index == last:
                parts.append("[^/]*" + body)
            else:
                # Go keeps the leftmost place where the chunk matches and never revisits it. A
                # lookahead is atomic, so this is that (re has no atomic groups before 3.11);
                # it matters when a class can match /, and it keeps "*a*a*a*b" from
                # backtracking exponentially over a long name.
                name = f"{'b' if base else 'g'}{self.number}_{index}"
                parts.append(f"(?=(?P<{name}>[^/]*?{body}))(?P={name})")
        return "".join(parts)

    def match_bytes(self, name: bytes) -> bool:
        """Go's filepath.Match over bytes."""
        chunks = self.chunks
        last = len(chunks) - 1
        index = 0
        while index <= last:
            star, terms = chunks[index]
            if star and not terms:
                return b"/" not in name
            rest = _match_terms(terms, name)
            if rest is not None and (not rest or index < last):
                name = rest
                index += 1
                continue
            if not star:
                return False
            for i in range(len(name)):  # let the star take one more byte, never a /
                if name[i] == _SLASH:
                    return False
                rest = _match_terms(terms, name[i + 1 :])
                if rest is not None and (not rest or index < last):
                    name = rest
                    index += 1
                    break
            else:
                return False
        return not name


def _scan_chunk(pattern: str) -> tuple[bool, str, str]:
    """Go's scanChunk: the next run of single-character terms, and whether ``*`` came before."""
    star = False
    while pattern.startswith("*"):
        pattern = pattern[1:]
        star = True
    in_range = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 < len(pattern):
                i += 1
        elif char == "[":
            in_range = True
        elif char == "]":
            in_range = False
        elif char == "*" and not in_range:
            break
        i += 1
    return star, pattern[:i], pattern[i:]


def _parse_chunk(chunk: str) -> tuple[_Term, ...] | None:
    """The terms of a chunk as Go's matchChunk reads them; None for ErrBadPattern."""
    terms: list[_Term] = []
    i = 0
    while i < len(chunk):
        char = chunk[i]
        if char == "[":
            i += 1
            negated = i < len(chunk) and chunk[i] == "^"
            if negated:
                i += 1
            ranges: list[tuple[int, int]] = []
            while True:
                if i < len(chunk) and chunk[i] == "]" and ranges:
                    i += 1
                    break
                lo, i = _class_char(chunk, i)
                if lo is None:
                    return None
                hi = lo
                if chunk[i] == "-":
                    upper, i = _class_char(chunk, i + 1)
                    if upper is None:
                        return None
                    hi = upper
                ranges.append((lo, hi))
            terms.append(_Term("class", negated=negated, ranges=tuple(ranges)))
        elif char == "?":
            terms.append(_Term("any"))
            i += 1
        else:
            if char == "\\":
                i += 1
                if i >= len(chunk):
                    return None
            terms.append(_Term("lit", chunk[i]))
            i += 1
    return tuple(terms)


def _class_char(chunk: str, i: int) -> tuple[int | None, int]:
    """Go's getEsc: a possibly escaped character of a class; None when malformed (which
    includes a class left open: something must follow the character)."""
    if i >= len(chunk) or chunk[i] in "-]":
        return None, i
    if chunk[i] == "\\":
        i += 1
        if i >= len(chunk):
            return None, i
    code = ord(chunk[i])
    i += 1
    if i >= len(chunk):
        return None, i
    return code, i


_SLASH = ord("/")
_REPLACEMENT = 0xFFFD
_RAW_BYTES = (0xDC80, 0xDCFF)  # how os.fsdecode spells the bytes of a name that are not UTF-8


def _class_ranges(ranges: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """A class's ranges over a decoded name: Go reads each byte that is not UTF-8 as U+FFFD,
    so the escaped bytes belong to the class exactly when U+FFFD does."""
    out: list[tuple[int, int]] = []
    for lo, hi in ranges:
        if lo > hi:
            continue
        if lo <= _RAW_BYTES[1] and hi >= _RAW_BYTES[0]:
            if lo < _RAW_BYTES[0]:
                out.append((lo, _RAW_BYTES[0] - 1))
            if hi > _RAW_BYTES[1]:
                out.append((_RAW_BYTES[1] + 1, hi))
        else:
            out.append((lo, hi))
    if any(lo <= _REPLACEMENT <= hi for lo, hi in ranges):
        out.append(_RAW_BYTES)
    return out


def _term_regex(term: _Term, *, base: bool) -> str:
    if term.kind == "lit":
        return "(?!)" if base and term.char == "/" else re.escape(term.char)
    if term.kind == "any":
        return "[^/]"
    spans = _class_ranges(term.ranges)
    if not spans:
        regex = "(?s:.)" if term.negated else "(?!)"
    else:
        body = "".join(
            f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in spans
        )
        regex = f"[{'^' if term.negated else ''}{body}]"
    return f"(?!/){regex}" if base and _may_match_slash(term) else regex


def _may_match_slash(term: _Term) -> bool:
    if term.kind != "class":
        return False
    return any(lo <= _SLASH <= hi for lo, hi in term.ranges) != term.negated


def _match_terms(terms: tuple[_Term, ...], name: bytes) -> bytes | None:
    """Go's matchChunk over bytes for parsed terms: the rest of ``name``, or None."""
    for term in terms:
        if not name:
            return None
        if term.kind == "lit":
            encoded = term.char.encode()
            if not name.startswith(encoded):
                return None
            name = name[len(encoded) :]
            continue
        rune, width = _decode_rune(name)
        if term.kind == "any":
            if name[0] == _SLASH:
                return None
        elif any(lo <= rune <= hi for lo, hi in term.ranges) == term.negated:
            return None
        name = name[width:]
    return name


def _decode_rune(data: bytes) -> tuple[int, int]:
    """Go's utf8.DecodeRune: (rune, width), (U+FFFD, 1) for a byte that starts no character."""
    for width in (1, 2, 3, 4):
        try:
            char = data[:width].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return ord(char), width
    return _REPLACEMENT, 1
