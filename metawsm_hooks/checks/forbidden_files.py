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
from metawsm_hooks.golang import filepath
from metawsm_hooks.golang.strings import go_trim

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

APPLIES_TO = frozenset({"commit", "pr"})
READS_CHANGES = True


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
        return CheckResult(
            "forbidden_files", FAILED, f"forbidden files detected: {listed}", paths=tuple(found)
        )
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
    few patterns Go matches bytewise (see ``filepath.Glob.bytewise``) take Go's algorithm instead.
    """

    __slots__ = ("_aligned", "_bytewise", "_every", "_folders", "_globs")

    def __init__(self, globs: Sequence[filepath.Glob], folders: Sequence[str]) -> None:
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
        name, base = os.fsencode(path), os.fsencode(filepath.base(path))
        return any(glob.match_bytes(name) or glob.match_bytes(base) for glob in self._globs)


@functools.lru_cache(maxsize=16)
def compile_patterns(patterns: tuple[str, ...]) -> Matcher:
    folders: list[str] = []
    globs: list[filepath.Glob] = []
    for raw in patterns:
        pattern = _without_surrogates(go_trim(raw))
        if not pattern:
            continue
        folder = pattern.removesuffix("/")
        if folder:
            folders.append(folder)
        glob = filepath.Glob.parse(pattern, number=len(globs))
        if glob is not None:  # else Go's ErrBadPattern: metawsm counts it as no match
            globs.append(glob)
    return Matcher(globs, folders)


def _combined(globs: Sequence[filepath.Glob], folders: Sequence[str]) -> re.Pattern[str] | None:
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
