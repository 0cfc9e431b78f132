from __future__ import annotations

import io

import pytest

from metawsm_hooks.output import Output, printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("plain", "plain", id="plain"),
        pytest.param("new\nline", "new\\nline", id="newline"),
        pytest.param("tab\there", "tab\\there", id="tab"),
        pytest.param("bell\x07", "bell\\x07", id="control"),
        pytest.param(b"caf\xe9".decode("utf-8", "surrogateescape"), "caf\\xe9", id="not-utf8"),
    ],
)
def test_printable_keeps_one_finding_on_one_line(text: str, shown: str) -> None:
    assert printable(text) == shown


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_check_lines_continue_indented() -> None:
    out, err = io.StringIO(), io.StringIO()
    Output(out=out, err=err).check("tests", "failed", "command failed\nlast\tline")
    assert out.getvalue().splitlines() == [
        "tests            failed  command failed",
        f"{'':<24} | last\\tline",
    ]


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = _Terminal()
    Output(out=terminal, err=io.StringIO()).check("tests", "passed", "")
    assert "\033[32mpassed" in terminal.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = _Terminal()
    Output(out=terminal, err=io.StringIO()).check("tests", "passed", "")
    assert "\033[" not in terminal.getvalue()


def test_json_mode_keeps_stdout_for_the_document() -> None:
    out, err = io.StringIO(), io.StringIO()
    output = Output(json_mode=True, out=out, err=err)
    output.line("a human line")
    output.document({"ok": True})
    assert out.getvalue() == '{\n  "ok": true\n}\n'
    assert "a human line" in err.getvalue()
