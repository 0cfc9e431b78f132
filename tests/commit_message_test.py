from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from metawsm_hooks.commit_message import (
    Reading,
    cleaned,
    is_generated,
    is_untouched_template,
    mentions_ticket,
    reading,
    subject,
    with_ticket,
    without_prefill,
)

# An edited message under git's default clean-up, and a `-m`/`-F` one.
EDITED = Reading("strip", "#", True)
GIVEN = Reading("whitespace", "#", False)


@pytest.mark.parametrize(
    ("message", "how", "expected"),
    [
        pytest.param("Fix it\n\nbody\n", EDITED, "Fix it", id="plain"),
        pytest.param("\n# comment\n\nFix it\n", EDITED, "Fix it", id="comments-skipped"),
        pytest.param("# only comments\n", EDITED, "", id="empty"),
        pytest.param("#42 fix login\n", GIVEN, "#42 fix login", id="hash-subject-with-m"),
        pytest.param("#42 fix login\n", EDITED, "", id="hash-subject-edited-is-a-comment"),
        pytest.param("#\x850\n", EDITED, "", id="nel-is-text-not-a-line-break"),
        pytest.param("a\x85b\n", EDITED, "a\x85b", id="nel-inside-subject"),
        pytest.param("a\u2028b\n", GIVEN, "a\u2028b", id="line-separator-is-text"),
        pytest.param("\x0csubject\n", GIVEN, "\x0csubject", id="form-feed-is-text"),
        pytest.param("sub\rject\r\n", GIVEN, "sub\rject", id="cr-inside-a-line"),
        pytest.param(";x\n#y\n", Reading("strip", ";", True), "#y", id="comment-char"),
        pytest.param(
            "\n# ------------------------ >8 ------------------------\nx\n",
            EDITED,
            "",
            id="scissors-line-is-a-comment",
        ),
        pytest.param(
            "# ------------------------ >8 ------------------------\nx\n",
            Reading("scissors", "#", True),
            "",
            id="scissors-cut",
        ),
        pytest.param("\n# c\n  s  \n", Reading("verbatim", "#", True), "# c", id="verbatim"),
    ],
)
def test_subject(message: str, how: Reading, expected: str) -> None:
    assert subject(message, how) == expected


@pytest.mark.parametrize(
    ("cleanup", "comment", "no_editor", "message", "expected"),
    [
        pytest.param(None, None, True, "m\n", Reading("whitespace", "#", False), id="dash-m"),
        pytest.param(None, None, False, "m\n", Reading("strip", "#", True), id="editor"),
        pytest.param("verbatim", None, True, "m\n", Reading("verbatim", "#", False), id="verb"),
        pytest.param(" Strip ", None, True, "m\n", Reading("strip", "#", False), id="strip-cfg"),
        pytest.param("scissors", ";", True, "m\n", Reading("scissors", ";", False), id="sc"),
        pytest.param("bogus", None, True, "m\n", Reading("whitespace", "#", False), id="bogus"),
        # GIT_EDITOR=: inherited from the user's environment: git still ran the editor path
        # and wrote its status block, whose separator is the comment character alone.
        pytest.param(
            None,
            None,
            True,
            "\n# Please\n#\n# On branch x\n",
            Reading("strip", "#", True),
            id="inherited-editor-colon",
        ),
        pytest.param(
            None, "auto", False, "\n; Please\n;\n", Reading("strip", ";", True), id="auto"
        ),
    ],
)
def test_reading(
    cleanup: str | None, comment: str | None, no_editor: bool, message: str, expected: Reading
) -> None:
    got = reading(
        cleanup_config=cleanup, comment_config=comment, no_editor=no_editor, message=message
    )
    assert got == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param("METAWSM-009: fix", True, id="metawsm-form"),
        pytest.param("metawsm-009: fix", True, id="lower-case"),
        pytest.param("fix [MetaWSM-009] thing", True, id="anywhere-any-case"),
        pytest.param("METAWSM-0091: fix", False, id="longer-ticket"),
        pytest.param("fix it", False, id="missing"),
        pytest.param("fix\n\nMETAWSM-009 in body", False, id="body-does-not-count"),
    ],
)
def test_mentions_ticket(message: str, expected: bool) -> None:
    assert mentions_ticket(message, "metawsm-009", EDITED) is expected


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("Merge branch 'x' into y", id="merge"),
        pytest.param('Revert "thing"', id="revert"),
        pytest.param("fixup! thing", id="fixup"),
        pytest.param("squash! thing", id="squash"),
        pytest.param("amend! thing", id="amend"),
    ],
)
def test_generated_messages_left_alone(message: str) -> None:
    assert is_generated(message, EDITED)


def test_with_ticket_keeps_the_rest() -> None:
    message = "# leading comment\nFix the thing\n\nbody line\n# trailer comment\n"
    assert (
        with_ticket(message, "abc-1", EDITED)
        == "# leading comment\nABC-1: Fix the thing\n\nbody line\n# trailer comment\n"
    )


def test_with_ticket_prefixes_a_hash_subject_given_with_m() -> None:
    assert with_ticket("#42 fix login\n", "abc-1", GIVEN) == "ABC-1: #42 fix login\n"


def test_with_ticket_prefills_an_empty_message() -> None:
    assert with_ticket("\n# Please enter\n", "abc-1", EDITED) == "ABC-1: \n# Please enter\n"
    assert with_ticket("# Please enter\n", "abc-1", EDITED) == "ABC-1: \n# Please enter\n"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param("ABC-1: \n# Please enter\n", "\n# Please enter\n", id="prefill-only"),
        pytest.param("ABC-1:\n\n# Please\n", "\n\n# Please\n", id="prefill-trimmed"),
        pytest.param("ABC-1: \n\nbody\n", None, id="body-written"),
        pytest.param("ABC-1: summary\n", None, id="summary-written"),
        pytest.param("plain\n", None, id="no-prefill"),
    ],
)
def test_without_prefill(message: str, expected: str | None) -> None:
    assert without_prefill(message, "abc-1", EDITED) == expected


@pytest.mark.parametrize(
    ("message", "template", "how", "expected"),
    [
        pytest.param("Title\n\nWhy:\n# c\n", "Title\n\nWhy:\n", EDITED, True, id="untouched"),
        pytest.param(
            "Title\n\nWhy:\n\nSigned-off-by: A <a@b>\n",
            "Title\n\nWhy:\n",
            EDITED,
            True,
            id="sign-off-only",
        ),
        pytest.param("Title\n\nWhy: x\n", "Title\n\nWhy:\n", EDITED, False, id="edited"),
        pytest.param("Title\n", "Title\n", Reading("verbatim", "#", True), False, id="verbatim"),
    ],
)
def test_untouched_template(message: str, template: str, how: Reading, expected: bool) -> None:
    assert is_untouched_template(message, template, how) is expected


def test_cleaned_is_gits_stripspace() -> None:
    message = "\n\n  a  \n\n\n# c\nb\t \n\n"
    assert cleaned(message, EDITED) == "  a\n\nb\n"
    assert cleaned(message, GIVEN) == "  a\n\n# c\nb\n"


@settings(max_examples=300)
@given(st.text(max_size=200), st.sampled_from([EDITED, GIVEN]))
@example("#\x850", EDITED)
@example("#\x850", GIVEN)
def test_prefixed_messages_mention_the_ticket(message: str, how: Reading) -> None:
    result = with_ticket(message, "abc-1", how)
    assert result.endswith(message.lstrip()[-10:]) or result.startswith("ABC-1: ")
    if subject(message, how):
        assert mentions_ticket(result, "abc-1", how)
