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
- what the guard cannot read where it matters (``unreadable``, refused): a command word or git
  subcommand the shell computes, an argument of ``git commit``/``push``/``merge``/``pull`` the
  shell computes that could become an option, git run by ``xargs``/``parallel``/``find -exec``
  with arguments the line does not show, an alias whose value is unknown.

git aliases are resolved as git resolves them (source: git's git.c, ``run_argv`` and
``handle_alias``): never for one of git's own commands; ``-c alias.X``, ``--config-env`` and the
command's ``GIT_CONFIG_*`` first, then a ``git config alias.X`` earlier in the line, then the
configured ones; a ``!`` alias is a shell line run with the arguments after it.

git's option syntax is followed (source: git's parse-options): long options may be abbreviated
to any unambiguous prefix, short options combine (``-anm MSG``), an option's value may be
attached (``-mMSG``, ``--message=MSG``), ``--`` ends the options.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import NamedTuple

from metawsm_hooks.agent.shell import (
    Edit,
    SimpleCommand,
    Word,
    is_dynamic,
    is_split,
    rewrite,
    simple_commands,
)
from metawsm_hooks.agent.shell import words as shell_words
from metawsm_hooks.constants import SKIP_ENV

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    # (folder relative to the tool call's cwd, None: there) -> git's configured aliases there,
    # by lower-case name (``git config --get-regexp '^alias\\.'``).
    AliasReader = Callable[[str | None], Mapping[str, str]]

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
# Subcommands whose hooks the policy's checks run in (pull runs merge's).
_HOOKED = frozenset({"commit", "push", "merge", "pull"})
# Words that make a command the guard cannot name worth refusing: git's that matter here.
_MATTERS = frozenset(
    {"commit", "push", "merge", "pull", "config", "checkout", "switch", "branch", "worktree"}
)
_MAX_ALIASES = 8
_BRANCH_QUERIES = frozenset(
    {
        "git branch --show-current",
        "git rev-parse --abbrev-ref HEAD",
        "git symbolic-ref --short HEAD",
        "git symbolic-ref --short -q HEAD",
    }
)
# git's own commands, which no alias can replace (``git --list-cmds=main,others`` of git 2.39
# and later additions); a subcommand outside this list may be an alias and is looked up.
_GIT_COMMAND_NAMES = """
    add am annotate apply archimport archive backfill bisect blame branch bugreport bundle
    cat-file check-attr check-ignore check-mailmap check-ref-format checkout checkout-index
    cherry cherry-pick citool clean clone column commit commit-graph commit-tree config
    count-objects credential credential-cache credential-store cvsexportcommit cvsimport
    cvsserver daemon describe diagnose diff diff-files diff-index diff-pairs diff-tree difftool
    fast-export fast-import fetch fetch-pack filter-branch fmt-merge-msg for-each-ref
    for-each-repo format-patch fsck fsck-objects fsmonitor--daemon gc get-tar-commit-id grep gui
    hash-object help hook http-backend http-fetch http-push imap-send index-pack init init-db
    instaweb interpret-trailers last-modified log ls-files ls-remote ls-tree mailinfo mailsplit
    maintenance merge merge-base merge-file merge-index merge-octopus merge-one-file merge-ours
    merge-recursive merge-resolve merge-subtree merge-tree mergetool mktag mktree
    multi-pack-index mv name-rev notes p4 pack-objects pack-redundant pack-refs patch-id
    prune prune-packed pull push quiltimport range-diff read-tree rebase receive-pack reflog
    refs remote repack replace replay repo request-pull rerere reset restore rev-list rev-parse
    revert rm send-email send-pack sh-i18n shell shortlog show show-branch show-index show-ref
    sparse-checkout stage stash status stripspace submodule subtree svn switch symbolic-ref tag
    unpack-file unpack-objects update-index update-ref update-server-info upload-archive
    upload-pack var verify-commit verify-pack verify-tag version web--browse whatchanged
    worktree write-tree
"""
GIT_COMMANDS = frozenset(_GIT_COMMAND_NAMES.split())


class Concern(NamedTuple):
    """One thing in a command line the guard must decide on.

    ``kind``: ``bypass`` (refused), ``skip`` (refused unless ``hooks.agents.allow_skip``),
    ``unreadable`` (refused: ``what`` is the part whose effect the line does not show, ``value``
    why), ``branch`` (a new branch named ``value``), ``commit`` (a commit on the current branch,
    or on ``value`` when the line switched to it first), ``push`` (``value``: the remote or URL
    named, '' for the default one). ``folder`` is where git runs relative to the tool call's
    ``cwd`` (None: there). ``what`` names the refused part; ``instead`` is the simple command
    without it, ``edit`` the change that takes it out of the whole line (None for a command
    nested in a string) (bypass and skip only).
    """

    kind: str
    command: SimpleCommand
    what: str = ""
    instead: str = ""
    value: str = ""
    folder: str | None = None
    edit: Edit | None = None


class GitCall(NamedTuple):
    """``git [global options] SUBCOMMAND ARGS…`` split up."""

    config: tuple[
        tuple[int, str, str], ...
    ]  # (word index, lower-case key, value) of -c/--config-env
    folder: str | None  # the -C folders applied to the command's own folder
    subcommand: str
    sub_index: int  # index of the subcommand in the command's words


class _Line:
    """What one line's earlier commands change for its later ones."""

    def __init__(self, text: str, aliases: AliasReader | None) -> None:
        self.text = text
        self.read_aliases = aliases
        self.switched: dict[str | None, str] = {}
        self.defined: dict[str, str] = {}  # aliases an earlier `git config alias.X` sets
        self.found: list[Concern] = []


def concerns(text: str, *, aliases: AliasReader | None = None) -> list[Concern]:
    """Everything in the shell line ``text`` the guard decides on, in the order it would run.

    Every concern of one simple command carries that command with all its refused parts taken
    out (``instead``), so the command offered in their place is accepted as a whole.
    ``aliases`` reads git's configured aliases (only for a git subcommand that is not one of
    git's own, which no alias can replace); without it only the line's own aliases are known.
    """
    line = _Line(text, aliases)
    for command in simple_commands(text):
        line.found.extend(_command_concerns(command, line, 0))
    return line.found


def _command_concerns(command: SimpleCommand, line: _Line, depth: int) -> list[Concern]:
    refused = _skip_concerns(command) + _environment_bypasses(command)
    parts = {c.what for c in refused}
    clean = command._replace(
        assignments=tuple(w for w in command.assignments if w not in parts),
        dropped=tuple(w for w in command.assignments if w in parts),
    )
    if command.name in _DECLARERS:
        words = tuple(w for w in command.words if w not in parts)
        clean = clean._replace(words=words if len(words) > 1 else ())
    refused += _unreadable_command(command)
    if command.name == "git":
        call = parse_git(clean)
        if call is not None:
            clean, more = _git_concerns(clean, call, line, depth)
            refused += more
        elif command.fed:
            refused.append(
                _unreadable(command, command.fed, f"{command.fed} gives git its subcommand")
            )
    edit = rewrite(line.text, clean) if clean.words else None
    instead = clean.text() if clean.words else ""
    return [
        c._replace(instead=instead, command=clean, edit=edit) if c.kind in ("bypass", "skip") else c
        for c in refused
    ]


def _unreadable(command: SimpleCommand, what: str, why: str) -> Concern:
    return Concern("unreadable", command, what=what, value=why)


def _unreadable_command(command: SimpleCommand) -> list[Concern]:
    """A command word the shell computes (``$GIT``, ``$(which git)``, a glob) with arguments
    that would matter to git."""
    if not command.words or not is_dynamic(command.words[0]):
        return []
    for word in command.words[1:]:
        lowered = word.lower()
        # An argument may itself be a command line (``$SHELL -c 'git commit -n'``).
        inner = {w.lower() for w in shell_words(word)} if " " in word else set()
        if lowered in _MATTERS or "git" in inner or "no-verify" in lowered or HOOKS_PATH in lowered:
            return [
                _unreadable(
                    command,
                    command.words[0],
                    f"the guard cannot tell which command '{command.words[0]}' runs, and"
                    f" '{word}' suggests git",
                )
            ]
    return []


def parse_git(command: SimpleCommand) -> GitCall | None:
    """The global options and subcommand of a git command; None without a subcommand."""
    words = command.words
    config: list[tuple[int, str, str]] = []
    folder = command.cwd
    index = 1
    while index < len(words):
        word = words[index]
        if not word.startswith("-") or is_split(word):
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
    if folder == "?" or "$" in more or is_dynamic(more):
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


def _environment_config(command: SimpleCommand) -> dict[str, str]:
    """The configuration the command's own environment gives git (``GIT_CONFIG_COUNT`` with
    ``GIT_CONFIG_KEY_<n>``/``GIT_CONFIG_VALUE_<n>``, ``GIT_CONFIG_PARAMETERS``), by lower-case
    key; a value the shell computes stays a dynamic word."""
    values = dict(word.partition("=")[::2] for word in command.assignments)
    found: dict[str, str] = {}
    for item in shell_words(values.get("GIT_CONFIG_PARAMETERS", "")):
        key, _, value = item.partition("=")
        found[key.lower()] = value
    count = values.get("GIT_CONFIG_COUNT", "0")
    for n in range(int(count) if count.isdigit() else 0):
        named = values.get(f"GIT_CONFIG_KEY_{n}")
        if named is not None:
            found[named.lower()] = values.get(f"GIT_CONFIG_VALUE_{n}", "")
    return found


def _alias(name: str, command: SimpleCommand, call: GitCall, line: _Line) -> str | None:
    """The alias git would run for ``git NAME`` (source: git's git.c, run_argv/handle_alias:
    an alias never replaces a git command; ``-c`` and the environment's configuration come
    before the files'), None when there is none."""
    key = "alias." + name.lower()
    for _, config_key, value in reversed(call.config):
        if config_key == key:
            if value.startswith("$"):  # --config-env: the value of an environment variable
                assigned = [
                    w.partition("=")[2]
                    for w in command.assignments
                    if w.startswith(value[1:] + "=")
                ]
                return assigned[-1] if assigned else Word(value, dynamic=True)
            return value
    from_environment = _environment_config(command)
    if key in from_environment:
        return from_environment[key]
    if name.lower() in line.defined:
        return line.defined[name.lower()]
    if line.read_aliases is None:
        return None
    return line.read_aliases(call.folder).get(name.lower())


def _expand_alias(
    command: SimpleCommand, call: GitCall, alias: str, line: _Line, depth: int
) -> tuple[SimpleCommand, list[Concern]]:
    """The concerns of ``git ALIAS ARGS`` run as git runs it: a ``!`` alias as a shell line
    with the arguments after it, any other as git's arguments in place of the alias."""
    words = command.words
    args = words[call.sub_index + 1 :]
    name = words[call.sub_index]
    if is_dynamic(alias):
        why = f"the guard cannot read the alias git would run for 'git {name}'"
        return command, [_unreadable(command, f"git {name}", why)]
    if alias.startswith("!"):  # a shell line, its concerns complete with what to run instead
        script = alias[1:] + (" " + shlex.join(args) if args else "")
        for inner in simple_commands(script, cwd=call.folder, depth=1):
            line.found.extend(_command_concerns(inner, line, depth + 1))
        return command, []
    # Expanded, the alias name is replaced; the settings that defined it are left out.
    drop = _config_words(words, call, lambda key: key.startswith("alias."))
    head = tuple(word for index, word in enumerate(words[: call.sub_index]) if index not in drop)
    expanded = command._replace(words=head + tuple(shell_words(alias)) + args)
    inner_call = parse_git(expanded)
    if inner_call is None:
        return command, []
    return _git_concerns(expanded, inner_call, line, depth + 1)


def _git_concerns(
    command: SimpleCommand, call: GitCall, line: _Line, depth: int
) -> tuple[SimpleCommand, list[Concern]]:
    """The git command with its bypasses taken out, and its concerns (those that need the
    repository carry the cleaned command)."""
    found: list[Concern] = []
    words = command.words
    sub = call.subcommand
    if is_dynamic(sub):
        why = f"the guard cannot tell which git command '{sub}' runs; write it out"
        return command, [_unreadable(command, sub, why)]
    if sub not in GIT_COMMANDS and depth < _MAX_ALIASES:
        alias = _alias(sub, command, call, line)
        if alias is not None:
            return _expand_alias(command, call, alias, line, depth)
    drop = _config_words(words, call, lambda key: key == HOOKS_PATH)
    found.extend(
        Concern("bypass", command, f"-c core.hooksPath={value}")
        for _, key, value in call.config
        if key == HOOKS_PATH
    )
    sub_index = call.sub_index
    hooked = sub in _HOOKED
    if hooked:
        for word in words[1:sub_index]:
            if is_dynamic(word):
                why = f"the guard cannot tell whether '{word}' switches git's hooks off"
                found.append(_unreadable(command, word, why))
    head = tuple(w for i, w in enumerate(words[: sub_index + 1]) if i not in drop)
    args = words[sub_index + 1 :]
    if command.fed and _fed_matters(sub, args):
        why = (
            f"{command.fed} runs 'git {sub}' with arguments the guard cannot see (they could"
            " add --no-verify or name a branch); run git with its arguments written out"
        )
        found.append(_unreadable(command, f"{command.fed} … git {sub}", why))
    if sub == "config":
        written = _config_write(args)
        if written is not None:
            key, value = written
            if is_dynamic(key):
                why = f"the guard cannot tell which setting '{key}' is (core.hooksPath?)"
                found.append(_unreadable(command, key, why))
            elif key.lower() == HOOKS_PATH:
                found.append(Concern("bypass", command, "git config " + " ".join(args)))
                return command._replace(words=()), found
            elif key.lower().startswith("alias."):
                line.defined[key.lower()[len("alias.") :]] = (
                    value if value is not None else Word("", dynamic=True)
                )
    elif hooked:
        dropped = _without_no_verify(args, commit=sub == "commit")
        if dropped is not None:
            args, what = dropped
            found.append(Concern("bypass", command, what))
        unknown = _unreadable_argument(args, commit=sub == "commit")
        if unknown is not None:
            why = (
                f"the guard cannot tell what '{unknown}' becomes when the shell runs it (it"
                " could add --no-verify); write the value out"
            )
            found.append(_unreadable(command, unknown, why))
    clean = command._replace(words=head + args)
    if sub == "commit":
        found.append(
            Concern("commit", clean, value=line.switched.get(call.folder, ""), folder=call.folder)
        )
    elif sub == "push":
        found.append(Concern("push", clean, value=_push_remote(args), folder=call.folder))
    elif sub in ("checkout", "switch", "branch", "worktree"):
        created = _created_branch(sub, args)
        if created is not None:
            found.append(Concern("branch", clean, value=created, folder=call.folder))
            if sub in ("checkout", "switch") or _renames_current(sub, args):
                line.switched[call.folder] = created
        elif sub in ("checkout", "switch"):
            target = _switch_target(args)
            if target is not None:
                line.switched[call.folder] = target
    return clean, found


def _config_words(words: tuple[str, ...], call: GitCall, chosen: Callable[[str], bool]) -> set[int]:
    """The indexes of the words of the ``-c``/``--config-env`` settings whose key is chosen."""
    found: set[int] = set()
    for index, key, _ in call.config:
        if chosen(key):
            found.add(index)
            if words[index] in ("-c", "--config-env"):
                found.add(index + 1)
    return found


def _renames_current(sub: str, args: tuple[str, ...]) -> bool:
    """``git branch -m NEW``: the branch checked out is renamed (later commits land on NEW)."""
    if sub != "branch" or not any(w in ("-m", "-M", "--move") for w in args):
        return False
    return len([w for w in args if not w.startswith("-")]) == 1


def _fed_matters(sub: str, args: tuple[str, ...]) -> bool:
    """Whether arguments added after ``git SUB ARGS`` could bypass the hooks or create or pick
    a branch the guard would check."""
    if sub in _HOOKED or sub == "config" or sub not in GIT_COMMANDS:
        return True
    if sub in ("checkout", "switch", "branch", "worktree"):
        return not any(w in ("-d", "-D", "--delete", "--", "-l", "--list") for w in args)
    return False


def _unreadable_argument(args: tuple[str, ...], *, commit: bool) -> str | None:
    """The first argument of ``git commit``/``push``/``merge`` the shell computes that could
    become an option: a dynamic word that is not an option's value, or one the shell may split
    (a quoted value, like ``-m "$MSG"``, stays one word)."""
    valued = _COMMIT_LONG_VALUE if commit else _PUSH_LONG_VALUE
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word == "--":
            return None  # paths follow
        if is_dynamic(word):
            attached = word.startswith("--") and "=" in word.partition("$")[0]
            attached = attached or (commit and word[:2] in ("-m", "-F") and len(word) > 2)
            if is_split(word) or not (attached or _names_the_branch(word)):
                return word
            continue
        if word.startswith("--"):
            if word in valued and index < len(args):
                if is_split(args[index]):
                    return args[index]
                index += 1
        elif word.startswith("-") and len(word) > 1:
            takes_next = _commit_cluster(word)[1] if commit else word == "-o"
            if takes_next and index < len(args):
                if is_split(args[index]):
                    return args[index]
                index += 1
    return None


def _names_the_branch(word: str) -> bool:
    """A quoted ``"$(git branch --show-current)"`` (or the rev-parse, symbolic-ref spelling):
    a branch name, which never starts with '-'."""
    inner: tuple[str, ...] = getattr(word, "inner", ())
    if len(inner) != 1 or word != f"$({inner[0]})":
        return False
    return " ".join(shell_words(inner[0])) in _BRANCH_QUERIES


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


def _config_write(args: tuple[str, ...]) -> tuple[str, str | None] | None:
    """(key, value) when ``git config ARGS`` sets, adds or replaces a key; (key, None) when it
    unsets one; None when it writes no key (reads, lists, edits)."""
    positional: list[str] = []
    writes = False
    reads = False
    unsets = False
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word in ("--unset", "--unset-all"):
            writes = unsets = True
        elif word in ("--replace-all", "--add", "--rename-section"):
            writes = True
        elif word in ("--get", "--get-all", "--get-regexp", "--list", "-l", "--get-urlmatch"):
            reads = True
        elif word in ("--file", "-f", "--blob", "--type", "--default", "--comment", "--value"):
            index += 1
        elif not word.startswith("-") or is_split(word):
            positional.append(word)
    if positional[:1] == ["set"]:
        writes, positional = True, positional[1:]
    elif positional[:1] == ["unset"]:
        writes, unsets, positional = True, True, positional[1:]
    elif positional[:1] in (["get"], ["list"], ["edit"]):
        return None
    if not positional or reads:
        return None
    if unsets:
        return positional[0], None
    if writes or len(positional) > 1:
        return positional[0], positional[1] if len(positional) > 1 else None
    return None


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
