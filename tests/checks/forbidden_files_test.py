"""checks.forbidden_files: metawsm's pattern rule (Go's filepath.Match on the path and on its
base name), fuzzed against a plain reference, and fast on many paths and many stars."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metawsm_hooks.checks import CheckResult
from metawsm_hooks.checks.forbidden_files import compile_patterns
from metawsm_hooks.golang.strings import go_trim
from metawsm_hooks.policy import default_policy
from testing.checks import commit_ctx, make_policy, only
from testing.util import commit_all, git, write


def go_match(pattern: bytes, name: bytes) -> bool | None:
    """Go's path/filepath.Match on Unix, line by line over bytes; None for ErrBadPattern."""

    def scan_chunk(p: bytes) -> tuple[bool, bytes, bytes]:
        star = False
        while p[:1] == b"*":
            p, star = p[1:], True
        in_range, i = False, 0
        while i < len(p):
            c = p[i : i + 1]
            if c == b"\\":
                if i + 1 < len(p):
                    i += 1
            elif c == b"[":
                in_range = True
            elif c == b"]":
                in_range = False
            elif c == b"*" and not in_range:
                return star, p[:i], p[i:]
            i += 1
        return star, p, b""

    def decode_rune(s: bytes) -> tuple[int, int]:
        for n in (1, 2, 3, 4):
            try:
                return ord(s[:n].decode("utf-8")), n
            except UnicodeDecodeError:
                pass
        return 0xFFFD, 1

    def get_esc(chunk: bytes) -> tuple[int, bytes, bool]:
        if not chunk or chunk[:1] in (b"-", b"]"):
            return 0, chunk, False
        if chunk[:1] == b"\\":
            chunk = chunk[1:]
            if not chunk:
                return 0, chunk, False
        r, n = decode_rune(chunk)
        ok = not (r == 0xFFFD and n == 1)
        rest = chunk[n:]
        return r, rest, ok and bool(rest)

    def match_chunk(chunk: bytes, s: bytes) -> tuple[bytes, bool, bool]:
        failed = False
        while chunk:
            failed = failed or not s
            c = chunk[:1]
            if c == b"[":
                r = 0
                if not failed:
                    r, n = decode_rune(s)
                    s = s[n:]
                chunk = chunk[1:]
                negated = chunk[:1] == b"^"
                if negated:
                    chunk = chunk[1:]
                match, nrange = False, 0
                while True:
                    if chunk[:1] == b"]" and nrange > 0:
                        chunk = chunk[1:]
                        break
                    lo, chunk, ok = get_esc(chunk)
                    if not ok:
                        return b"", False, True
                    hi = lo
                    if chunk[:1] == b"-":
                        hi, chunk, ok = get_esc(chunk[1:])
                        if not ok:
                            return b"", False, True
                    match = match or lo <= r <= hi
                    nrange += 1
                failed = failed or match == negated
            elif c == b"?":
                if not failed:
                    failed = s[:1] == b"/"
                    _, n = decode_rune(s)
                    s = s[n:]
                chunk = chunk[1:]
            else:
                if c == b"\\":
                    chunk = chunk[1:]
                    if not chunk:
                        return b"", False, True
                if not failed:
                    failed = chunk[:1] != s[:1]
                    s = s[1:]
                chunk = chunk[1:]
        if failed:
            return b"", False, False
        return s, True, False

    while pattern:
        star, chunk, pattern = scan_chunk(pattern)
        if star and not chunk:
            return b"/" not in name
        t, ok, err = match_chunk(chunk, name)
        if ok and (not t or pattern):
            name = t
            continue
        if err:
            return None
        if star:
            advanced = False
            for i in range(len(name)):
                if name[i : i + 1] == b"/":
                    break
                t, ok, err = match_chunk(chunk, name[i + 1 :])
                if ok:
                    if not pattern and t:
                        continue
                    name, advanced = t, True
                    break
                if err:
                    return None
            if advanced:
                continue
        while pattern:
            _, chunk, pattern = scan_chunk(pattern)
            if match_chunk(chunk, b"")[2]:
                return None
        return False
    return not name


def go_base(path: bytes) -> bytes:
    if not path:
        return b"."
    path = path.rstrip(b"/")
    return path.rsplit(b"/", 1)[-1] if path else b"/"


def reference_matches(path: str, patterns: Sequence[str]) -> bool:
    """metawsm's matchesForbiddenPattern, a pattern at a time, over bytes as Go sees them."""
    name = os.fsencode(go_trim(path))
    base = go_base(name)
    for raw in patterns:
        pattern = go_trim(raw).encode()
        if not pattern:
            continue
        if go_match(pattern, name) or go_match(pattern, base):
            return True
        prefix = pattern[:-1] if pattern.endswith(b"/") else pattern
        if prefix and (name == prefix or name.startswith(prefix + b"/")):
            return True
    return False


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        pytest.param("*.pem", "key.pem", True, id="glob"),
        pytest.param("*.pem", "deep/dir/key.pem", True, id="glob-by-basename"),
        pytest.param("certs/*.pem", "certs/a/key.pem", False, id="star-does-not-cross-slash"),
        pytest.param("certs/*.pem", "certs/key.pem", True, id="glob-whole-path"),
        pytest.param("*/key.pem", "a/b/key.pem", False, id="star-one-level-only"),
        pytest.param(".env", "app/.env", True, id="literal-basename"),
        pytest.param(".env.*", ".env.local", True, id="dotted-glob"),
        pytest.param(".env.*", ".envrc", False, id="not-a-prefix"),
        pytest.param("secrets/", "secrets/prod/db.txt", True, id="folder-with-slash"),
        pytest.param("secrets", "secrets/prod/db.txt", True, id="folder-without-slash"),
        pytest.param("secrets/", "app/secrets/db.txt", False, id="folder-anchored-at-root"),
        pytest.param("secrets/", "secretsx/db.txt", False, id="folder-whole-name"),
        pytest.param("id_?sa", "id_rsa", True, id="question-mark"),
        pytest.param("[!a]x", "!x", True, id="bang-is-literal-in-class"),
        pytest.param("[^a]x", "bx", True, id="caret-negates"),
        pytest.param("[a-c].key", "b.key", True, id="range"),
        pytest.param("\\*.key", "*.key", True, id="escaped-star"),
        pytest.param("\\*.key", "a.key", False, id="escaped-star-is-literal"),
        pytest.param("[a", "[a", True, id="malformed-still-a-folder-name"),
        pytest.param("[a", "b/[a", False, id="malformed-never-a-glob"),
        pytest.param("*[/a]*x", "a/x", False, id="leftmost-commit-as-go"),
        pytest.param("*??", "€", True, id="go-reads-bytes-inside-a-character"),
        pytest.param("*.pem", " key.pem ", True, id="path-trimmed-as-metawsm"),
    ],
)
def test_forbidden_pattern_semantics(pattern: str, path: str, expected: bool) -> None:
    assert reference_matches(path, [pattern]) is expected
    assert compile_patterns((pattern,)).matches(path) is expected


# Patterns are drawn as sequences of meaningful pieces, and half of the paths are made from the
# pattern itself (each piece replaced by something it may or may not match), so that matches,
# near misses and Go's corner cases (classes that match /, U+FFFD against bytes that are not
# UTF-8, ``*`` followed by ``?`` inside a multi-byte character) all come up often.
INSTANCES: dict[str, list[str]] = {
    "*": ["", "a", "ab", "é", "€", "a/b", "\udce9", "/"],
    "?": ["a", "é", "€", "/", "\udce9", ""],
    "[a/]": ["a", "/", "b"],
    "[/a]": ["/", "a"],
    "[^a]": ["b", "/", "€", "\udce9", "a"],
    "[^/]": ["a", "/"],
    "[a-c]": ["b", "d"],
    "[é-€]": ["é", "€", "ü", "\udce9", "a"],
    "[^é]": ["é", "a", "\udc80"],
    "[\ufffd]": ["\ufffd", "\udce9", "a"],
    "[^\ufffd]": ["\udce9", "a", "\ufffd"],
    "[\ud000-\ue000]": ["\udce9", "\ud7ff", "a"],
    "[b-a]": ["a", "b"],
    "[^b-a]": ["/", "a"],
    "[!a]": ["!", "a", "b"],
    "[\\]]": ["]", "\\"],
    "\\*": ["*", "a"],
    "\\": ["\\", ""],
}
SINGLE_PIECES = [p for p in INSTANCES if p != "*"] + [
    *["a", "x", "/", "?"] * 2,
    *["b", ".", "é", "€", "[", "]", "-", "^", " ", "[a-]", "[]"],
]
PATH_PIECES = ["a", "b", "x", "/", ".", "é", "€", "\udce9", "\udc80", " ", "\n", "*", "[", "]", "!"]


@st.composite
def patterns_and_paths(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Patterns as Go cuts them (single-character pieces separated by stars), and paths."""
    chunk = st.lists(st.sampled_from(SINGLE_PIECES), max_size=2)
    patterns = []
    for _ in range(draw(st.integers(1, 3))):
        pieces = draw(chunk)
        for _ in range(draw(st.integers(0, 3))):
            pieces += ["*", *draw(chunk)]
        patterns.append(pieces or ["*"])
    star = st.lists(st.sampled_from(PATH_PIECES), max_size=3).map("".join)
    paths = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            made = "".join(
                draw(star) if p == "*" else draw(st.sampled_from(INSTANCES.get(p, [p])))
                for p in draw(st.sampled_from(patterns))
            )
            paths.append(draw(st.sampled_from(["", "d/", "a/b/"])) + made)
        else:
            paths.append(draw(star) + draw(star))
    # As git.py hands them over: os.fsdecode of the bytes (raw bytes that happen to form UTF-8
    # are that character, not escapes).
    return ["".join(p) for p in patterns], [os.fsdecode(os.fsencode(path)) for path in paths]


@settings(max_examples=1000, deadline=None)
@given(case=patterns_and_paths())
def test_compiled_matcher_agrees_with_metawsm(case: tuple[list[str], list[str]]) -> None:
    patterns, paths = case
    matcher = compile_patterns(tuple(patterns))
    for path in paths:
        assert matcher.matches(path) is reference_matches(path, patterns), (patterns, path)


def test_forbidden_files_check(committed: Path) -> None:
    write(committed, "config/.env", "SECRET=1\n")
    write(committed, "old.key")
    commit_all(committed, "history")
    git(committed, "rm", "-q", "old.key")  # deleting a forbidden file is never blocked
    write(committed, "certs/server.pem")
    write(committed, "certs/server.pem.txt")
    write(committed, "new\nline.pem")
    write(committed, os.fsdecode(b"caf\xe9.key"))
    git(committed, "add", "-A")
    (committed / "ren").mkdir()
    git(committed, "mv", "config/.env", "ren/renamed.txt")
    git(committed, "mv", "README.md", "id_rsa")
    result = only(
        "forbidden_files", commit_ctx(committed, make_policy(required_checks=("forbidden_files",)))
    )
    assert result == CheckResult(
        "forbidden_files",
        "failed",
        'forbidden files detected: "caf\\351.key", certs/server.pem, id_rsa, "new\\nline.pem"',
        paths=(os.fsdecode(b"caf\xe9.key"), "certs/server.pem", "id_rsa", "new\nline.pem"),
    )


@pytest.mark.parametrize(
    ("patterns", "stage", "detail"),
    [
        pytest.param((), ["a.pem"], "no forbidden file patterns configured", id="no-patterns"),
        pytest.param(("*.pem",), [], "no changed files detected", id="no-changes"),
        pytest.param(
            ("*.pem",),
            ["a.txt", "b.txt"],
            "checked 2 changed file(s); no forbidden matches",
            id="clean",
        ),
    ],
)
def test_forbidden_files_passes(
    committed: Path, patterns: tuple[str, ...], stage: list[str], detail: str
) -> None:
    for name in stage:
        write(committed, name)
    if stage:
        git(committed, "add", *stage)
    policy = make_policy(required_checks=("forbidden_files",), forbidden_file_patterns=patterns)
    assert only("forbidden_files", commit_ctx(committed, policy)) == CheckResult(
        "forbidden_files", "passed", detail
    )


def test_many_stars_do_not_backtrack_exponentially() -> None:
    matcher = compile_patterns(("*a*a*a*a*a*a*b", "x/*a*a*a*a*c"))
    started = time.perf_counter()
    assert not matcher.matches("a" * 3000)
    assert not matcher.matches("x/" + "a" * 3000)
    assert matcher.matches("d/" + "a" * 3000 + "b")
    assert time.perf_counter() - started < 1.0


def test_forbidden_files_on_many_paths_is_fast() -> None:
    matcher = compile_patterns((*default_policy().git_pr.patterns(), "build/", "*[/]x*"))
    paths = [f"d{i % 100}/sub{i % 7}/file{i}.txt" for i in range(20_000)] + ["d1/id_rsa"]
    started = time.perf_counter()
    found = [p for p in paths if matcher.matches(p)]
    assert found == ["d1/id_rsa"]
    assert time.perf_counter() - started < 1.0
