"""golang.strings: Go's strings.TrimSpace and strings.ToLower, rune by rune as Go has them."""

from __future__ import annotations

import pytest

from metawsm_hooks.golang.strings import go_lower, go_trim


@pytest.mark.parametrize(
    ("raw", "trimmed"),
    [
        pytest.param(" \t\n\v\f\rx\r\n", "x", id="ascii"),
        pytest.param(
            "\u00a0\u0085x\u2028\u2029\u3000\u1680\u202f\u205f", "x", id="unicode-white-space"
        ),
        pytest.param("\u001cx\u001f", "\u001cx\u001f", id="information-separators-stay"),
        pytest.param("\u200bx\ufeff", "\u200bx\ufeff", id="zero-width-stays"),
    ],
)
def test_go_trim(raw: str, trimmed: str) -> None:
    assert go_trim(raw) == trimmed


@pytest.mark.parametrize(
    ("raw", "lowered"),
    [
        pytest.param("ASSIST", "assist", id="ascii"),
        pytest.param("ASS\u0130ST", "assist", id="dotted-capital-i"),
        pytest.param("\u03a3\u0391\u03a3", "\u03c3\u03b1\u03c3", id="no-final-sigma"),
        pytest.param("\u212aelvin", "kelvin", id="kelvin-sign"),
    ],
)
def test_go_lower(raw: str, lowered: str) -> None:
    assert go_lower(raw) == lowered
