from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metawsm_hooks.commit_message import is_generated, mentions_ticket, subject, with_ticket


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param("Fix it\n\nbody\n", "Fix it", id="plain"),
        pytest.param("\n# comment\n\nFix it\n", "Fix it", id="comments-skipped"),
        pytest.param("# only comments\n", "", id="empty"),
    ],
)
def test_subject(message: str, expected: str) -> None:
    assert subject(message) == expected


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
    assert mentions_ticket(message, "metawsm-009") is expected


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
    assert is_generated(message)


def test_with_ticket_keeps_the_rest() -> None:
    message = "# leading comment\nFix the thing\n\nbody line\n# trailer comment\n"
    assert (
        with_ticket(message, "abc-1")
        == "# leading comment\nABC-1: Fix the thing\n\nbody line\n# trailer comment\n"
    )


def test_with_ticket_prefills_an_empty_message() -> None:
    assert with_ticket("\n# Please enter\n", "abc-1") == "ABC-1: \n# Please enter\n"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_prefixed_messages_mention_the_ticket(message: str) -> None:
    result = with_ticket(message, "abc-1")
    assert result.endswith(message.lstrip()[-10:]) or result.startswith("ABC-1: ")
    if subject(message):
        assert mentions_ticket(result, "abc-1")
