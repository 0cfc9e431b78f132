"""golang.filepath: Go's filepath.Match and filepath.Base, case by case as Go answers them.

Each pattern is checked both ways the package matches: Go's algorithm over bytes
(``Glob.match_bytes``) and the regular expression that matches many patterns at once
(``Glob.regex``). A pattern Go rejects with ErrBadPattern parses to None.
"""

from __future__ import annotations

import re

import pytest

from metawsm_hooks.golang import filepath

# (pattern, name, Go's Match result); None: Go reports ErrBadPattern.
GO_MATCH = [
    pytest.param("abc", "abc", True, id="literal"),
    pytest.param("*", "abc", True, id="star"),
    pytest.param("*", "", True, id="star-empty"),
    pytest.param("*c", "abc", True, id="star-suffix"),
    pytest.param("a*", "a", True, id="star-matches-nothing"),
    pytest.param("a*", "ab/c", False, id="star-stops-at-slash"),
    pytest.param("a*/b", "abc/b", True, id="star-then-slash"),
    pytest.param("a*/b", "a/c/b", False, id="star-one-level"),
    pytest.param("a*b?c*x", "abxbbxdbxebxczzx", True, id="backtracking-stars"),
    pytest.param("a*b?c*x", "abxbbxdbxebxczzy", False, id="backtracking-stars-miss"),
    pytest.param("ab[b-d]", "abc", True, id="range"),
    pytest.param("ab[e-g]", "abc", False, id="range-miss"),
    pytest.param("ab[^b-d]", "abc", False, id="negated-range"),
    pytest.param("ab[^e-g]", "abc", True, id="negated-range-miss"),
    pytest.param("[!a]", "!", True, id="bang-is-a-literal"),
    pytest.param("a\\*b", "a*b", True, id="escaped-star"),
    pytest.param("a\\*b", "ab", False, id="escaped-star-is-literal"),
    pytest.param("a?b", "a\u263ab", True, id="question-mark-takes-a-character"),
    pytest.param("a???b", "a\u263ab", False, id="question-marks-count-characters"),
    pytest.param("[a-\u03b6]*", "\u03b1", True, id="range-of-characters"),
    pytest.param("a?b", "a/b", False, id="question-mark-never-slash"),
    pytest.param("[\\]a]", "]", True, id="escaped-bracket-in-class"),
    pytest.param("[x\\-]", "-", True, id="escaped-dash-in-class"),
    pytest.param("[x\\-]", "z", False, id="escaped-dash-not-a-range"),
    pytest.param("*x", "xxx", True, id="star-then-last-chunk"),
    pytest.param("[]a]", "]", None, id="bad-empty-class"),
    pytest.param("[-]", "-", None, id="bad-lone-dash"),
    pytest.param("[x-]", "x", None, id="bad-open-range"),
    pytest.param("[-x]", "x", None, id="bad-range-without-start"),
    pytest.param("\\", "a", None, id="bad-trailing-escape"),
    pytest.param("[a-b-c]", "a", None, id="bad-double-range"),
    pytest.param("[", "a", None, id="bad-open-class"),
    pytest.param("[^bc", "a", None, id="bad-unclosed-negated-class"),
    pytest.param("a[", "a", None, id="bad-even-when-the-name-ends-first"),
    pytest.param("a/b[", "x", None, id="bad-even-when-an-earlier-chunk-fails"),
]


@pytest.mark.parametrize(("pattern", "name", "expected"), GO_MATCH)
def test_match_as_go(pattern: str, name: str, expected: bool | None) -> None:
    glob = filepath.Glob.parse(pattern)
    if expected is None:
        assert glob is None
        return
    assert glob is not None
    assert glob.match_bytes(name.encode()) is expected
    assert (re.fullmatch(glob.regex(base=False), name) is not None) is expected


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        pytest.param("*\u00e9", "x\u00e9", True, id="literal-after-star"),
        # Go tries ? from inside a multi-byte character after *: the last byte of € alone is
        # one unknown rune, so "*?" matches "€" whole and "*??" does too.
        pytest.param("*??", "\u20ac", True, id="bytes-inside-a-character"),
        pytest.param("*[^a]", "\u20ac", True, id="class-inside-a-character"),
    ],
)
def test_bytewise_patterns_match_bytes_as_go(pattern: str, name: str, expected: bool) -> None:
    glob = filepath.Glob.parse(pattern)
    assert glob is not None
    assert glob.match_bytes(name.encode()) is expected


def test_bytewise_is_only_for_patterns_that_need_it() -> None:
    assert [
        glob.bytewise
        for glob in (filepath.Glob.parse(p) for p in ("*.pem", "*?", "*[a]", "a?", "*\\?"))
        if glob is not None
    ] == [False, True, True, False, False]


@pytest.mark.parametrize(
    ("path", "base"),
    [
        pytest.param("", ".", id="empty"),
        pytest.param("/", "/", id="root"),
        pytest.param("///", "/", id="slashes"),
        pytest.param("a/b", "b", id="nested"),
        pytest.param("a/b/", "b", id="trailing-slash"),
        pytest.param("b", "b", id="plain"),
    ],
)
def test_base_as_go(path: str, base: str) -> None:
    assert filepath.base(path) == base
