from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from metawsm_hooks.branch import sanitize_token
from metawsm_hooks.commit_message import (
    CLEANUP_MODES,
    Reading,
    cleaned,
    display_ticket,
    is_generated,
    is_untouched_template,
    mentions_ticket,
    reading,
    subject,
    with_ticket,
    without_prefill,
)
from testing.util import FUZZ

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


# --- fuzzed: the helpers never raise and change only what they mean to ---------------------------


# Messages as the hook reads them: arbitrary bytes (surrogateescape), plus text shaped like real
# messages with comments, blank lines, CRLF and Unicode line breaks.
message_lines = st.one_of(
    st.sampled_from(["", " ", "# comment", ";", "\t", "Merge branch 'x'", "fixup! y"]),
    st.text(max_size=30),
)
messages = st.one_of(
    st.binary(max_size=300).map(lambda b: b.decode("utf-8", "surrogateescape")),
    st.text(max_size=200),
    st.lists(message_lines, max_size=8).flatmap(
        lambda lines: st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\x0b"]).map(
            lambda sep: sep.join(lines)
        )
    ),
)
# Tickets as branch names carry them: no control characters (git refuses them in refs).
tickets = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="~^:?*[\\\x7f"),
    min_size=1,
    max_size=20,
).map(sanitize_token)
comment_chars = st.sampled_from(["#", ";", "%", "//"])
readings = st.builds(
    Reading, cleanup=st.sampled_from(CLEANUP_MODES), comment=comment_chars, edited=st.booleans()
)
GIT_SPACE = " \t\n\r"
CUT_LINE = " ------------------------ >8 ------------------------"


def subject_index(lines: list[str], how: Reading) -> int | None:
    """git's reading, written out plainly: lines end at \n only; comments exist only in strip
    mode; an edited message ends at the scissors line in strip and scissors modes."""
    for index, line in enumerate(lines):
        if how.cleanup == "verbatim":
            if line.strip(GIT_SPACE):
                return index
            continue
        if how.edited and how.cleanup in ("strip", "scissors") and line == how.comment + CUT_LINE:
            return None
        if how.cleanup == "strip" and line.startswith(how.comment):
            continue
        if line.strip(GIT_SPACE):
            return index
    return None


@FUZZ
@given(message=messages, ticket=tickets, how=readings)
@example(message="\n\n  Fix it\r\nbody\xff\n", ticket="abc-1", how=Reading("strip", "#", True))
@example(message="# only\n#comments\n", ticket="abc-1", how=Reading("strip", "#", True))
@example(message="\u2028Fix", ticket="abc-1", how=Reading("strip", "#", True))
@example(message="#\x850", ticket="abc-1", how=Reading("strip", "#", True))
@example(message="#\x850", ticket="abc-1", how=Reading("whitespace", "#", False))
def test_with_ticket_changes_only_the_subject_line(message: str, ticket: str, how: Reading) -> None:
    result = with_ticket(message, ticket, how)
    prefix = f"{display_ticket(ticket)}: "
    lines = message.split("\n")
    head = subject_index(lines, how)
    if head is None:  # no subject: prefilled on a line of its own, the rest kept
        assert result.endswith(message)
        assert result in (prefix + message, prefix + "\n" + message)
        return
    # Everything but the subject line kept; the subject without its indentation, prefixed.
    expected = [*lines[:head], prefix + lines[head].lstrip(GIT_SPACE), *lines[head + 1 :]]
    assert result.split("\n") == expected


@FUZZ
@given(message=messages, ticket=st.text(max_size=20), how=readings)
def test_message_helpers_never_raise(message: str, ticket: str, how: Reading) -> None:
    found = subject(message, how)
    assert "\n" not in found
    assert isinstance(is_generated(message, how), bool)
    assert isinstance(mentions_ticket(message, ticket, how), bool)
    assert isinstance(with_ticket(message, ticket or "x", how), str)
    assert isinstance(without_prefill(message, ticket or "x", how), (str, type(None)))


@FUZZ
@given(message=messages, ticket=tickets, how=readings)
@example(message="Fix it", ticket="straße-1", how=Reading("strip", "#", True))  # STRASSE-1
@example(message="Fix it", ticket="ﬁx-1", how=Reading("strip", "#", True))  # a ligature: FIX-1
@example(message="#\x850", ticket="abc-1", how=Reading("whitespace", "#", False))
@example(message="0", ticket="\xa00", how=Reading("strip", "#", True))  # NBSP is not git's space
def test_a_prefixed_message_mentions_its_ticket(message: str, ticket: str, how: Reading) -> None:
    """So the commit-msg stage never prefixes twice."""
    assume(subject(message, how))
    result = with_ticket(message, ticket, how)
    assert subject(result, how).startswith(display_ticket(ticket) + ": ")
    assert mentions_ticket(result, ticket, how)


@FUZZ
@given(message=messages, ticket=tickets, how=readings)
def test_a_taken_out_prefill_leaves_an_empty_message(
    message: str, ticket: str, how: Reading
) -> None:
    """A prefill the user wrote nothing after is taken out, so git still aborts the commit."""
    assume(not subject(message, how))
    prefilled = with_ticket(message, ticket, how)
    restored = without_prefill(prefilled, ticket, how)
    if how.cleanup != "verbatim":
        assert restored is not None
        assert not subject(restored, how)
