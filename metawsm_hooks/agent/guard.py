"""``metawsm-hooks agent pre-tool-use``: the PreToolUse hook in front of a coding agent's shell.

The agent (Claude Code, Codex) runs it before every shell tool call with the call as JSON on
stdin (``tool_name``, ``tool_input.command``, ``cwd``, …). Exit 0 allows the call, silently;
exit 2 refuses it, and what is written to stderr is shown to the model: what was refused, why
(the policy key), and the command that would be accepted. (Source: the hook documentation of
Claude Code and of Codex; both read exit 2 + stderr the same way, and Codex ignores an exit 2
with an empty stderr.)

Cost: this runs on every tool call. Input without ``git`` or ``METAWSM_SKIP`` in it once quotes
and backslashes are taken out, and with nothing the shell would expand, is allowed after reading
stdin, before even the JSON parser is imported; a git command that creates no branch, commit or
push (``git status``) is allowed after parsing the shell words; git's configured aliases are read
only for a subcommand git does not have; only a commit, a push, a branch creation or a skip
loads the policy.

Input that is not a tool call (not JSON, no command, an empty, closed or unreadable stdin) never
blocks: it is allowed, with one line on stderr saying so. A bad argument is a usage error
(exit 2, which the agent reads as a refusal: the one line says every call is refused until the
settings are fixed), never silently ignored.
"""

from __future__ import annotations

import os
import sys

from metawsm_hooks.constants import (
    AGENTS,
    DEBUG_ENV,
    MAX_NAME_BYTES,
    MAX_PATH_BYTES,
    RUN_ID_ENV,
    SKIP_ENV,
)
from metawsm_hooks.records import Record

# typing costs a measurable share of the guard's start-up; annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from metawsm_hooks.agent.rules import Concern
    from metawsm_hooks.agent.shell import Edit
    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.output import Output
    from metawsm_hooks.policy import Policy

ALLOW = 0
DENY = 2
USAGE = 2  # the README's usage error; to the agent, a refusal that says why
# Tool names under which agents run shell commands (Codex reports its shell as "Bash" too).
SHELL_TOOLS = frozenset({"bash", "shell", "local_shell", "exec_command", "container.exec"})


class GuardOptions(Record):
    agent: str = ""
    policy: str | None = None
    db: str | None = None


class Denial(Record):
    """One refused part of a command: ``what`` was refused, ``key`` is the policy setting that
    refuses it, ``why`` says why, ``instead`` is a command that would be accepted ('' when
    there is none), ``advice`` what to do otherwise."""

    what: str
    key: str
    why: str
    instead: str = ""
    advice: str = ""
    edit: Edit | None = None


def main(argv: Sequence[str], *, stdin: Any = None, stderr: Any = None) -> int:
    """Decide on one tool call read from ``stdin``; returns 0 (allow), 2 (deny, or a usage
    error in ``argv``)."""
    options = _options(argv)
    if isinstance(options, str):
        _say(stderr, options)
        return USAGE
    stream = stdin if stdin is not None else sys.stdin
    try:
        if stream is None:  # stdin closed: Python leaves sys.stdin None
            raise OSError("stdin is closed")
        data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # closed, a folder, unreadable: not a tool call
        _say(stderr, f"pre-tool-use guard: could not read the tool call ({exc}); allowed")
        return ALLOW
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else bytes(data)
    if not raw.strip():
        _say(stderr, "pre-tool-use guard: no tool call on stdin; allowed without a check")
        return ALLOW
    if _plainly_not_git(raw):
        return ALLOW
    from metawsm_hooks.output import Output

    out = Output(json_mode=True, err=stderr)
    try:
        command, cwd = _tool_call(raw, out)
        if command is None:
            return ALLOW
        from metawsm_hooks.agent.rules import concerns

        guard = Guard(options, out, cwd)
        found = concerns(command, aliases=guard.aliases)
        if not found:
            return ALLOW
        return guard.decide(command, found)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a guard that fails must not stop the agent's work
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        out.note(f"the pre-tool-use guard could not decide ({type(exc).__name__}: {exc}); allowed")
        return ALLOW


def _plainly_not_git(raw: bytes) -> bool:
    """The fast path: nothing in the input can run git or set a skip. Quotes and backslashes
    are taken out first (``g""it``, ``gi\\t`` are git to the shell); a ``$`` or backtick
    (``$'\\x67it'``, ``$GIT``, substitutions), a pattern or brace list (``/usr/bin/g?t``,
    ``{g,}it``) or a JSON ``\\u`` escape can hide either, so their lines are parsed."""
    if b"\\u" in raw or any(c in raw for c in b"$`*?"):
        return False
    if _bracketed(raw, b"[", b"]") or _bracketed(raw, b"{", b"}", list_only=True):
        return False
    plain = raw.translate(None, b"\"\\'").lower()
    return b"git" not in plain and b"metawsm_skip" not in plain


def _bracketed(raw: bytes, opening: bytes, closing: bytes, *, list_only: bool = False) -> bool:
    """Whether ``raw`` holds a pattern bracket (``g[i]t``) or brace list (``{g,}it``): one with
    no quote or blank inside, which JSON's own brackets always have around their strings."""
    start = raw.find(opening)
    while start != -1:
        end = raw.find(closing, start + 1)
        if end == -1:
            return False
        inside = raw[start + 1 : end]
        plain = inside and not any(c in inside for c in b"\"' \t\n\\")
        if plain and (not list_only or b"," in inside or b".." in inside):
            return True
        start = raw.find(opening, start + 1)
    return False


def _say(stderr: Any, text: str) -> None:
    """One line on stderr without the output module (its import is not paid on these paths)."""
    stream = stderr if stderr is not None else sys.stderr
    try:
        if stream is not None:
            stream.write(f"metawsm-hooks: {text}\n")
            stream.flush()
    except (OSError, ValueError):
        pass


def _options(argv: Sequence[str]) -> GuardOptions | str:
    """The guard's options, or the one-line usage error for a bad argument: the guard runs from
    the agent's settings, and a typo there must be said, not silently ignored."""
    values: dict[str, str] = {}
    index = 0
    while index < len(argv):
        flag, eq, value = argv[index].partition("=")
        index += 1
        if flag not in ("--agent", "--policy", "--db"):
            return _usage(f"unrecognized argument {_shown(argv[index - 1])}")
        if not eq:
            if index >= len(argv):
                return _usage(f"{flag} needs a value")
            value = argv[index]
            index += 1
        if flag == "--agent" and value not in AGENTS:
            return _usage(f"--agent {_shown(value)}: choose from {', '.join(AGENTS)}")
        if flag != "--agent" and not _is_path(value):
            return _usage(f"{flag} {_shown(value)}: not a usable path")
        values[flag] = value
    return GuardOptions(
        agent=values.get("--agent", ""), policy=values.get("--policy"), db=values.get("--db")
    )


def _usage(problem: str) -> str:
    return (
        f"usage error: agent pre-tool-use: {problem}; the guard's command in the agent's"
        " settings is wrong, and the agent reads this exit code 2 as a refusal, so every shell"
        " command is refused until it is fixed (run `metawsm-hooks install --agent claude|codex`"
        " again)"
    )


def _shown(value: str) -> str:
    return repr(value if len(value) <= 80 else value[:80] + "…")


def _is_path(value: str) -> bool:
    encoded = os.fsencode(value)
    return (
        bool(value)
        and "\0" not in value
        and len(encoded) <= MAX_PATH_BYTES
        and all(len(part) <= MAX_NAME_BYTES for part in encoded.split(b"/"))
    )


def _tool_call(raw: bytes, out: Output) -> tuple[str | None, str]:
    """(the shell command, the folder it runs in) of a PreToolUse call; (None, '') for a call
    that is not a shell command, with a note when the input is not a tool call at all."""
    import json

    try:
        call = json.loads(raw.decode("utf-8", "surrogateescape"))
    except (ValueError, UnicodeError, RecursionError):
        out.note("pre-tool-use guard: the input is not a JSON tool call; allowed without a check")
        return None, ""
    if not isinstance(call, dict):
        out.note("pre-tool-use guard: the input is not a JSON object; allowed without a check")
        return None, ""
    tool = call.get("tool_name")
    if isinstance(tool, str) and tool.lower() not in SHELL_TOOLS:
        return None, ""
    tool_input = call.get("tool_input")
    command = tool_input.get("command") if isinstance(tool_input, dict) else None
    if isinstance(command, list) and all(isinstance(word, str) for word in command):
        import shlex

        command = shlex.join(command)
    if not isinstance(command, str):
        out.note(
            "pre-tool-use guard: the tool call has no tool_input.command; allowed without a check"
        )
        return None, ""
    cwd = call.get("cwd")
    if not isinstance(cwd, str) or not cwd:
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = "/"
    return command, cwd


class Guard:
    """The decisions on one tool call that needs them; repositories and policies load once."""

    def __init__(self, options: GuardOptions, out: Output, cwd: str) -> None:
        self.options = options
        self.out = out
        self.cwd = cwd
        self._repos: dict[str, Repository | None] = {}
        self._policies: dict[str, Policy | None] = {}
        self._aliases: dict[str, dict[str, str]] = {}
        self._line = ""
        self._renamed: set[tuple[str | None, str]] = set()  # refused new branches, renamed

    # -- places ------------------------------------------------------------------------------

    def folder(self, concern: Concern) -> str:
        if concern.folder in (None, "?"):
            return self.cwd
        return os.path.normpath(os.path.join(self.cwd, concern.folder))

    def aliases(self, folder: str | None) -> dict[str, str]:
        """git's configured aliases where git runs (``folder`` relative to the tool call's
        cwd), by lower-case name: one ``git config --get-regexp`` read per folder, only for a
        git subcommand that is not git's own."""
        where = self.cwd if folder in (None, "?") else os.path.join(self.cwd, str(folder))
        if where not in self._aliases:
            import subprocess

            found: dict[str, str] = {}
            try:
                proc = subprocess.run(
                    ["git", "config", "-z", "--get-regexp", r"^alias\."],
                    cwd=where if os.path.isdir(where) else self.cwd,
                    capture_output=True,
                    check=False,
                )
                entries = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
            except OSError:
                entries = []
            for entry in entries:
                key, _, value = entry.partition("\n")
                if key.lower().startswith("alias."):
                    found[key[len("alias.") :].lower()] = value
            self._aliases[where] = found
        return self._aliases[where]

    def repository(self, folder: str) -> Repository | None:
        if folder not in self._repos:
            from pathlib import Path

            from metawsm_hooks.errors import FatalError
            from metawsm_hooks.git.repository import Repository

            try:
                self._repos[folder] = Repository.discover(Path(folder))
            except FatalError:
                self._repos[folder] = None
        return self._repos[folder]

    def policy(self, repo: Repository | None) -> Policy | None:
        """The policy the hooks of ``repo`` enforce, resolved as every client resolves it
        (``layout.resolve_policy``; the tracked file read from HEAD, not the index, to spare a
        git call); None when it is invalid (the hooks block with its errors; the guard leaves
        that to them)."""
        key = str(repo.git_dir) if repo is not None else ""
        if key not in self._policies:
            from pathlib import Path

            from metawsm_hooks.errors import FatalError
            from metawsm_hooks.layout import resolve_policy

            tree = None
            if repo is not None and repo.workdir is not None:
                try:
                    tree = repo.commit_source("HEAD")
                except FatalError:  # an unborn branch: nothing tracked yet
                    tree = None
            resolved = resolve_policy(
                repo=repo,
                named=Path(self.options.policy) if self.options.policy else None,
                tree=tree,
                where="HEAD",
                cwd=Path(self.cwd),
            )
            self._policies[key] = resolved.result.policy if resolved.result.valid else None
        return self._policies[key]

    # -- deciding ----------------------------------------------------------------------------

    def decide(self, command: str, found: Sequence[Concern]) -> int:
        self._line = command
        denials: list[Denial] = []
        for concern in found:
            denial = self.judge(concern)
            if denial is not None and denial not in denials:
                denials.append(denial)
        if not denials:
            return ALLOW
        self.explain(command, denials)
        self.record(command, denials)
        return DENY

    def judge(self, concern: Concern) -> Denial | None:
        if concern.kind == "bypass":
            return _bypass(concern)
        if concern.kind == "unreadable":
            return Denial(
                what=concern.what,
                key="git_pr.required_checks",
                why=concern.value + "; a guard that cannot read a command refuses it",
                advice="write the git command out in full: no variables, substitutions,"
                " aliases or argument feeders (xargs, parallel, find -exec)",
            )
        folder = self.folder(concern)
        repo = self.repository(folder)
        if concern.kind == "skip":
            policy = self.policy(repo)
            if policy is not None and policy.hooks.agents.allow_skip:
                return None
            return Denial(
                what=concern.what,
                key="hooks.agents.allow_skip",
                why="agents may not skip the policy's checks (hooks.agents.allow_skip is false)",
                instead=concern.instead,
                advice="fix what the check reports instead; a person may allow skips by"
                " setting hooks.agents.allow_skip to true in the policy",
                edit=concern.edit,
            )
        if repo is None:
            return None  # git itself will refuse to run outside a repository
        policy = self.policy(repo)
        if policy is None or policy.git_pr.effective_mode() == "off":
            return None
        if concern.kind == "branch":
            return self._new_branch(concern, policy, repo)
        if concern.kind == "commit":
            return self._commit(concern, policy, repo)
        if concern.kind == "push":
            return self._push(concern, policy, repo)
        return None

    def _mismatch(self, name: str, policy: Policy, repo: Repository) -> tuple[str, str] | None:
        """(why, fitting name) when ``name`` does not fit the template and is not exempt."""
        import fnmatch

        from metawsm_hooks.branch import BranchMatch, check_branch
        from metawsm_hooks.stages.common import repo_name

        if name == policy.workspace.base_branch.strip():
            return None  # the base branch is exempt, as in the hooks
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in policy.hooks.exempt_branches):
            return None
        # The same fitting name the hooks and ``branch check`` suggest.
        found = check_branch(
            policy.git_pr.branch_template,
            name,
            repo=repo_name(repo),
            run=lambda: _run(repo),
        )
        if isinstance(found, BranchMatch):
            return None
        return (
            f"'{name}' does not fit git_pr.branch_template '{found.template}': {found.reason}",
            found.example,
        )

    def _new_branch(self, concern: Concern, policy: Policy, repo: Repository) -> Denial | None:
        from metawsm_hooks.agent.shell import is_dynamic, rewrite

        if is_dynamic(concern.value):
            return Denial(
                what=f"creating branch '{concern.value}'",
                key="git_pr.branch_template",
                why=f"the guard cannot tell the name '{concern.value}' becomes, so not whether"
                " it fits git_pr.branch_template",
                advice="write the branch name out",
            )
        mismatch = self._mismatch(concern.value, policy, repo)
        if mismatch is None:
            return None
        why, fitting = mismatch
        self._renamed.add((concern.folder, concern.value))
        words = tuple(fitting if w == concern.value else w for w in concern.command.words)
        fixed = concern.command._replace(words=words)
        return Denial(
            what=f"creating branch '{concern.value}'",
            key="git_pr.branch_template",
            why=why + "; the commit and push hooks would refuse its commits",
            instead=fixed.text(),
            advice="use the run's real ticket and run id in the name",
            edit=rewrite(self._line, fixed),
        )

    def _commit(self, concern: Concern, policy: Policy, repo: Repository) -> Denial | None:
        if _skips_branch(policy):
            return None
        from metawsm_hooks.agent.shell import is_dynamic, rewrite

        branch = concern.value
        if is_dynamic(branch):
            return Denial(
                what=f"committing on branch '{branch}'",
                key="git_pr.branch_template",
                why=f"the guard cannot tell the branch '{branch}' becomes, so not whether it"
                " fits git_pr.branch_template",
                advice="write the branch name out",
            )
        if not branch:
            head = repo.head()
            if head.detached or not head.branch:
                return None  # the pre-commit stage checks no branch on a detached HEAD
            branch = head.branch
        mismatch = self._mismatch(branch, policy, repo)
        if mismatch is None:
            return None
        why, fitting = mismatch
        # The line keeps everything it does (a switch to the branch first included); the
        # branch the commit lands on is renamed right before it, unless the refused creation
        # of that branch is already given the fitting name.
        renamed = (concern.folder, branch) in self._renamed
        before = "" if renamed else f"{_rename_here(concern.command, fitting)} && "
        return Denial(
            what=f"committing on branch '{branch}'",
            key="git_pr.branch_template",
            why=why + "; the pre-commit hook would refuse the commit",
            instead=f"{_rename(concern.folder, fitting)} && {concern.command.text()}",
            edit=rewrite(self._line, concern.command, before=before),
        )

    def _push(self, concern: Concern, policy: Policy, repo: Repository) -> Denial | None:
        from metawsm_hooks import remote as remotes

        allowed = policy.git_pr.repos()
        if not allowed or _skips("allowed_repos", policy):
            return None
        name = concern.value or _default_remote(repo)
        url = repo.remote_url(name) or name
        if remotes.is_allowed(url, allowed):
            return None
        fitting = [
            other
            for other in _remote_names(repo)
            if other != name and remotes.is_allowed(repo.remote_url(other) or "", allowed)
        ]
        instead = ""
        edit = None
        if fitting:
            from metawsm_hooks.agent.shell import rewrite

            words = list(concern.command.words)
            if concern.value and concern.value in words:
                words[words.index(concern.value)] = fitting[0]
            else:
                sub = words.index("push") if "push" in words else len(words) - 1
                words.insert(sub + 1, fitting[0])
            instead = concern.command._replace(words=tuple(words)).text()
            edit = rewrite(self._line, concern.command, words=tuple(words))
        shown = redact(url)
        return Denial(
            what=f"pushing to {shown}",
            key="git_pr.allowed_repos",
            why=f"{remotes.describe(shown)} is not in git_pr.allowed_repos ({', '.join(allowed)})",
            instead=instead,
            advice="" if instead else "push to one of the allowed repositories",
            edit=edit,
        )

    # -- telling -----------------------------------------------------------------------------

    def explain(self, command: str, denials: Sequence[Denial]) -> None:
        """What was refused and why, one line each, then what would be accepted: the whole
        line with every refused part fixed, when each can be; else the commands that would be
        accepted (one that another one already contains is not repeated)."""
        from metawsm_hooks.agent.shell import apply

        self.out.note(f"refused: {redact(command)}")
        for denial in denials:
            self.out.note(f"- {redact(denial.what)}: {redact(denial.why)} (policy: {denial.key})")
        edits = [d.edit for d in denials if d.edit is not None]
        if len(edits) == len(denials):
            insteads = [apply(command, edits)]
        else:
            insteads = [d.instead for d in denials if d.instead]
        for instead in dict.fromkeys(insteads):
            if not any(instead != other and instead in other for other in insteads):
                self.out.note(f"run instead: {redact(instead)}")
        for advice in dict.fromkeys(d.advice for d in denials if d.advice):
            self.out.note(advice)

    def record(self, command: str, denials: Sequence[Denial]) -> None:
        """The audit row of the refusal; a store that cannot be written is said, not fatal."""
        import json
        from pathlib import Path

        from metawsm_hooks.agent.actor import AGENT, actor_from
        from metawsm_hooks.constants import STORE_BUSY_TIMEOUT
        from metawsm_hooks.errors import FatalError
        from metawsm_hooks.stages.common import actor_of, store_location
        from metawsm_hooks.store import HookRun, Store

        repo = self.repository(self.cwd)
        if repo is None and self.options.db is None:
            return
        marker = actor_from(os.environ)
        agent = self.options.agent or marker.agent or "unknown"
        report = {
            "command": redact(command),
            "cwd": self.cwd,
            "agent": agent,
            "denials": [
                {
                    "what": redact(d.what),
                    "key": d.key,
                    "why": redact(d.why),
                    "instead": redact(d.instead),
                }
                for d in denials
            ],
        }
        try:
            path = (
                store_location(repo, self.options.db)
                if repo is not None
                else Path(str(self.options.db))
            )
            # The policy's busy timeout when the decision loaded it (a commit, a push, a branch
            # or a skip), else the default: the policy is not loaded for this alone.
            policy = self._policies.get(str(repo.git_dir) if repo is not None else "")
            timeout = (
                STORE_BUSY_TIMEOUT if policy is None else policy.hooks.store_busy_timeout_seconds
            )
            with Store.open(path, busy_timeout=timeout) as store:
                store.record_hook_run(
                    HookRun(
                        stage="pre-tool-use",
                        branch=None,
                        ticket=None,
                        repo=None,
                        run_id=None,
                        verdict="denied",
                        report_json=json.dumps(report, sort_keys=True),
                        skipped="",
                        actor=actor_of(repo) if repo is not None else agent,
                        detail="; ".join(f"{d.key}: {redact(d.what)}" for d in denials),
                        actor_kind=AGENT,
                        agent=agent,
                    )
                )
        except FatalError as exc:
            self.out.note(f"the refusal was not recorded: {exc.message}")


def _bypass(concern: Concern) -> Denial:
    what = concern.what
    if "hookspath" in what.lower():
        why = (
            "it switches git's hooks off (core.hooksPath), so the policy's checks would not run;"
            " agents may not switch them off"
        )
        advice = "" if concern.instead else "leave core.hooksPath as metawsm-hooks installed it"
    else:
        why = "it skips the git hooks that run the policy's checks; agents may not bypass them"
        advice = "if a check fails, fix what it reports"
    return Denial(
        what=what,
        key="git_pr.required_checks",
        why=why,
        instead=concern.instead,
        advice=advice,
        edit=concern.edit,
    )


def _rename(folder: str | None, name: str) -> str:
    """The command that renames the branch checked out in ``folder`` to ``name``."""
    import shlex

    where = f"-C {shlex.quote(folder)} " if folder not in (None, "?") else ""
    return f"git {where}branch -m {shlex.quote(name)}"


def _rename_here(command: Any, name: str) -> str:
    """The command that renames the branch checked out where the git ``command`` runs (its own
    global options kept: ``-C``, ``--git-dir``)."""
    import shlex

    from metawsm_hooks.agent.rules import parse_git

    call = parse_git(command)
    head = tuple(command.words[1 : call.sub_index]) if call is not None else ()
    return shlex.join(("git", *head, "branch", "-m", name))


def _skips(check: str, policy: Policy) -> bool:
    """METAWSM_SKIP names ``check`` and the actor may skip (a person, or an agent allowed to)."""
    from metawsm_hooks.agent.actor import actor_from

    names = {part.strip().lower() for part in os.environ.get(SKIP_ENV, "").split(",")}
    if check not in names:
        return False
    return not actor_from(os.environ).is_agent or policy.hooks.agents.allow_skip


def _skips_branch(policy: Policy) -> bool:
    return _skips("branch", policy)


def _run(repo: Repository) -> str:
    """metawsm's run id when this session has one, else the run id the hooks suggest for HEAD
    (``run-YYYYMMDD-HHMMSS``, ``stages.common.run_stamp``)."""
    given = os.environ.get(RUN_ID_ENV, "").strip()
    if given:
        return given
    from metawsm_hooks.stages.common import run_stamp

    return run_stamp(repo)


def _default_remote(repo: Repository) -> str:
    """Where a bare ``git push`` goes: the branch's push remote, ``remote.pushDefault``, the
    branch's remote, else ``origin`` (source: git-push(1), "remote.<name>.pushurl")."""
    head = repo.head()
    keys = []
    if head.branch:
        keys.append(f"branch.{head.branch}.pushRemote")
    keys.append("remote.pushDefault")
    if head.branch:
        keys.append(f"branch.{head.branch}.remote")
    for key in keys:
        value = repo.config_value(key)
        if value:
            return value
    return "origin"


def _remote_names(repo: Repository) -> list[str]:
    import subprocess

    proc = subprocess.run(
        ["git", "remote"], cwd=repo.workdir or repo.git_dir, capture_output=True, check=False
    )
    return [line for line in proc.stdout.decode(errors="replace").splitlines() if line]


_SECRET_PATTERNS = (
    # user:password@ (or a token as the user) in URLs
    (r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@", r"\1***@"),
    # well-known token shapes
    (r"\b(gh[pousr]_[A-Za-z0-9]{8,}|github_pat_[A-Za-z0-9_]{8,}|glpat-[A-Za-z0-9_-]{8,})", "***"),
    (r"\b(sk-[A-Za-z0-9_-]{16,}|xox[abpr]-[A-Za-z0-9-]{8,}|AKIA[0-9A-Z]{16})", "***"),
    # Authorization headers and NAME=secret assignments
    (r"(?i)(authorization:\s*(?:bearer|basic|token)?\s*)\S+", r"\1***"),
    (r"(?i)\b([A-Z0-9_]*(?:TOKEN|PASSWORD|PASSWD|SECRET|API_KEY)[A-Z0-9_]*=)\S+", r"\1***"),
)


def redact(text: str) -> str:
    """``text`` with credentials replaced by ``***``: URL user info, well-known token shapes,
    Authorization headers and ``*TOKEN*=``/``*PASSWORD*=``/``*SECRET*=`` values."""
    import re

    for pattern, replacement in _SECRET_PATTERNS:
        text = re.sub(pattern, replacement, text)
    return text
