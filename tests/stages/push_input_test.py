"""Fuzzing what git hands a hook: pre-push and pre-receive stdin, and commit messages.

The parsers either return the refs or raise one clean ``FatalError``; the commit-message helpers
never raise and keep every byte of the message they do not deliberately change. (The policy
loader, branch templates and the forbidden-file matcher are fuzzed in their own test files.)
Set ``METAWSM_FUZZ=deep`` for a long run.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from metawsm_hooks.branch import sanitize_token
from metawsm_hooks.commit_message import (
    CLEANUP_MODES,
    Reading,
    display_ticket,
    is_generated,
    mentions_ticket,
    subject,
    with_ticket,
    without_prefill,
)
from metawsm_hooks.errors import EXIT_USAGE, FatalError
from metawsm_hooks.stages.push_input import PushedRef, parse_pre_push, parse_pre_receive
from testing.util import FUZZ, cli, git, output, write, write_policy

HEX = "0123456789abcdef"
ZERO40 = "0" * 40

# --- strategies ----------------------------------------------------------------------------------

oids = st.one_of(
    st.text(HEX, min_size=40, max_size=40),
    st.text(HEX, min_size=64, max_size=64),
    st.just(ZERO40),
    st.just("0" * 64),
)
# Pieces that come close to the real format, so the fuzzer explores near-misses, not only noise.
near_miss = st.one_of(
    oids,
    st.text(HEX + "ABCDEFg", min_size=39, max_size=41),
    st.sampled_from(
        ["refs/heads/main", "HEAD", "(delete)", "refs/tags/v1", " ", "  ", "\t", "\r", "\x00"]
    ),
    st.text(max_size=12),
)
junk_lines = st.lists(st.lists(near_miss, min_size=0, max_size=6).map(" ".join), max_size=6).map(
    "\n".join
)
# What _read_stdin makes of arbitrary bytes: undecodable ones survive as surrogates.
stdin_bytes = st.binary(max_size=400).map(lambda b: b.decode("utf-8", "surrogateescape"))
ref_names = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="~^:?*[\\"),
    min_size=1,
    max_size=40,
).map(lambda name: "refs/heads/" + name)


def is_clean_failure(exc: FatalError, stage: str) -> bool:
    return (
        exc.exit_code == EXIT_USAGE
        and exc.message.startswith(f"{stage}: line ")
        and "\n" not in exc.message
        and f"git's {stage} hook" in exc.message
    )


# --- pre-push / pre-receive stdin ----------------------------------------------------------------


@FUZZ
@given(text=st.one_of(junk_lines, stdin_bytes, st.text()))
@example(text="refs/heads/a " + "a" * 40 + " refs/heads/b")
@example(text="\n\n  \n")
@example(text="refs/heads/a " + "A" * 40 + " refs/heads/a " + ZERO40)
def test_pre_push_input_is_parsed_or_refused_cleanly(text: str) -> None:
    try:
        refs = parse_pre_push(text)
    except FatalError as exc:
        assert is_clean_failure(exc, "pre-push"), exc.message
        return
    assert isinstance(refs, list)
    assert len(refs) == sum(1 for line in text.splitlines() if line.strip())
    for ref in refs:
        assert ref.new is None or re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", ref.new)
        assert ref.old is None or re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", ref.old)


@FUZZ
@given(text=st.one_of(junk_lines, stdin_bytes, st.text()))
@example(text=ZERO40 + " " + "a" * 40)
@example(text=ZERO40 + " " + "a" * 40 + " ")
def test_pre_receive_input_is_parsed_or_refused_cleanly(text: str) -> None:
    try:
        refs = parse_pre_receive(text)
    except FatalError as exc:
        assert is_clean_failure(exc, "pre-receive"), exc.message
        return
    assert len(refs) == sum(1 for line in text.splitlines() if line.strip())
    assert all(ref.remote_ref for ref in refs)


pushed = st.tuples(st.one_of(ref_names, st.just("(delete)")), oids, ref_names, oids)


@FUZZ
@given(
    lines=st.lists(pushed, max_size=8),
    blanks=st.lists(st.sampled_from(["", " ", "\t"]), max_size=3),
    crlf=st.booleans(),
)
def test_every_well_formed_pre_push_line_is_read(
    lines: list[tuple[str, str, str, str]], blanks: list[str], crlf: bool
) -> None:
    text = ("\r\n" if crlf else "\n").join([*blanks, *(" ".join(line) for line in lines)]) + "\n"
    refs = parse_pre_push(text)
    assert refs == [
        PushedRef(
            local_ref=local,
            new=None if set(new) == {"0"} else new,
            remote_ref=remote,
            old=None if set(old) == {"0"} else old,
        )
        for local, new, remote, old in lines
    ]


@FUZZ
@given(lines=st.lists(st.tuples(oids, oids, ref_names), max_size=8))
def test_every_well_formed_pre_receive_line_is_read(lines: list[tuple[str, str, str]]) -> None:
    refs = parse_pre_receive("".join(f"{old} {new} {ref}\n" for old, new, ref in lines))
    assert [(r.old, r.new, r.remote_ref) for r in refs] == [
        (None if set(old) == {"0"} else old, None if set(new) == {"0"} else new, ref)
        for old, new, ref in lines
    ]


# --- commit messages -----------------------------------------------------------------------------

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


# --- the same through a real commit --------------------------------------------------------------


LONG_BODY = b"long body line " * 5000 + b"\n"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param(
            b"Fix it\n\nbody \xff\xfe not utf-8\n",
            b"ABC-1: Fix it\n\nbody \xff\xfe not utf-8\n",
            id="latin-1-bytes-in-body",
        ),
        pytest.param(b"Fix \xe9t\xe9\n", b"ABC-1: Fix \xe9t\xe9\n", id="latin-1-bytes-in-subject"),
        pytest.param(
            b"Fix it\r\n\r\nbody with CRLF\r\n",
            b"ABC-1: Fix it\r\n\r\nbody with CRLF\r\n",
            id="crlf",
        ),
        pytest.param(
            b"\n\n   Indented subject\n\n  body kept  \n",
            b"\n\nABC-1: Indented subject\n\n  body kept  \n",
            id="leading-blank-lines",
        ),
        pytest.param(b"Subject\n\n" + LONG_BODY, b"ABC-1: Subject\n\n" + LONG_BODY, id="75k-body"),
        pytest.param(
            "Ünïcödé sübject ✓\n\n\u2028 body\n".encode(),
            "ABC-1: Ünïcödé sübject ✓\n\n\u2028 body\n".encode(),
            id="unicode",
        ),
        pytest.param(
            b"Fix\tit\x1b[31m red\x1b[0m\n",
            b"ABC-1: Fix\tit\x1b[31m red\x1b[0m\n",
            id="control-characters",
        ),
        pytest.param(b"-n --help\n", b"ABC-1: -n --help\n", id="looks-like-options"),
        pytest.param(b"abc-1: done\n", b"abc-1: done\n", id="already-there-lower-case"),
        pytest.param(b"Merge branch 'x'\n", b"Merge branch 'x'\n", id="generated-left-alone"),
    ],
)
def test_commit_msg_prefix_keeps_the_message_byte_for_byte(
    hooked: Path, tmp_path: Path, message: bytes, expected: bytes
) -> None:
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    msgfile = tmp_path / "message"
    msgfile.write_bytes(message)
    proc = git(hooked, "commit", "-q", "--cleanup=verbatim", "-F", str(msgfile), check=False)
    assert proc.returncode == 0, output(proc)
    # What the hook left in the message file, byte for byte (git re-encodes a message that is
    # not UTF-8 when it makes the commit; that is git's doing, not the hook's).
    assert (hooked / ".git" / "COMMIT_EDITMSG").read_bytes() == expected
    body = git(hooked, "cat-file", "commit", "HEAD").stdout.split(b"\n\n", 1)[1]
    if b"\xff" not in expected and b"\xe9" not in expected:
        assert body == expected


@pytest.mark.parametrize(
    "message",
    [
        pytest.param(b"no ticket \xff here\n", id="blocked-latin-1"),
        pytest.param(b"\x00\x01\x02\n", id="control-bytes"),
    ],
)
def test_commit_msg_require_blocks_without_touching_the_message(
    hooked: Path, tmp_path: Path, message: bytes
) -> None:
    write_policy(
        hooked,
        {"required_checks": ["forbidden_files"]},
        hooks={"commit_message": "require"},
    )
    git(hooked, "add", "-A")
    git(hooked, "commit", "-q", "--no-verify", "-m", "ABC-1: policy")
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    msgfile = tmp_path / "message"
    msgfile.write_bytes(message)
    before = git(hooked, "rev-parse", "HEAD").stdout
    proc = git(hooked, "commit", "-q", "--cleanup=verbatim", "-F", str(msgfile), check=False)
    text = output(proc)
    if b"\x00" in message:  # git refuses a NUL in a message itself
        assert proc.returncode != 0
    else:
        assert proc.returncode == 1, text
        assert "ABC-1: summary" in text
    assert "Traceback" not in text
    assert msgfile.read_bytes() == message
    assert git(hooked, "rev-parse", "HEAD").stdout == before


@pytest.mark.parametrize("ticket", ["straße-1", "ﬁx-1"])
def test_ticket_whose_upper_case_is_longer(hooked: Path, tmp_path: Path, ticket: str) -> None:
    """The hook writes ``STRASSE-1:`` for ticket ``straße-1``: that form must count as the ticket,
    or prepare-commit-msg and commit-msg prefix twice and ``require`` refuses what it asked for."""
    assert cli(hooked, "install", "--hook-type", "prepare-commit-msg").returncode == 0
    git(hooked, "checkout", "-q", "-b", f"{ticket}/repo/run-1")
    shown = ticket.upper()
    editor = tmp_path / "editor"
    editor.write_text("#!/bin/sh\nsed -i '1s/$/summary/' \"$1\"\n")
    editor.chmod(0o755)
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    proc = subprocess.run(
        ["git", "commit", "-q"],
        cwd=hooked,
        capture_output=True,
        env={**os.environ, "GIT_EDITOR": str(editor)},
    )
    assert proc.returncode == 0, output(proc)
    assert git(hooked, "log", "-1", "--format=%s").stdout.decode() == f"{shown}: summary\n"
    write_policy(
        hooked, {"required_checks": ["forbidden_files"]}, hooks={"commit_message": "require"}
    )
    git(hooked, "add", "-A")
    proc = git(hooked, "commit", "-q", "-m", f"{shown}: as the hook asks", check=False)
    assert proc.returncode == 0, output(proc)
