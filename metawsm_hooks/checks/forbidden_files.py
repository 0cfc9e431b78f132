"""``forbidden_files``: no added, modified or renamed path matches ``forbidden_file_patterns``.

metawsm's rule: a path matches a pattern when Go's ``filepath.Match`` matches the whole path or
its base name, or when the pattern, less one trailing ``/``, is the path or one of its parent
folders. Paths and patterns are trimmed first, as metawsm does. Go's ``filepath.Match`` is not
Python's ``fnmatch``: ``*`` and ``?`` never match ``/`` (so ``*.pem`` matches ``a/b.pem`` only
through its base name), classes are ``[a-z]`` and ``[^a-z]`` (no ``!``), ``\\`` escapes, and a
malformed pattern (``[a``) matches nothing, though its folder form still applies.

All patterns, with their base-name and folder forms, are compiled into one regular expression
matched once per path (see ``Matcher``), so the cost per path hardly grows with the number of
patterns. The expression follows Go's matching step by step: a run of single-character terms
after ``*`` takes its leftmost possible place and keeps it, which is what Go does and differs
from backtracking when a class can match ``/``.
"""

from __future__ import annotations

import functools
import os
import re

from metawsm_hooks.checks import FAILED, PASSED, CheckContext, CheckResult, quote_path
from metawsm_hooks.policy import go_trim

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

APPLIES_TO = frozenset({"commit", "pr"})


def run(ctx: CheckContext) -> CheckResult:
    patterns = ctx.policy.git_pr.patterns()
    if not patterns:
        return CheckResult("forbidden_files", PASSED, "no forbidden file patterns configured")
    paths = {change.path for change in ctx.changes if change.status != "D"}
    if not paths:
        return CheckResult("forbidden_files", PASSED, "no changed files detected")
    matcher = compile_patterns(tuple(patterns))
    found = sorted((path for path in paths if matcher.matches(path)), key=os.fsencode)
    if found:
        listed = ", ".join(quote_path(path) for path in found)
        return CheckResult("forbidden_files", FAILED, f"forbidden files detected: {listed}")
    return CheckResult(
        "forbidden_files",
        PASSED,
        f"checked {len(paths)} changed file(s); no forbidden matches",
    )


class Matcher:
    """Every pattern at once: ``matches(path)`` is metawsm's rule for any of them.

    One regular expression decides it with a single ``fullmatch`` of the trimmed path, its
    alternatives being: a pattern matches the whole path; a pattern matches what follows the
    last ``/`` (the base name: that part of the expression never matches ``/``, so it cannot
    start earlier); a folder pattern is the path or the start of it up to a ``/``. Paths whose
    base name Go computes otherwise (empty, ending in ``/``) and non-ASCII names against the
    few patterns Go matches bytewise (see ``_Glob.bytewise``) take Go's algorithm instead.
    """

    __slots__ = ("_aligned", "_bytewise", "_every", "_folders", "_globs")

    def __init__(self, globs: Sequence[_Glob], folders: Sequence[str]) -> None:
        self._globs = tuple(globs)
        self._folders = frozenset(folders)
        self._bytewise = tuple(glob for glob in globs if glob.bytewise)
        self._every = _combined(globs, folders)
        self._aligned = _combined([g for g in globs if not g.bytewise], folders)

    def matches(self, path: str) -> bool:
        path = go_trim(path)
        if not path or path[-1] == "/":
            return self._matches_slowly(path)
        if self._bytewise and not path.isascii():
            if self._aligned is not None and self._aligned.fullmatch(path):
                return True
            name = os.fsencode(path)
            base = name[name.rfind(b"/") + 1 :]
            return any(g.match_bytes(name) or g.match_bytes(base) for g in self._bytewise)
        return self._every is not None and self._every.fullmatch(path) is not None

    def _matches_slowly(self, path: str) -> bool:
        if any(path == f or path.startswith(f + "/") for f in self._folders):
            return True
        name, base = os.fsencode(path), os.fsencode(_go_base(path))
        return any(glob.match_bytes(name) or glob.match_bytes(base) for glob in self._globs)


@functools.lru_cache(maxsize=16)
def compile_patterns(patterns: tuple[str, ...]) -> Matcher:
    folders: list[str] = []
    globs: list[_Glob] = []
    for raw in patterns:
        pattern = _without_surrogates(go_trim(raw))
        if not pattern:
            continue
        folder = pattern.removesuffix("/")
        if folder:
            folders.append(folder)
        glob = _Glob.parse(pattern, number=len(globs))
        if glob is not None:  # else Go's ErrBadPattern: metawsm counts it as no match
            globs.append(glob)
    return Matcher(globs, folders)


def _combined(globs: Sequence[_Glob], folders: Sequence[str]) -> re.Pattern[str] | None:
    parts = []
    if globs:
        parts.append("|".join(f"(?:{glob.regex(base=False)})" for glob in globs))
        parts.append("(?s:.*/)?(?:" + "|".join(glob.regex(base=True) for glob in globs) + ")")
    if folders:
        names = sorted(set(folders), key=len, reverse=True)
        parts.append("(?:" + "|".join(re.escape(f) for f in names) + ")(?s:/.*)?")
    return re.compile("|".join(parts)) if parts else None


def _without_surrogates(pattern: str) -> str:
    # A pattern comes from JSON text, where Go turns a lone surrogate into U+FFFD.
    if all(not 0xD800 <= ord(char) <= 0xDFFF for char in pattern):
        return pattern
    return "".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in pattern)


def _go_base(path: str) -> str:
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


class _Glob:
    __slots__ = ("chunks", "number", "pattern")

    def __init__(self, pattern: str, chunks: tuple[_Chunk, ...], number: int) -> None:
        self.pattern = pattern
        self.chunks = chunks
        self.number = number  # tells its groups apart from other patterns' in one expression

    @classmethod
    def parse(cls, pattern: str, *, number: int = 0) -> _Glob | None:
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
