"""golang.strings: Go's strings.TrimSpace and strings.ToLower, rune by rune as Go has them, the
same on every supported Python: the lower-case table is Unicode 15.0.0's (Go 1.25's
``unicode.Version``), shipped as data, not the running Python's (Unicode 13 on 3.10, 14 on 3.11,
15.0 on 3.12, 15.1 on 3.13, 16 on 3.14)."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from metawsm_hooks.branch import render_branch
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


ROOT = Path(__file__).resolve().parents[2]

# Prints Python's own simple lower-case mapping (Go's source for it is the same UnicodeData.txt
# field) and its Unicode version; run under a Python whose database is Unicode 15.0.0.
_PYTHON_LOWER = """
import json, sys, unicodedata
table = {}
for code in range(sys.maxunicode + 1):
    if 0xD800 <= code <= 0xDFFF:
        continue
    lowered = "i" if code == 0x130 else chr(code).lower()
    if len(lowered) == 1 and ord(lowered) != code:
        table[code] = ord(lowered)
print(json.dumps({"version": unicodedata.unidata_version, "table": table}))
"""

# Digest of go_lower over every code point, and a few renders, under another interpreter.
_DIGEST = """
import hashlib, sys
from metawsm_hooks.golang.strings import go_lower
from metawsm_hooks.branch import render_branch
text = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
digest = hashlib.sha256(go_lower(text).encode("utf-8")).hexdigest()
print(digest, render_branch("{ticket}/{repo}/{run}", ticket="\\u2c2f-9", repo="R", run="1"))
"""


def _all_text() -> str:
    return "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def _interpreters() -> list[str]:
    """Other Pythons on this machine (pyenv's or on PATH), 3.10 and newer."""
    found = set()
    for pattern in (
        os.path.expanduser("~/.pyenv/versions/3.1[0-9]*/bin/python3"),
        "/root/.pyenv/versions/3.1[0-9]*/bin/python3",
    ):
        found.update(glob.glob(pattern))
    for minor in range(10, 16):
        which = shutil.which(f"python3.{minor}")
        if which and "/shims/" not in which:  # pyenv's shims only run the selected version
            found.add(which)
    return sorted({os.path.realpath(path) for path in found})


@pytest.mark.parametrize(
    ("text", "lowered"),
    [
        pytest.param("METAWSM-009", "metawsm-009", id="ascii"),
        pytest.param("\u2c2f", "\u2c5f", id="glagolitic-caudate-chrivi-unicode-14"),
        pytest.param("\ua7c0\ua7d0\ua7d6\ua7d8", "\ua7c1\ua7d1\ua7d7\ua7d9", id="latin-unicode-14"),
        pytest.param("\U00010570", "\U00010597", id="vithkuqi-unicode-14"),
        pytest.param("\ua7cb\ua7cc\ua7da\u1c89", "\ua7cb\ua7cc\ua7da\u1c89", id="unicode-16-kept"),
        pytest.param("\U00010d50", "\U00010d50", id="garay-unicode-16-kept"),
        pytest.param("\u0130", "i", id="dotted-capital-i-simple-mapping"),
        pytest.param("\u03a3\u0391\u03a3", "\u03c3\u03b1\u03c3", id="no-final-sigma"),
        pytest.param("\u1e9e", "\xdf", id="capital-sharp-s"),
        pytest.param("\u2126\u212a\u212b", "\u03c9k\xe5", id="ohm-kelvin-angstrom"),
        pytest.param("\u01c5\u01c4", "\u01c6\u01c6", id="titlecase-digraph"),
    ],
)
def test_go_lower_by_unicode_15(text: str, lowered: str) -> None:
    assert go_lower(text) == lowered


@pytest.mark.parametrize(
    ("text", "trimmed"),
    [
        pytest.param("\x85\xa0 x\u3000", "x", id="go-spaces"),
        pytest.param("\x1cx\x1f", "\x1cx\x1f", id="python-strips-these-go-does-not"),
        pytest.param("\u200bx", "\u200bx", id="zero-width-space-is-not-space"),
    ],
)
def test_go_trim_is_gos_white_space(text: str, trimmed: str) -> None:
    assert go_trim(text) == trimmed


def test_branch_renders_with_gos_table() -> None:
    assert render_branch("{ticket}/{repo}/{run}", ticket="\u2c2f-9", repo="R", run="1") == (
        "\u2c5f-9/r/1"
    )


def test_shipped_table_is_unicode_15() -> None:
    """The shipped runs equal Unicode 15.0.0's simple lower case, regenerated by a Python whose
    database is 15.0.0 (3.12) when one is installed, else by this one when it is."""
    # A 3.12 first: its database is 15.0.0.
    candidates = sorted(_interpreters(), key=lambda path: "3.12" not in path)
    for python in [sys.executable, *candidates]:
        proc = subprocess.run(
            [python, "-c", _PYTHON_LOWER], capture_output=True, text=True, check=True
        )
        doc = json.loads(proc.stdout)
        if doc["version"] == "15.0.0":
            break
    else:
        pytest.skip("no Python with Unicode 15.0.0 (3.12) installed to regenerate the table")
    expected = {int(code): value for code, value in doc["table"].items()}
    text = _all_text()
    got = {ord(a): ord(b) for a, b in zip(text, go_lower(text), strict=True) if a != b}
    assert got == expected


def test_every_python_lowers_alike() -> None:
    """The same digest of go_lower over all of Unicode under the oldest and the newest other
    installed Python."""
    expected = hashlib.sha256(go_lower(_all_text()).encode("utf-8")).hexdigest()
    others = sorted(set(_interpreters()[:1] + _interpreters()[-1:]))
    if not others:
        pytest.skip("no other Python installed")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for python in others:
        proc = subprocess.run(
            [python, "-c", _DIGEST], capture_output=True, text=True, env=env, check=False
        )
        assert proc.returncode == 0, (python, proc.stderr)
        assert proc.stdout.split() == [expected, "\u2c5f-9/r/1"], python
