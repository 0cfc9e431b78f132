"""metawsm's commit message form, ``TICKET: summary``: reading messages as git will store them,
and prefixing them.

A message stage must see the message exactly as git will clean it up after the hook (git's
``builtin/commit.c`` and ``strbuf_stripspace`` in ``strbuf.c``), and must not change git's own
decisions: an empty message, or an untouched ``commit.template``, still aborts the commit.

- Lines are split on ``\\n`` only, as git does: U+0085, U+2028, form feeds and a ``\\r`` inside a
  line are text. Git's white space is space, tab, ``\\n`` and ``\\r`` (its ``sane_ctype``).
- Comment lines exist only in the ``strip`` clean-up mode, which is git's default only when an
  editor is used; git tells a hook that no editor will run by setting ``GIT_EDITOR=:``.
"""

from __future__ import annotations

import re

from metawsm_hooks.records import Record

# Messages git writes itself, or that a later `git rebase --autosquash` consumes: left alone.
_GENERATED = re.compile(r"^(Merge |Revert \"|fixup! |squash! |amend! )")

# git's own white space (``sane_ctype``): not \v, \f, nor any Unicode space.
_GIT_SPACE = " \t\n\r"

# The line git writes above the diff of `git commit -v`, and where `--cleanup=scissors` cuts;
# git's ``cut_line`` in wt-status.c, behind the comment character.
_CUT_LINE = " ------------------------ >8 ------------------------"

# The characters `core.commentChar=auto` picks from, in git's order (``adjust_comment_line_char``).
_AUTO_COMMENT_CHARS = "#;@!$%^&|:"

CLEANUP_MODES = ("strip", "whitespace", "verbatim", "scissors")


class Reading(Record):
    """How git will read a message: its clean-up mode, comment character, and whether an editor
    was (or will be) run on it."""

    cleanup: str
    comment: str
    edited: bool


def reading(
    *, cleanup_config: str | None, comment_config: str | None, no_editor: bool, message: str
) -> Reading:
    """How git will clean up ``message``.

    ``cleanup_config`` is ``commit.cleanup`` (``--cleanup=`` on git's command line is not visible
    to a hook), ``comment_config`` is ``core.commentChar``, ``no_editor`` is ``GIT_EDITOR`` being
    ``:`` in the hook's environment. Git's rule (``builtin/commit.c``): ``default`` means ``strip``
    when the message is edited and ``whitespace`` otherwise; ``scissors`` only cuts when edited.
    A user whose own environment sets ``GIT_EDITOR=:`` still gets git's editor path; that case
    is told apart by the status block git writes only for an editor (a line holding just the
    comment character).
    """
    comment = _comment_char(comment_config, message)
    edited = not no_editor or any(line == comment for line in message.split("\n"))
    mode = (cleanup_config or "default").strip().lower()
    if mode not in CLEANUP_MODES:
        mode = "strip" if edited else "whitespace"
    return Reading(mode, comment, edited)


def _comment_char(configured: str | None, message: str) -> str:
    if not configured:
        return "#"
    if configured != "auto":
        return configured
    # git picks the first candidate that starts no line of the message, before adding its own
    # comment block at the end; that block ends the file, so its last comment line tells.
    for line in reversed(message.split("\n")):
        if line.strip(_GIT_SPACE):
            return line[0] if line[0] in _AUTO_COMMENT_CHARS else "#"
    return "#"


def _kept_lines(message: str, how: Reading) -> list[tuple[int, str]]:
    """``(index, line)`` of the lines git keeps, before its white-space clean-up."""
    lines = message.split("\n")
    if how.cleanup == "verbatim":
        return list(enumerate(lines))
    kept = []
    for index, line in enumerate(lines):
        if how.edited and how.cleanup in ("strip", "scissors") and line == how.comment + _CUT_LINE:
            break
        if how.cleanup == "strip" and line.startswith(how.comment):
            continue
        kept.append((index, line))
    return kept


def cleaned(message: str, how: Reading) -> str:
    """``message`` as git stores it (``strbuf_stripspace``): trailing white space of each line
    removed, runs of blank lines folded into one, none at either end, each line ending in
    ``\\n``."""
    if how.cleanup == "verbatim":
        return message
    return stripspace([line for _, line in _kept_lines(message, how)])


def stripspace(lines: list[str]) -> str:
    out: list[str] = []
    blank = False
    for line in lines:
        line = line.rstrip(_GIT_SPACE)
        if not line:
            blank = bool(out)
            continue
        if blank:
            out.append("")
            blank = False
        out.append(line)
    return "".join(f"{line}\n" for line in out)


def _subject_index(message: str, how: Reading) -> int | None:
    for index, line in _kept_lines(message, how):
        if line.strip(_GIT_SPACE):
            return index
    return None


def subject(message: str, how: Reading) -> str:
    """The first line git keeps that is not blank, trimmed of git's white space; ``""`` when the
    message is empty once cleaned up (git then aborts the commit)."""
    index = _subject_index(message, how)
    return "" if index is None else message.split("\n")[index].strip(_GIT_SPACE)


def is_generated(message: str, how: Reading) -> bool:
    return bool(_GENERATED.match(subject(message, how)))


def mentions_ticket(message: str, ticket: str, how: Reading) -> bool:
    """Does the subject carry ``ticket`` as a word of its own, in any case? The form the hook
    writes counts too: upper-casing can change a ticket's letters (``straße`` → ``STRASSE``)."""
    forms = "|".join(re.escape(form) for form in dict.fromkeys((ticket, display_ticket(ticket))))
    pattern = rf"(?<![0-9A-Za-z])(?:{forms})(?![0-9A-Za-z])"
    return re.search(pattern, subject(message, how), re.IGNORECASE) is not None


def display_ticket(ticket: str) -> str:
    """Branch names carry tickets lower-cased; messages carry them as trackers write them."""
    return ticket.upper()


def with_ticket(message: str, ticket: str, how: Reading) -> str:
    """``message`` with ``TICKET: `` put before its subject; every other byte kept."""
    lines = message.split("\n")
    index = _subject_index(message, how)
    if index is None:
        # No subject yet (an editor will open): prefill one, on a line of its own.
        sep = "" if message.startswith("\n") or not message else "\n"
        return f"{display_ticket(ticket)}: {sep}{message}"
    lines[index] = f"{display_ticket(ticket)}: {lines[index].lstrip(_GIT_SPACE)}"
    return "\n".join(lines)


def without_prefill(message: str, ticket: str, how: Reading) -> str | None:
    """When the message holds nothing but the ``TICKET: `` a prefill put there (the user wrote
    nothing), the message without it, so that git aborts the empty commit as it would have;
    else None."""
    index = _subject_index(message, how)
    if index is None:
        return None
    lines = message.split("\n")
    prefill = f"{display_ticket(ticket)}:"
    if lines[index].strip(_GIT_SPACE) != prefill:
        return None
    rest = lines[:index] + lines[index + 1 :]
    if cleaned("\n".join(rest), how):
        return None
    lines[index] = ""
    return "\n".join(lines)


def is_untouched_template(message: str, template: str, how: Reading) -> bool:
    """Git's ``template_untouched``: the cleaned message is the cleaned template followed by
    nothing but blank lines, comments or sign-offs. Git then aborts ("you did not edit the
    message"), and a hook that edited the message would defeat that."""
    if how.cleanup == "verbatim":
        return False
    comment_free = Reading("strip" if how.cleanup == "strip" else "whitespace", how.comment, False)
    tmpl = cleaned(template, comment_free)
    text = cleaned(message, how)
    if not text.startswith(tmpl):
        return False
    for line in text[len(tmpl) :].split("\n"):
        if line.strip(_GIT_SPACE) and not line.startswith(("Signed-off-by:", how.comment)):
            return False
    return True
