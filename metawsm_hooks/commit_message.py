"""metawsm's commit message form, ``TICKET: summary``: reading and prefixing messages."""

from __future__ import annotations

import re

# Messages git writes itself, or that a later `git rebase --autosquash` consumes: left alone.
_GENERATED = re.compile(r"^(Merge |Revert \"|fixup! |squash! |amend! )")


def subject(message: str, *, comment_char: str = "#") -> str:
    """The first line that is neither blank nor a comment."""
    for line in message.splitlines():
        if line.strip() and not line.startswith(comment_char):
            return line.strip()
    return ""


def is_generated(message: str, *, comment_char: str = "#") -> bool:
    return bool(_GENERATED.match(subject(message, comment_char=comment_char)))


def mentions_ticket(message: str, ticket: str, *, comment_char: str = "#") -> bool:
    """Does the subject carry ``ticket`` as a word of its own, in any case? The form the hook
    writes counts too: upper-casing can change a ticket's letters (``straße`` → ``STRASSE``)."""
    forms = "|".join(re.escape(form) for form in dict.fromkeys((ticket, display_ticket(ticket))))
    pattern = rf"(?<![0-9A-Za-z])(?:{forms})(?![0-9A-Za-z])"
    return (
        re.search(pattern, subject(message, comment_char=comment_char), re.IGNORECASE) is not None
    )


def display_ticket(ticket: str) -> str:
    """Branch names carry tickets lower-cased; messages carry them as trackers write them."""
    return ticket.upper()


def with_ticket(message: str, ticket: str, *, comment_char: str = "#") -> str:
    """``message`` with ``TICKET: `` put before its subject; the rest kept byte for byte."""
    lines = message.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.strip() and not line.startswith(comment_char):
            lines[index] = f"{display_ticket(ticket)}: {line.lstrip()}"
            return "".join(lines)
    # No subject yet (an editor will open): prefill one.
    return f"{display_ticket(ticket)}: " + message
