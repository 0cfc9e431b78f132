"""What in a shell command line concerns the hooks: pure functions over shell words.

``concerns(text)`` finds, in every simple command of ``text`` (see ``agent.shell``):

- bypasses, refused whatever the policy says: ``git commit -n``/``--no-verify`` (also inside
  combined short options such as ``-anm``), ``git push``/``git merge --no-verify``,
  ``git -c core.hooksPath=…`` (and ``--config-env``, ``GIT_CONFIG_*`` variables), a
  ``git config`` that writes ``core.hooksPath``;
- ``METAWSM_SKIP`` assignments, refused unless the policy's ``hooks.agents.allow_skip``;
- the branch a command creates (``git checkout -b``, ``git switch -c``, ``git branch NAME``,
  ``git worktree add -b``), the commits it makes and the pushes, which the guard checks against
  ``git_pr.branch_template`` and ``git_pr.allowed_repos``.

git's option syntax is followed (source: git's parse-options): long options may be abbreviated
to any unambiguous prefix, short options combine (``-anm MSG``), an option's value may be
attached (``-mMSG``, ``--message=MSG``), ``--`` ends the options.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from metawsm_hooks.agent.shell import SimpleCommand, simple_commands
from metawsm_hooks.constants import SKIP_ENV

HOOKS_PATH = "core.hookspath"
_SKIP = re.compile(re.escape(SKIP_ENV) + r"\+?=")
_DECLARERS = frozenset({"export", "declare", "typeset", "local", "readonly"})
# git's global options that take the next word as their value.
_GLOBAL_WITH_VALUE = frozenset(
    {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix"}
)
# The shortest prefixes git accepts for --no-verify (--no-ver is ambiguous with --no-verbose).
_NO_VERIFY_MIN = len("--no-veri")
# `git commit` short options whose value follows (attached or as the next word), and those whose
# value can only be attached.
_COMMIT_SHORT_VALUE = frozenset("mFcCt")
_COMMIT_SHORT_OPTIONAL = frozenset("Su")
_COMMIT_LONG_VALUE = frozenset(
    {
        "--message",
        "--file",
        "--reuse-message",
        "--reedit-message",
        "--template",
        "--author",
        "--date",
        "--fixup",
        "--squash",
        "--trailer",
        "--pathspec-from-file",
        "--cleanup",
    }
)
_PUSH_LONG_VALUE = frozenset({"--push-option", "--receive-pack", "--exec", "--repo"})
_BRANCH_NOT_CREATING = frozenset(
    {
        "-d",
        "-D",
        "--delete",
        "-l",
        "--list",
        "-a",
        "--all",
        "-r",
        "--remotes",
        "-v",
        "-vv",
        "--verbose",
        "--show-current",
        "--contains",
        "--no-contains",
        "--merged",
        "--no-merged",
        "--points-at",
        "--edit-description",
        "-u",
        "--set-upstream-to",
        "--unset-upstream",
        "--column",
        "--no-column",
        "--sort",
        "--format",
    }
)
_BRANCH_RENAMING = frozenset({"-m", "-M", "--move", "-c", "-C", "--copy"})


class Concern(NamedTuple):
    """One thing in a command line the guard must decide on.

    ``kind``: ``bypass`` (refused), ``skip`` (refused unless ``hooks.agents.allow_skip``),
    ``branch`` (a new branch named ``value``), ``commit`` (a commit on the current branch, or
    on ``value`` when the line switched to it first), ``push`` (``value``: the remote or URL
    named, '' for the default one). ``folder`` is where git runs relative to the tool call's
    ``cwd`` (None: there). ``what`` names the refused part; ``instead`` is the simple command
    without it (bypass and skip only).
    """

    kind: str
    command: SimpleCommand
    what: str = ""
    instead: str = ""
    value: str = ""
    folder: str | None = None


class GitCall(NamedTuple):
    """``git [global options] SUBCOMMAND ARGS…`` split up."""

    config: tuple[
        tuple[int, str, str], ...
    ]  # (word index, lower-case key, value) of -c/--config-env
    folder: str | None  # the -C folders applied to the command's own folder
    subcommand: str
    sub_index: int  # index of the subcommand in the command's words


def concerns(text: str) -> list[Concern]:
    """Everything in the shell line ``text`` the guard decides on, in the order it would run.

    Every concern of one simple command carries that command with all its refused parts taken
    out (``instead``), so the command offered in their place is accepted as a whole.
    """
    found: list[Concern] = []
    switched: dict[str | None, str] = {}
    for command in simple_commands(text):
        refused = _skip_concerns(command) + _environment_bypasses(command)
        parts = {c.what for c in refused}
        clean = command._replace(
            assignments=tuple(w for w in command.assignments if w not in parts)
        )
        if command.name in _DECLARERS:
            words = tuple(w for w in command.words if w not in parts)
            clean = clean._replace(words=words if len(words) > 1 else ())
        if command.name == "git":
            call = parse_git(clean)
            if call is not None:
                clean, more = _git_concerns(clean, call, switched)
                refused += more
        instead = clean.text() if clean.words else ""
        found.extend(
            c._replace(instead=instead, command=clean) if c.kind in ("bypass", "skip") else c
            for c in refused
        )
    return found


def parse_git(command: SimpleCommand) -> GitCall | None:
    """The global options and subcommand of a git command; None without a subcommand."""
    words = command.words
    config: list[tuple[int, str, str]] = []
    folder = command.cwd
    index = 1
    while index < len(words):
        word = words[index]
        if not word.startswith("-"):
            return GitCall(tuple(config), folder, word, index)
        name, eq, attached = word.partition("=")
        value: str | None = attached if eq else None
        taken = 1
        if name in _GLOBAL_WITH_VALUE and value is None:
            value = words[index + 1] if index + 1 < len(words) else ""
            taken = 2
        if name == "-c" and value is not None:
            key, _, setting = value.partition("=")
            config.append((index, key.strip().lower(), setting))
        elif name == "--config-env" and value is not None:
            key = value.rpartition("=")[0]
            config.append((index, key.strip().lower(), "$" + value.rpartition("=")[2]))
        elif name == "-C" and value is not None:
            folder = _join(folder, value)
        index += taken
    return None


def _join(folder: str | None, more: str) -> str:
    if folder == "?" or "$" in more:
        return "?"
    if folder is None or os.path.isabs(more) or more == "":
        return more or (folder or ".")
    return os.path.join(folder, more)


def _skip_concerns(command: SimpleCommand) -> list[Concern]:
    words = list(command.assignments)
    if command.name in _DECLARERS:
        words += command.words[1:]
    return [Concern("skip", command, word) for word in words if _SKIP.match(word)]


def _environment_bypasses(command: SimpleCommand) -> list[Concern]:
    """``GIT_CONFIG_PARAMETERS``/``GIT_CONFIG_KEY_<n>`` carrying core.hooksPath."""
    words = list(command.assignments)
    if command.name in _DECLARERS:
        words += command.words[1:]
    found = []
    for word in words:
        name, _, value = word.partition("=")
        if (
            name == "GIT_CONFIG_PARAMETERS" or name.startswith("GIT_CONFIG_KEY_")
        ) and HOOKS_PATH in value.lower():
            found.append(Concern("bypass", command, word))
    return found


def _git_concerns(
    command: SimpleCommand, call: GitCall, switched: dict[str | None, str]
) -> tuple[SimpleCommand, list[Concern]]:
    """The git command with its bypasses taken out, and its concerns (those that need the
    repository carry the cleaned command)."""
    found: list[Concern] = []
    words = command.words
    drop: set[int] = set()
    for index, key, value in call.config:
        if key == HOOKS_PATH:
            drop.add(index)
            if "=" not in words[index] or words[index] == "-c":
                drop.add(index + 1)
            found.append(Concern("bypass", command, f"-c core.hooksPath={value}"))
    sub_index = call.sub_index
    head = tuple(w for i, w in enumerate(words[: sub_index + 1]) if i not in drop)
    args = words[sub_index + 1 :]
    sub = call.subcommand
    if sub == "config":
        what = _config_writes_hooks_path(args)
        if what:
            found.append(Concern("bypass", command, what))
            return command._replace(words=()), found
    elif sub in ("commit", "push", "merge"):
        dropped = _without_no_verify(args, commit=sub == "commit")
        if dropped is not None:
            args, what = dropped
            found.append(Concern("bypass", command, what))
    clean = command._replace(words=head + args)
    if sub == "commit":
        found.append(
            Concern("commit", clean, value=switched.get(call.folder, ""), folder=call.folder)
        )
    elif sub == "push":
        found.append(Concern("push", clean, value=_push_remote(args), folder=call.folder))
    elif sub in ("checkout", "switch", "branch", "worktree"):
        created = _created_branch(sub, args)
        if created is not None:
            found.append(Concern("branch", clean, value=created, folder=call.folder))
            if sub in ("checkout", "switch"):
                switched[call.folder] = created
        elif sub in ("checkout", "switch"):
            target = _switch_target(args)
            if target is not None:
                switched[call.folder] = target
    return clean, found


def _is_no_verify(word: str) -> bool:
    return len(word) >= _NO_VERIFY_MIN and "--no-verify".startswith(word)


def _without_no_verify(
    args: tuple[str, ...], *, commit: bool
) -> tuple[tuple[str, ...], str] | None:
    """``args`` with every --no-verify (and, for commit, -n) taken out, and the first one found;
    None when there is none (or a later --verify turns it back on)."""
    kept: list[str] = []
    first = ""
    active = False
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word == "--":
            kept.extend(args[index - 1 :])
            break
        if _is_no_verify(word):
            active, first = True, first or word
            continue
        if word == "--verify":
            active = False
            kept.append(word)
            continue
        if word.startswith("--"):
            kept.append(word)
            valued = _COMMIT_LONG_VALUE if commit else _PUSH_LONG_VALUE
            if word in valued and index < len(args):
                kept.append(args[index])
                index += 1
            continue
        if word.startswith("-") and len(word) > 1:
            if not commit:
                kept.append(word)
                if word == "-o" and index < len(args):
                    kept.append(args[index])
                    index += 1
                continue
            cluster, takes_next = _commit_cluster(word)
            if "n" in cluster:
                active, first = True, first or (f"-n (in {word})" if word != "-n" else word)
                rebuilt = "-" + cluster.replace("n", "") + word[1 + len(cluster) :]
                if rebuilt != "-":
                    kept.append(rebuilt)
            else:
                kept.append(word)
            if takes_next and index < len(args):
                kept.append(args[index])
                index += 1
            continue
        kept.append(word)
    if not active:
        return None
    return tuple(kept), first


def _commit_cluster(word: str) -> tuple[str, bool]:
    """The flag letters of a short-option cluster before any value, and whether the value is
    the next word (``-am`` → ("am", True); ``-mfix`` → ("m", False); ``-an`` → ("an", False))."""
    letters = ""
    for position, char in enumerate(word[1:], start=1):
        letters += char
        if char in _COMMIT_SHORT_VALUE:
            return letters, position == len(word) - 1
        if char in _COMMIT_SHORT_OPTIONAL:
            return letters, False
    return letters, False


def _config_writes_hooks_path(args: tuple[str, ...]) -> str:
    """'' unless ``git config ARGS`` sets, adds, replaces or unsets core.hooksPath."""
    positional: list[str] = []
    writes = False
    reads = False
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word in ("--unset", "--unset-all", "--replace-all", "--add", "--rename-section"):
            writes = True
        elif word in ("--get", "--get-all", "--get-regexp", "--list", "-l", "--get-urlmatch"):
            reads = True
        elif word in ("--file", "-f", "--blob", "--type", "--default", "--comment", "--value"):
            index += 1
        elif not word.startswith("-"):
            positional.append(word)
    if positional[:1] in (["set"], ["unset"]):
        writes, positional = True, positional[1:]
    elif positional[:1] in (["get"], ["list"], ["edit"]):
        return ""
    if not positional or positional[0].lower() != HOOKS_PATH or reads:
        return ""
    if writes or len(positional) > 1:
        return "git config " + " ".join(args)
    return ""


def _push_remote(args: tuple[str, ...]) -> str:
    """The repository ``git push ARGS`` pushes to as named there ('' for the default)."""
    repo = ""
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word == "--":
            return args[index] if index < len(args) else repo
        if word.startswith("--repo="):
            repo = word.partition("=")[2]
        elif word in _PUSH_LONG_VALUE or word == "-o":
            if word == "--repo" and index < len(args):
                repo = args[index]
            index += 1
        elif not word.startswith("-"):
            return word
    return repo


def _created_branch(sub: str, args: tuple[str, ...]) -> str | None:
    """The new branch's name, or None when the command creates none."""
    if sub == "worktree":
        if not args or args[0] != "add":
            return None
        named = _option_value(args[1:], short="bB", long=())
        if named is not None:
            return named
        # `git worktree add PATH` alone creates a branch named after the folder (git-worktree(1)).
        options = {w for w in args[1:] if w.startswith("-")}
        paths = [w for w in args[1:] if not w.startswith("-")]
        if len(paths) == 1 and not options & {"--detach", "-d", "--orphan"}:
            return os.path.basename(paths[0].rstrip("/")) or None
        return None
    if sub == "checkout":
        return _option_value(args, short="bB", long=("--orphan",))
    if sub == "switch":
        return _option_value(args, short="cC", long=("--create", "--force-create", "--orphan"))
    # git branch
    positional: list[str] = []
    renaming = False
    for word in args:
        if word == "--":
            continue
        name = word.partition("=")[0]
        if name in _BRANCH_NOT_CREATING:
            return None
        if name in _BRANCH_RENAMING:
            renaming = True
        elif not word.startswith("-"):
            positional.append(word)
    if not positional:
        return None
    return positional[-1] if renaming else positional[0]


def _option_value(args: tuple[str, ...], *, short: str, long: tuple[str, ...]) -> str | None:
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word == "--":
            return None
        name, eq, attached = word.partition("=")
        if name in long:
            return attached if eq else (args[index] if index < len(args) else None)
        if word.startswith("-") and not word.startswith("--"):
            for position, char in enumerate(word[1:], start=1):
                if char in short:
                    rest = word[position + 1 :]
                    return rest or (args[index] if index < len(args) else None)
    return None


def _switch_target(args: tuple[str, ...]) -> str | None:
    """The branch ``git switch NAME``/``git checkout NAME`` moves to (a guess: the first word
    that is not an option), None with ``--detach`` or paths after ``--``."""
    for word in args:
        if word in ("--detach", "-d") or word == "--":
            return None
        if not word.startswith("-"):
            return word
    return None
