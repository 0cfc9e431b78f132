"""Fuzzing what git hands a pre-push or pre-receive hook on stdin: the parsers either return the
refs or raise one clean ``FatalError``. (Commit messages are fuzzed in ``commit_message_test``
and through real commits in ``e2e/commit_msg_test``; the policy loader, branch templates and the
forbidden-file matcher in their own test files.) Set ``METAWSM_FUZZ=deep`` for a long run.
"""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from metawsm_hooks.errors import EXIT_USAGE, FatalError
from metawsm_hooks.stages.push_input import PushedRef, parse_pre_push, parse_pre_receive
from testing.util import FUZZ

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
