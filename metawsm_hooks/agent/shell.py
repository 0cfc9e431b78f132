"""The simple commands inside a shell command line, as the guard needs them.

POSIX shell words come from ``shlex`` (quotes and backslashes as sh treats them); the command
separators (``;``, ``&&``, ``||``, ``|``, ``&``, newlines, subshell parentheses) end a simple
command. What the guard must see through is unwrapped: leading ``NAME=value`` assignments,
``env``/``command``/``exec``/``nohup``/``time``/``nice``/``sudo``/``timeout``/``xargs`` and shell
keywords before a command, ``sh -c '…'``/``bash -lc "…"``/``eval …`` strings (parsed again),
``$(…)`` and backtick substitutions, here-document bodies (skipped: they are data), and ``cd DIR``
earlier in the same line (the folder later commands run in).

This is not a shell: a line sh would reject may still be parsed, and what it cannot tokenize
falls back to splitting on white space, so a bypass is never hidden by a stray quote.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import NamedTuple

_MAX_DEPTH = 8
_PUNCTUATION = "();<>|&\n"
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
    "xargs": frozenset({"-a", "-d", "-E", "-e", "-I", "-i", "-L", "-l", "-n", "-P", "-s"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "caffeinate": frozenset(),
}
# Wrappers whose first non-option argument is not the command (timeout's duration).
_LEADING_VALUE = frozenset({"timeout"})
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_HEREDOC = re.compile(r"<<-?\s*(?:'([^']*)'|\"([^\"]*)\"|\\?([A-Za-z0-9_.-]+))")


class SimpleCommand(NamedTuple):
    """One command the shell would run.

    ``assignments`` are the ``NAME=value`` words before it (and those ``env`` sets), ``words``
    the command and its arguments, ``cwd`` the folder it runs in relative to where the line
    starts (``None``: unchanged; a ``cd`` to somewhere unknown, like ``cd -``, gives ``"?"``).
    """

    assignments: tuple[str, ...]
    words: tuple[str, ...]
    cwd: str | None = None

    @property
    def name(self) -> str:
        """The command's base name (``/usr/bin/git`` → ``git``), '' when there is none."""
        return os.path.basename(self.words[0]) if self.words else ""

    def text(self) -> str:
        """The command as one shell line (quoted as needed)."""
        prefix = f"cd {shlex.quote(self.cwd)} && " if self.cwd not in (None, "?") else ""
        return prefix + shlex.join([*self.assignments, *self.words])


def simple_commands(text: str, *, cwd: str | None = None, depth: int = 0) -> list[SimpleCommand]:
    """Every simple command in ``text``, nested ``sh -c``/``eval``/substitutions included."""
    found: list[SimpleCommand] = []
    if depth > _MAX_DEPTH:
        return found
    current: list[str] = []
    tokens = _tokens(_without_heredoc_bodies(text))
    skip_next = False
    for kind, value in tokens:
        if kind == "word":
            if skip_next:  # a redirection's target
                skip_next = False
                _substitutions(value, cwd, depth, found)
                continue
            if value.count("`") == 1 and value[0] == "`" and len(value) > 1:
                # An unquoted `cmd …` starts a command of its own.
                cwd = _finish(current, cwd, depth, found)
                current = [value[1:]]
                continue
            if value.count("`") == 1 and value[-1] == "`":
                current.append(value[:-1])
                cwd = _finish(current, cwd, depth, found)
                current = []
                continue
            current.append(value)
            continue
        if "<" in value or ">" in value:
            skip_next = True
            if current and current[-1].isdigit():  # the descriptor of 2>&1
                current.pop()
            if not any(c in value for c in ";|()\n") and "&&" not in value:
                continue
        cwd = _finish(current, cwd, depth, found)
        current = []
    _finish(current, cwd, depth, found)
    return found


def _finish(
    words: list[str], cwd: str | None, depth: int, found: list[SimpleCommand]
) -> str | None:
    """Record the command in ``words`` (unwrapped); returns the folder after it runs."""
    if not words:
        return cwd
    for word in words:
        _substitutions(word, cwd, depth, found)
    words = [_strip_backticks(word) for word in words]
    words = [word for word in words if word != ""]
    _unwrap(tuple(words), (), cwd, depth, found)
    return _after_cd(words, cwd)


def _unwrap(
    words: tuple[str, ...],
    assignments: tuple[str, ...],
    cwd: str | None,
    depth: int,
    found: list[SimpleCommand],
) -> None:
    while True:
        while words and _ASSIGNMENT.match(words[0]):
            assignments += (words[0],)
            words = words[1:]
        if not words:
            if assignments:
                found.append(SimpleCommand(assignments, (), cwd))
            return
        name = os.path.basename(words[0])
        if name in _KEYWORDS:
            words = words[1:]
            continue
        if name == "env":
            words, assignments, cwd = _unwrap_env(words[1:], assignments, cwd, depth, found)
            continue
        if name in _WRAPPERS:
            words = _after_options(words[1:], _WRAPPERS[name])
            if name in _LEADING_VALUE and words:
                words = words[1:]
            continue
        break
    found.append(SimpleCommand(assignments, words, cwd))
    name = os.path.basename(words[0])
    if name in _SHELLS:
        script = _shell_script(words[1:])
        if script is not None:
            found.extend(simple_commands(script, cwd=cwd, depth=depth + 1))
    elif name == "eval":
        found.extend(simple_commands(" ".join(words[1:]), cwd=cwd, depth=depth + 1))


def _unwrap_env(
    args: tuple[str, ...],
    assignments: tuple[str, ...],
    cwd: str | None,
    depth: int,
    found: list[SimpleCommand],
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
            split = tuple(_crude_words(args[index + 1]))
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


def _after_cd(words: list[str], cwd: str | None) -> str | None:
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
    return _join(cwd, args[0])


def _join(cwd: str | None, folder: str) -> str:
    if cwd == "?" or "$" in folder:
        return "?"
    if cwd is None or os.path.isabs(folder):
        return folder
    return os.path.join(cwd, folder)


def _substitutions(word: str, cwd: str | None, depth: int, found: list[SimpleCommand]) -> None:
    """Commands inside ``$(…)`` and backticks within one word (double quotes keep them live)."""
    for inner in _substitution_texts(word):
        found.extend(simple_commands(inner, cwd=cwd, depth=depth + 1))


def _substitution_texts(word: str) -> list[str]:
    texts = []
    start = word.find("$(")
    while start != -1:
        level, index = 0, start + 1
        while index < len(word):
            if word[index] == "(":
                level += 1
            elif word[index] == ")":
                level -= 1
                if level == 0:
                    break
            index += 1
        texts.append(word[start + 2 : index])
        start = word.find("$(", index)
    ticks = [i for i, c in enumerate(word) if c == "`" and (i == 0 or word[i - 1] != "\\")]
    for first, second in zip(ticks[::2], ticks[1::2], strict=False):
        texts.append(word[first + 1 : second])
    return [text for text in texts if text.strip()]


def _strip_backticks(word: str) -> str:
    # An unquoted `cmd args` splits into words that start or end with the backtick.
    if word.count("`") == 1:
        return word.replace("`", "")
    return word


def _tokens(text: str) -> list[tuple[str, str]]:
    """(``word``|``op``, value) pairs; a line shlex cannot split falls back to white space."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=_PUNCTUATION)
    lexer.whitespace = " \t\r"
    lexer.whitespace_split = True
    lexer.commenters = ""  # a '#' inside a word is not a comment in sh; none are honoured
    tokens: list[tuple[str, str]] = []
    try:
        for token in lexer:
            is_op = bool(token) and all(c in _PUNCTUATION for c in token)
            tokens.append(("op" if is_op else "word", token))
    except ValueError:  # no closing quotation: sh would refuse it; parse what is there
        return [
            ("op" if all(c in _PUNCTUATION for c in part) else "word", part)
            for part in re.findall(
                r"[();<>|&\n]+|[^\s();<>|&]+", text.replace("'", "").replace('"', "")
            )
        ]
    return tokens


def _crude_words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _without_heredoc_bodies(text: str) -> str:
    """``text`` without the bodies of here-documents: they are data, not commands."""
    if "<<" not in text:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    pending: list[str] = []
    for line in lines:
        if pending:
            if line.strip() == pending[0] or line.lstrip("\t") == pending[0]:
                pending.pop(0)
            continue
        kept.append(line)
        for match in _HEREDOC.finditer(line.replace("<<<", "   ")):
            pending.append(next(group for group in match.groups() if group is not None))
    return "\n".join(kept)
