"""The simple commands inside a shell command line, as the guard needs them.

Words are read as POSIX sh reads them (source: POSIX.1-2017 XCU 2.2 "Quoting", 2.3 "Token
Recognition", 2.6 "Word Expansions"; bash's ``$'…'`` ANSI-C quoting): single and double quotes,
backslash escapes and ``$'…'`` are removed, the segments of a word are joined (``g""it`` is
``git``), a ``#`` starting a word starts a comment. What the shell would change when it runs the
line — a parameter (``$X``, ``${X}``), a command substitution (``$(…)``, backticks), arithmetic,
and outside quotes a glob (``*``, ``?``, ``[…]``) or a brace list (``{a,b}``) — is kept as written
and marks the word ``dynamic`` (``splits`` when outside double quotes, where it may become several
words): the guard cannot know what it becomes.

The command separators (``;``, ``&&``, ``||``, ``|``, ``&``, newlines, subshell parentheses) end a
simple command. What the guard must see through is unwrapped: leading ``NAME=value``
assignments, ``env``/``command``/``exec``/``nohup``/``time``/``nice``/``sudo``/``timeout`` and
shell keywords before a command, ``sh -c '…'``/``bash -lc "…"``/``eval …``/``watch '…'``
strings (parsed again), ``$(…)`` and backtick substitutions, here-document bodies (skipped: they
are data), and ``cd DIR`` earlier in the same line (the folder later commands run in). A command
that ``xargs``, ``parallel`` or ``find -exec`` runs is marked ``fed``: they add arguments the
line does not show.

This is not a shell: a line sh would reject may still be parsed, and one with an unclosed quote
falls back to splitting on white space, so a bypass is never hidden by a stray quote.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import NamedTuple

_MAX_DEPTH = 8
_PUNCTUATION = "();<>|&\n"
_BLANK = " \t\r"
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "yash", "busybox"})
# Words that only introduce the command after them.
_KEYWORDS = frozenset({"!", "{", "}", "then", "do", "else", "elif", "if", "while", "until", "time"})
# Wrappers that run the rest of their arguments as a command; options they take a value for.
_WRAPPERS: dict[str, frozenset[str]] = {
    "command": frozenset(),
    "builtin": frozenset(),
    "exec": frozenset({"-a"}),
    "nohup": frozenset(),
    "nice": frozenset({"-n"}),
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"}),
    "doas": frozenset({"-u", "-C"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "caffeinate": frozenset(),
    "chronic": frozenset(),
    "unbuffer": frozenset(),
    "setsid": frozenset(),
    "ionice": frozenset({"-c", "-n", "-p", "-P", "-u"}),
    "flock": frozenset({"-w", "--timeout", "-E", "--conflict-exit-code"}),
}
# Wrappers whose first non-option argument is not the command (timeout's duration, flock's file).
_LEADING_VALUE = frozenset({"timeout", "flock"})
# Commands that run their arguments with more arguments they read elsewhere (stdin, files,
# ':::' lists, the files found); options they take a value for.
_FEEDERS: dict[str, frozenset[str]] = {
    "xargs": frozenset({"-a", "-d", "-E", "-e", "-I", "-i", "-L", "-l", "-n", "-P", "-s"}),
    "parallel": frozenset(
        {"-a", "-d", "-E", "-I", "-j", "-L", "-n", "-N", "-P", "-S", "--jobs", "--arg-file"}
    ),
}
# Commands that run one string as a shell line with `-c STRING` (su, runuser, script, flock).
_DASH_C = frozenset({"su", "runuser", "script", "flock"})
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_HEREDOC = re.compile(r"<<-?\s*(?:'([^']*)'|\"([^\"]*)\"|\\?([A-Za-z0-9_.-]+))")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ANSI_C = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}


class Word(str):
    """One shell word after quote removal.

    ``dynamic``: the shell would change it when it runs (an expansion, a substitution, a glob or
    brace list outside quotes); ``splits``: such a part stands outside double quotes, so the word
    may become several or none. ``start``/``end`` are its offsets in the line parsed, ``inner``
    the command lines of its substitutions.
    """

    dynamic: bool
    splits: bool
    start: int
    end: int
    inner: tuple[str, ...]

    def __new__(
        cls,
        value: str,
        *,
        dynamic: bool = False,
        splits: bool = False,
        start: int = -1,
        end: int = -1,
        inner: tuple[str, ...] = (),
    ) -> Word:
        word = super().__new__(cls, value)
        word.dynamic, word.splits, word.start, word.end, word.inner = (
            dynamic,
            splits,
            start,
            end,
            inner,
        )
        return word


def is_dynamic(word: str) -> bool:
    """Whether the shell would change ``word`` before the command sees it."""
    return bool(getattr(word, "dynamic", False))


def is_split(word: str) -> bool:
    """Whether ``word`` may become several words (or none) when the shell runs it."""
    return bool(getattr(word, "splits", False))


class SimpleCommand(NamedTuple):
    """One command the shell would run.

    ``assignments`` are the ``NAME=value`` words before it (and those ``env`` sets), ``words``
    the command and its arguments, ``cwd`` the folder it runs in relative to where the line
    starts (``None``: unchanged; a ``cd`` to somewhere unknown, like ``cd -``, gives ``"?"``).
    ``fed`` names the command (``xargs``, ``parallel``, ``find``) that runs it with arguments
    the line does not show; ``start``/``end`` are its offsets in the line the guard was given
    (-1 for a command nested in a string or substitution); ``dropped`` the assignments as
    written that a cleaned copy leaves out.
    """

    assignments: tuple[str, ...]
    words: tuple[str, ...]
    cwd: str | None = None
    fed: str = ""
    start: int = -1
    end: int = -1
    dropped: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The command's base name (``/usr/bin/git`` → ``git``), '' when there is none."""
        return os.path.basename(self.words[0]) if self.words else ""

    def text(self) -> str:
        """The command as one shell line (quoted as needed)."""
        prefix = f"cd {shlex.quote(self.cwd)} && " if self.cwd not in (None, "?") else ""
        return prefix + shlex.join([*self.assignments, *self.words])


class Edit(NamedTuple):
    """Replace ``line[start:end]`` with ``text`` (``start == end``: insert)."""

    start: int
    end: int
    text: str


def rewrite(
    line: str, command: SimpleCommand, *, words: tuple[str, ...] | None = None, before: str = ""
) -> Edit | None:
    """The edit of ``line`` that runs ``command`` (its ``words``, or ``words``) in place of the
    command as written, without its ``dropped`` assignments and with ``before`` run first; what
    came before the command's words in the line (wrappers, kept assignments) stays as written.
    None for a nested command (no offsets) or one without words."""
    words = command.words if words is None else words
    if command.start < 0 or not command.words or not words:
        return None
    first = getattr(command.words[0], "start", -1)
    if not command.start <= first <= command.end:
        return None
    head = line[command.start : first]
    for word in sorted(command.dropped, key=lambda w: -getattr(w, "start", -1)):
        start, end = getattr(word, "start", -1), getattr(word, "end", -1)
        if command.start <= start < end <= first:
            head = head[: start - command.start] + head[end - command.start :].lstrip(_BLANK)
    return Edit(command.start, command.end, before + head + shlex.join(words))


def apply(line: str, edits: list[Edit]) -> str:
    """``line`` with ``edits`` made (a later edit of the same span wins; insertions go before
    the span they start)."""
    spans: dict[tuple[int, int], str] = {}
    for edit in edits:
        spans[(edit.start, edit.end)] = (
            spans.get((edit.start, edit.end), "") + edit.text
            if edit.start == edit.end
            else edit.text
        )
    for (start, end), text in sorted(spans.items(), key=lambda s: (-s[0][0], -s[0][1])):
        line = line[:start] + text + line[end:]
    return line


def simple_commands(
    text: str, *, cwd: str | None = None, depth: int = 0, fed: str = ""
) -> list[SimpleCommand]:
    """Every simple command in ``text``, nested ``sh -c``/``eval``/substitutions included;
    offsets are kept for the commands of ``text`` itself (depth 0)."""
    found: list[SimpleCommand] = []
    if depth > _MAX_DEPTH:
        return found
    current: list[Word] = []
    skip_next = False
    for kind, value in _tokens(_without_heredoc_bodies(text)):
        if kind == "word":
            if skip_next:  # a redirection's target
                skip_next = False
                _substitutions(value, cwd, depth, found)
                continue
            current.append(value)
            continue
        if "<" in value or ">" in value:
            skip_next = "(" not in value  # <(…) and >(…) run a command: no target
            if current and current[-1].isdigit() and current[-1].end == value.start:
                current.pop()  # the descriptor of 2>&1
            if not any(c in value for c in ";|()\n") and "&&" not in value:
                continue
        cwd = _finish(current, cwd, depth, found, fed)
        current = []
    _finish(current, cwd, depth, found, fed)
    return found


def _finish(
    words: list[Word], cwd: str | None, depth: int, found: list[SimpleCommand], fed: str
) -> str | None:
    """Record the command in ``words`` (unwrapped); returns the folder after it runs."""
    if not words:
        return cwd
    for word in words:
        _substitutions(word, cwd, depth, found)
    kept = tuple(words)
    span = (kept[0].start, kept[-1].end) if depth == 0 else (-1, -1)
    _unwrap(kept, (), cwd, depth, found, fed, span)
    return _after_cd(list(kept), cwd)


def _unwrap(
    words: tuple[str, ...],
    assignments: tuple[str, ...],
    cwd: str | None,
    depth: int,
    found: list[SimpleCommand],
    fed: str,
    span: tuple[int, int],
) -> None:
    while True:
        while words and _ASSIGNMENT.match(words[0]):
            assignments += (words[0],)
            words = words[1:]
        if not words:
            if assignments:
                found.append(SimpleCommand(assignments, (), cwd, fed, *span))
            return
        name = os.path.basename(words[0])
        if name in _KEYWORDS:
            words = words[1:]
            continue
        if name == "env":
            words, assignments, cwd = _unwrap_env(words[1:], assignments, cwd)
            continue
        if name in _DASH_C and "-c" in words[1:]:
            strings = words[words.index("-c", 1) + 1 :][:1]
            found.append(SimpleCommand(assignments, words, cwd, fed, *span))
            for line in strings:
                found.extend(simple_commands(line, cwd=cwd, depth=depth + 1, fed=fed))
            return
        if name in _WRAPPERS:
            words = _after_options(words[1:], _WRAPPERS[name])
            if name in _LEADING_VALUE and words:
                words = words[1:]
            continue
        if name in _FEEDERS:
            found.append(SimpleCommand(assignments, words, cwd, fed, *span))
            inner = _after_options(words[1:], _FEEDERS[name])
            if name == "parallel":
                inner = _before(inner, (":::", "::::", ":::+", "::::+"))
            if len(inner) == 1 and " " in inner[0]:  # one string: run by a shell
                found.extend(simple_commands(inner[0], cwd=cwd, depth=depth + 1, fed=name))
            elif inner:
                _unwrap(inner, (), cwd, depth, found, name, span)
            else:  # xargs alone runs echo; parallel runs what it reads
                found.append(SimpleCommand((), ("xargs",), cwd, name, *span))
            return
        break
    found.append(SimpleCommand(assignments, words, cwd, fed, *span))
    name = os.path.basename(words[0])
    if name in _SHELLS:
        script = _shell_script(words[1:])
        if script is not None:
            found.extend(simple_commands(script, cwd=cwd, depth=depth + 1, fed=fed))
    elif name in ("eval", "watch"):
        args = _after_options(words[1:], frozenset({"-n", "--interval", "-d"}))
        found.extend(simple_commands(" ".join(args), cwd=cwd, depth=depth + 1, fed=fed))
    elif name == "find":
        for command in _find_commands(words[1:]):
            _unwrap(command, (), cwd, depth, found, "find", (-1, -1))


def _find_commands(args: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The commands of ``find``'s ``-exec``/``-execdir``/``-ok``/``-okdir`` actions."""
    commands = []
    index = 0
    while index < len(args):
        if args[index] in ("-exec", "-execdir", "-ok", "-okdir"):
            command = _before(args[index + 1 :], (";", "+"))
            if command:
                commands.append(command)
            index += len(command) + 1
        index += 1
    return commands


def _before(words: tuple[str, ...], ends: tuple[str, ...]) -> tuple[str, ...]:
    for index, word in enumerate(words):
        if word in ends:
            return words[:index]
    return words


def _unwrap_env(
    args: tuple[str, ...], assignments: tuple[str, ...], cwd: str | None
) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """``env [-i] [-u NAME] [-C DIR] [-S STRING] [NAME=value]… COMMAND…``."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            index += 1
            break
        if arg in ("-u", "--unset"):
            index += 2
            continue
        if arg in ("-C", "--chdir") and index + 1 < len(args):
            cwd = _join(cwd, args[index + 1])
            index += 2
            continue
        if arg.startswith("--chdir="):
            cwd = _join(cwd, arg.partition("=")[2])
            index += 1
            continue
        if arg in ("-S", "--split-string") and index + 1 < len(args):
            # The string is split into words that come before the rest.
            split = tuple(words(args[index + 1]))
            return split + args[index + 2 :], assignments, cwd
        if arg.startswith("-") and len(arg) > 1:
            index += 1
            continue
        break
    return args[index:], assignments, cwd


def _after_options(args: tuple[str, ...], with_value: frozenset[str]) -> tuple[str, ...]:
    index = 0
    while index < len(args) and args[index].startswith("-") and len(args[index]) > 1:
        arg = args[index]
        index += 1
        if arg == "--":
            break
        if arg in with_value and "=" not in arg:
            index += 1
    return args[index:]


def _shell_script(args: tuple[str, ...]) -> str | None:
    """The command string of ``sh -c STRING`` (options such as ``-l``, ``-e``, ``-o NAME``
    may come first and may be combined, as in ``-lc``); None without ``-c``."""
    has_c = False
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            index += 1
            break
        if arg in ("-o", "+o", "-O", "+O"):
            index += 2
            continue
        if (arg.startswith("-") or arg.startswith("+")) and len(arg) > 1:
            if not arg.startswith("--") and "c" in arg[1:]:
                has_c = True
            index += 1
            continue
        break
    if has_c and index < len(args):
        return args[index]
    return None


def _after_cd(words: list[Word], cwd: str | None) -> str | None:
    """The folder after ``cd DIR``/``pushd DIR``; any other command leaves it unchanged."""
    index = 0
    while index < len(words) and _ASSIGNMENT.match(words[index]):
        index += 1
    rest = words[index:]
    if not rest or rest[0] not in ("cd", "pushd", "popd"):
        return cwd
    args = [word for word in rest[1:] if not (word.startswith("-") and len(word) > 1)]
    if rest[0] == "popd" or not args or args[0] == "-" or args[0].startswith("~"):
        return "?"
    if args[0].dynamic:
        return "?"
    return _join(cwd, args[0])


def _join(cwd: str | None, folder: str) -> str:
    if cwd == "?" or "$" in folder or is_dynamic(folder):
        return "?"
    if cwd is None or os.path.isabs(folder):
        return folder
    return os.path.join(cwd, folder)


def _substitutions(word: Word, cwd: str | None, depth: int, found: list[SimpleCommand]) -> None:
    """Commands inside ``$(…)`` and backticks within one word (double quotes keep them live)."""
    for inner in word.inner:
        if inner.strip():
            found.extend(simple_commands(inner, cwd=cwd, depth=depth + 1))


def words(text: str) -> list[Word]:
    """The words of ``text`` as the shell reads them, operators left out."""
    return [value for kind, value in _tokens(text) if kind == "word"]


class _Unclosed(Exception):
    """A quote, substitution or brace the text does not close."""


def _tokens(text: str) -> list[tuple[str, Word]]:
    """(``word``|``op``, value) pairs; a line with an unclosed quote falls back to white space."""
    try:
        return _scan(text)
    except _Unclosed:  # sh would refuse it; parse what is there
        return [
            (
                "op" if all(c in _PUNCTUATION for c in match.group()) else "word",
                Word(match.group(), start=match.start(), end=match.end()),
            )
            for match in re.finditer(r"[();<>|&\n]+|[^\s();<>|&'\"]+", text)
        ]


def _scan(text: str) -> list[tuple[str, Word]]:
    tokens: list[tuple[str, Word]] = []
    index, end = 0, len(text)
    while index < end:
        char = text[index]
        if char in _BLANK:
            index += 1
        elif text.startswith("\\\n", index):  # a line continuation between words
            index += 2
        elif char == "#":  # a comment, to the end of the line
            newline = text.find("\n", index)
            index = end if newline == -1 else newline
        elif char in _PUNCTUATION:
            stop = index
            while stop < end and text[stop] in _PUNCTUATION:
                stop += 1
            tokens.append(("op", Word(text[index:stop], start=index, end=stop)))
            index = stop
        else:
            word = _WordReader(text, index).read()
            tokens.append(("word", word))
            index = word.end
    return tokens


class _WordReader:
    """Reads one word starting at ``index``: quote removal, expansions kept as written."""

    def __init__(self, text: str, index: int) -> None:
        self.text = text
        self.start = index
        self.index = index
        self.out: list[str] = []
        self.dynamic = False
        self.split = False
        self.inner: list[str] = []

    def read(self) -> Word:
        text = self.text
        while self.index < len(text):
            char = text[self.index]
            if char in _BLANK or char in _PUNCTUATION:
                break
            if char == "\\":
                following = text[self.index + 1 : self.index + 2]
                if following != "\n":
                    self.out.append(following)
                self.index += 2
            elif char == "'":
                close = text.find("'", self.index + 1)
                if close == -1:
                    raise _Unclosed
                self.out.append(text[self.index + 1 : close])
                self.index = close + 1
            elif char == '"':
                self.index += 1
                self._double_quoted()
            elif char == "$" and text.startswith("$'", self.index):
                self.index += 2
                self._ansi_c()
            elif char == "$" and text.startswith('$"', self.index):
                self.index += 2
                self._double_quoted()
            elif char in "$`":
                self.split |= self._expansion()
            elif self._is_glob(char):
                self.dynamic = self.split = True
                self.out.append(char)
                self.index += 1
            else:
                self.out.append(char)
                self.index += 1
        return Word(
            "".join(self.out),
            dynamic=self.dynamic,
            splits=self.split,
            start=self.start,
            end=self.index,
            inner=tuple(self.inner),
        )

    def _double_quoted(self) -> None:
        text = self.text
        while self.index < len(text):
            char = text[self.index]
            if char == '"':
                self.index += 1
                return
            if char == "\\" and text[self.index + 1 : self.index + 2] in (
                "$",
                "`",
                '"',
                "\\",
                "\n",
            ):
                if text[self.index + 1] != "\n":
                    self.out.append(text[self.index + 1])
                self.index += 2
            elif char in "$`":
                self._expansion()
            else:
                self.out.append(char)
                self.index += 1
        raise _Unclosed

    def _ansi_c(self) -> None:
        text = self.text
        while self.index < len(text):
            char = text[self.index]
            if char == "'":
                self.index += 1
                return
            if char != "\\" or self.index + 1 >= len(text):
                self.out.append(char)
                self.index += 1
                continue
            code = text[self.index + 1]
            self.index += 2
            if code in _ANSI_C:
                self.out.append(_ANSI_C[code])
            elif code in "01234567":
                digits = re.match(r"[0-7]{0,2}", text[self.index :])
                number = code + (digits.group() if digits else "")
                self.index += len(number) - 1
                self.out.append(chr(int(number, 8) & 0xFF))
            elif code in "xuU":
                most = {"x": 2, "u": 4, "U": 8}[code]
                digits = re.match(f"[0-9A-Fa-f]{{1,{most}}}", text[self.index :])
                if digits is None:
                    self.out.append("\\" + code)
                else:
                    self.index += len(digits.group())
                    self.out.append(chr(min(int(digits.group(), 16), 0x10FFFF)))
            elif code == "c" and self.index < len(text):
                self.out.append(chr(ord(text[self.index]) & 0x1F))
                self.index += 1
            else:
                self.out.append("\\" + code)
        raise _Unclosed

    def _expansion(self) -> bool:
        """Read a ``$…`` or backtick expansion at ``index``; returns whether it was one."""
        text, start = self.text, self.index
        if text[start] == "`":
            close = start + 1
            while close < len(text) and text[close] != "`":
                close += 2 if text[close] == "\\" else 1
            if close >= len(text):
                raise _Unclosed
            self.inner.append(text[start + 1 : close].replace("\\`", "`"))
            stop = close + 1
        elif text.startswith("$((", start):
            stop = _closing(text, start + 1) + 1
        elif text.startswith("$(", start):
            stop = _closing(text, start + 1) + 1
            self.inner.append(text[start + 2 : stop - 1])
        elif text.startswith("${", start):
            stop = _closing(text, start + 1) + 1
            self.inner.extend(_inner_substitutions(text[start + 2 : stop - 1]))
        else:
            name = _NAME.match(text, start + 1)
            if name is not None:
                stop = name.end()
            elif start + 1 < len(text) and text[start + 1] in "0123456789@*#?$!-":
                stop = start + 2
            else:  # a lone '$' is itself
                self.out.append("$")
                self.index += 1
                return False
        self.out.append(text[start:stop])
        self.index = stop
        self.dynamic = True
        return True

    def _is_glob(self, char: str) -> bool:
        """Whether ``char`` at ``index`` starts a pattern or brace list the shell expands."""
        if char in "*?":
            return True
        if char == "[":
            return "]" in self.text[self.index :]
        return char == "{" and self._brace_list()

    def _brace_list(self) -> bool:
        """Whether the ``{`` at ``index`` starts a brace expansion (``{a,b}``, ``{1..3}``)."""
        close = self.text.find("}", self.index)
        if close == -1:
            return False
        inside = self.text[self.index + 1 : close]
        return not any(c in inside for c in _BLANK + "'\"") and ("," in inside or ".." in inside)


def _closing(text: str, open_at: int) -> int:
    """The index of the bracket closing the one at ``open_at``, quotes inside skipped."""
    pairs = {"(": ")", "{": "}"}
    opening = text[open_at]
    closing = pairs[opening]
    level = 0
    index = open_at
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "'":
            index = text.find("'", index + 1)
            if index == -1:
                raise _Unclosed
        elif char == '"':
            index += 1
            while index < len(text) and text[index] != '"':
                index += 2 if text[index] == "\\" else 1
            if index >= len(text):
                raise _Unclosed
        elif char == opening:
            level += 1
        elif char == closing:
            level -= 1
            if level == 0:
                return index
        index += 1
    raise _Unclosed


def _inner_substitutions(text: str) -> list[str]:
    """The ``$(…)`` texts inside a ``${…}`` (``${X:-$(git commit -n)}``)."""
    found = []
    start = text.find("$(")
    while start != -1:
        try:
            close = _closing(text, start + 1)
        except _Unclosed:
            close = len(text)
        found.append(text[start + 2 : close])
        start = text.find("$(", close)
    return found


def _without_heredoc_bodies(text: str) -> str:
    """``text`` with the bodies of here-documents blanked (same length, so offsets hold):
    they are data, not commands."""
    if "<<" not in text:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    pending: list[str] = []
    for line in lines:
        if pending:
            if line.strip() == pending[0] or line.lstrip("\t") == pending[0]:
                pending.pop(0)
            kept.append(" " * len(line))
            continue
        kept.append(line)
        for match in _HEREDOC.finditer(line.replace("<<<", "   ")):
            pending.append(next(group for group in match.groups() if group is not None))
    return "\n".join(kept)
