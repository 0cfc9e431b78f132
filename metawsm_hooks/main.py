"""The command line: argparse → typed values → one function of ``commands`` → exit code.

``run STAGE`` is what every hook process executes, so it is parsed by hand and this module
imports neither argparse nor typing: the parser is built only for the other commands and for
``--help``.
"""

from __future__ import annotations

import errno
import itertools
import os
import sys

from metawsm_hooks import __version__
from metawsm_hooks.constants import (
    AGENTS,
    DB_ENV,
    DEBUG_ENV,
    HOOK_TYPES,
    MAX_NAME_BYTES,
    MAX_PATH_BYTES,
    POLICY_ENV,
    POLICY_RELPATH,
    PR_STATES,
    STORE_RELPATH,
)
from metawsm_hooks.errors import EXIT_PASS, EXIT_USAGE, FatalError
from metawsm_hooks.output import Output, guard_standard_streams
from metawsm_hooks.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from types import FrameType
    from typing import NoReturn


# An error message quotes at most this much of a value it was given.
_QUOTED_CHARS = 80


def quoted(value: str) -> str:
    """``value`` in quotes, cut to _QUOTED_CHARS characters (saying how many more)."""
    if len(value) <= _QUOTED_CHARS:
        return f"'{value}'"
    return f"'{value[:_QUOTED_CHARS]}...' ({len(value) - _QUOTED_CHARS} more characters)"


def checked_path(flag: str, value: str) -> str:
    """``value`` when the file system can take it as a path; else FatalError (usage)."""
    raw = os.fsencode(value)
    problem = None
    if b"\0" in raw:
        problem = "holds a NUL byte"
    elif len(raw) > MAX_PATH_BYTES:
        problem = f"is longer than {MAX_PATH_BYTES} bytes"
    elif any(len(part) > MAX_NAME_BYTES for part in raw.split(b"/")):
        problem = f"has a name longer than {MAX_NAME_BYTES} bytes"
    if problem:
        raise FatalError(f"{flag} {quoted(value)} {problem}; give a shorter path", exit_code=2)
    return value


def _path_type(flag: str) -> Callable[[str], Path]:
    # pathlib (with re, fnmatch and urllib) is imported where it is used: the agent guard runs
    # before every shell command an agent makes, and starts from this module.
    from pathlib import Path

    return lambda value: Path(checked_path(flag, value))


def _int_type(flag: str, low: int, high: int) -> Callable[[str], int]:
    def convert(value: str) -> int:
        try:
            number = int(value.strip()) if len(value) <= 40 else None
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise FatalError(
                f"{flag} {quoted(value)} is not a whole number from {low} to {high}", exit_code=2
            )
        return number

    return convert


def _common(
    parser: argparse.ArgumentParser, *, policy: bool = True, db: bool = False, fmt: bool = False
) -> None:
    if policy:
        parser.add_argument(
            "--policy",
            metavar="PATH",
            type=_path_type("--policy"),
            help=f"policy file to use (default: ${POLICY_ENV}, else the metawsm home's,"
            f" else {POLICY_RELPATH} tracked, else in the work tree, else metawsm's defaults)",
        )
    if db:
        parser.add_argument(
            "--db",
            metavar="PATH",
            type=lambda value: checked_path("--db", value),
            help=f"store to use (default: ${DB_ENV}, else the metawsm home's"
            f" {STORE_RELPATH}, else {STORE_RELPATH} under the main worktree)",
        )
    if fmt:
        parser.add_argument(
            "--format", choices=("human", "json"), default="human", help="output format"
        )


def _home_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--home",
        metavar="DIR",
        type=_path_type("--home"),
        help="the metawsm home (the folder metawsm runs from, holding .metawsm/): recorded as"
        " git config metawsm.home for every worktree; its policy and store are then used",
    )


def build_parser() -> argparse.ArgumentParser:
    import argparse

    class _Parser(argparse.ArgumentParser):
        """argparse whose usage errors say what to do in one line and exit 2."""

        def error(self, message: str) -> NoReturn:
            # argparse quotes what it was given whole: keep the message to a few lines' worth.
            if len(message) > 4 * _QUOTED_CHARS:
                message = message[: 4 * _QUOTED_CHARS] + "..."
            raise FatalError(f"{message} (see '{self.prog} --help')", exit_code=EXIT_USAGE)

        def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> object:
            # argparse drops a value that is exactly "--" (as if it ended the options) even
            # when it was attached (--ticket=--), and hands the option an empty list.
            if action.nargs is None and arg_strings == ["--"]:
                value = self._get_value(action, "--")
                self._check_value(action, value)
                return value
            return super()._get_values(action, arg_strings)

    parser = _Parser(
        prog="metawsm-hooks",
        description=f"Enforce a repository's metawsm policy ({POLICY_RELPATH}) in git hooks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser(
        "validate", help="validate policy files", description="Validate policy files."
    )
    p.add_argument(
        "paths",
        nargs="*",
        type=_path_type("PATH"),
        metavar="PATH",
        help="files (default: the repository's)",
    )
    p.add_argument("--strict", action="store_true", help="unknown keys are errors, not warnings")
    _common(p, fmt=True)

    sub.add_parser(
        "schema", help="print the policy's JSON Schema", description="Print the JSON Schema."
    )

    branch = sub.add_parser(
        "branch", help="render or check branch names", description="Branch names."
    )
    bsub = branch.add_subparsers(dest="branch_command", metavar="ACTION", parser_class=_Parser)
    bsub.required = True
    p = bsub.add_parser("render", help="print the branch name metawsm would create")
    p.add_argument("--ticket", required=True)
    p.add_argument("--repo", required=True)
    p.add_argument("--run", required=True)
    p.add_argument(
        "--template", help="branch template (default: the policy's git_pr.branch_template)"
    )
    _common(p)
    p = bsub.add_parser("check", help="does a branch name fit the template")
    p.add_argument("name", nargs="?", help="branch name (default: the current branch)")
    _common(p, fmt=True)

    p = sub.add_parser(
        "run",
        help="run a hook stage (what the scripts in hooks/ call)",
        description="Run a hook stage with the arguments and stdin git gives the hook.",
    )
    p.add_argument("stage", choices=HOOK_TYPES)
    p.add_argument(
        "hook_args", nargs=argparse.REMAINDER, metavar="ARGS", help="the hook's arguments"
    )
    _common(p, db=True, fmt=True)

    p = sub.add_parser(
        "ci", help="the push checks over a range, for CI", description="Push checks for CI."
    )
    p.add_argument("--base", required=True, metavar="REV")
    p.add_argument("--head", required=True, metavar="REV")
    p.add_argument(
        "--branch", metavar="NAME", help="branch the range belongs to (default: current)"
    )
    _common(p, db=True)
    p.add_argument(
        "--format",
        choices=("human", "json", "sarif"),
        default="human",
        help="output format (sarif: one SARIF 2.1.0 log, for code scanning)",
    )

    p = sub.add_parser(
        "init", help="write a default policy", description=f"Write {POLICY_RELPATH}."
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing policy file")
    p = sub.add_parser(
        "install", help="install the git hooks", description="Install the git hooks."
    )
    p.add_argument(
        "--hook-type",
        action="append",
        choices=HOOK_TYPES,
        dest="hook_types",
        help="hook to install (repeatable; default: pre-commit, commit-msg, pre-push)",
    )
    _home_option(p)
    p.add_argument(
        "--shared",
        action="store_true",
        help="install into a hooks folder outside the repository (a global core.hooksPath),"
        " which every repository using it shares; those without a metawsm policy pass",
    )
    p.add_argument(
        "--agent",
        action="append",
        choices=AGENTS,
        dest="agents",
        help="merge the PreToolUse guard into this agent's project settings instead"
        " (.claude/settings.json, .codex/config.toml; repeatable)",
    )
    p = sub.add_parser("uninstall", help="remove the git hooks, restoring chained ones")
    p.add_argument(
        "--agent",
        action="append",
        choices=AGENTS,
        dest="agents",
        help="take the PreToolUse guard out of this agent's project settings instead",
    )
    agent = sub.add_parser(
        "agent", help="hooks coding agents run", description="Hooks coding agents run."
    )
    asub = agent.add_subparsers(dest="agent_command", metavar="EVENT", parser_class=_Parser)
    asub.required = True
    p = asub.add_parser(
        "pre-tool-use",
        help="the guard agents run before a shell command (reads the tool call on stdin)",
        description="Decide on one agent tool call (JSON on stdin): exit 0 allows it, exit 2"
        " refuses it with the reason on stderr.",
    )
    p.add_argument("--agent", choices=AGENTS, help="the agent running it (for the audit)")
    _common(p, db=True)
    p = sub.add_parser("doctor", help="check the setup and say how to fix it")
    _common(p, db=True, fmt=True)
    p = sub.add_parser("onboard", help="init + install + doctor")
    p.add_argument("--force", action="store_true", help="overwrite an existing policy file")
    _home_option(p)
    _common(p, db=True)

    p = sub.add_parser("status", help="recorded pull requests and recent hook runs")
    p.add_argument("--ticket")
    p.add_argument(
        "--limit",
        type=_int_type("--limit", 1, 100_000),
        default=20,
        help="hook runs to show (default 20, at most 100000)",
    )
    _common(p, policy=False, db=True, fmt=True)

    pr = sub.add_parser("pr", help="pull-request records", description="Pull-request records.")
    psub = pr.add_subparsers(dest="pr_command", metavar="ACTION", parser_class=_Parser)
    psub.required = True
    p = psub.add_parser("record", help="record a PR for the branch's run/ticket/repo")
    p.add_argument("--url", required=True)
    # The command itself bounds the number (metawsm keeps it within JSON's exact integers).
    p.add_argument("--number", type=int, help="PR number (default: taken from the URL)")
    p.add_argument("--state", choices=PR_STATES, default="open")
    p.add_argument("--branch", help="branch (default: the current branch)")
    _common(p, db=True)
    return parser


class RunArgs(Record):
    """``run STAGE ARGS...``: the stage, the hook's own arguments and our flags taken from them."""

    stage: str
    hook_args: tuple[str, ...]
    policy: Path | None
    db: str | None
    json_mode: bool


_HELP = ("-h", "--help")


def _asks_help(stage: str, hook_args: Sequence[str]) -> bool:
    """Whether ``run STAGE -h|--help ...`` asks for the usage rather than a run of the stage.

    git never passes either word first on its own: commit-msg and prepare-commit-msg get the
    message file's path (``.git/COMMIT_EDITMSG``, or under ``.git/worktrees/NAME/``), never a file
    named ``--help``; reference-transaction gets ``prepared``, ``committed`` or ``aborted``;
    pre-commit and pre-receive get nothing. pre-push is the exception: its first argument is the
    remote's name and git accepts a remote named ``--help`` (``git remote add -- --help URL``), so
    there the word is help only when it stands alone, since git always passes the name and the
    URL. Read as help, a real hook call would exit 0 and let the commit or push through unchecked.
    """
    if not hook_args or hook_args[0] not in _HELP:
        return False
    return stage != "pre-push" or len(hook_args) == 1


def parse_run(rest: Sequence[str]) -> RunArgs:
    """The arguments after ``run``. Hook arguments follow the stage verbatim; only our own flags
    (``--policy``, ``--db``, ``--format``) are taken out of them. This is the path every hook
    takes, so the full parser is only built for ``--help``."""
    if not rest:
        # Not help and exit 0: a hook script that lost its stage would then let everything pass.
        raise FatalError(
            f"run needs a stage: one of {', '.join(HOOK_TYPES)} (see 'metawsm-hooks run --help')"
        )
    if rest[0] in _HELP or _asks_help(rest[0], rest[1:]):
        build_parser().parse_args(["run", "--help"])
    stage, hook_args = rest[0], rest[1:]
    if stage not in HOOK_TYPES:
        raise FatalError(f"unknown stage {quoted(stage)}; choose one of {', '.join(HOOK_TYPES)}")
    values: dict[str, str] = {}
    remaining: list[str] = []
    index = 0
    while index < len(hook_args):
        arg = hook_args[index]
        if arg == "--":
            remaining.extend(hook_args[index + 1 :])
            break
        flag, eq, value = arg.partition("=")
        if flag in ("--policy", "--db", "--format"):
            if not eq:
                if index + 1 >= len(hook_args):
                    raise FatalError(f"{flag} needs a value (see 'metawsm-hooks run --help')")
                index += 1
                value = hook_args[index]
            values[flag] = value
        else:
            remaining.append(arg)
        index += 1
    fmt = values.get("--format", "human")
    if fmt not in ("human", "json"):
        raise FatalError(f"--format must be human or json, not {quoted(fmt)}")
    for flag in ("--policy", "--db"):
        if flag in values:
            checked_path(flag, values[flag])
    from pathlib import Path

    return RunArgs(
        stage=stage,
        hook_args=tuple(remaining),
        policy=Path(values["--policy"]) if "--policy" in values else None,
        db=values.get("--db"),
        json_mode=fmt == "json",
    )


def _require_folder() -> None:
    """Every command but ``schema`` and ``branch render --template`` works in the current folder:
    one deleted from under the shell has no path, and would otherwise surface as an internal
    error."""
    try:
        os.getcwd()
    except OSError as exc:
        raise FatalError(
            f"cannot tell which folder this is ({exc.strerror}): it was deleted or cannot be"
            " read; cd into the repository and retry"
        ) from exc


def _dispatch(ns: argparse.Namespace, out: Output) -> int:
    """The parsed arguments as typed values, handed to the command's function."""
    policy: Path | None = getattr(ns, "policy", None)
    db: str | None = getattr(ns, "db", None)
    command: str = ns.command
    if command == "schema":
        from metawsm_hooks.commands.schema import schema

        return schema(out)
    if command == "branch" and ns.branch_command == "render":
        from metawsm_hooks.commands.branch import render

        if ns.template is None:
            _require_folder()
        return render(
            out, ticket=ns.ticket, repo=ns.repo, run=ns.run, template=ns.template, policy=policy
        )
    _require_folder()
    if command == "validate":
        from metawsm_hooks.commands.validate import validate

        return validate(out, tuple(ns.paths), strict=ns.strict, policy=policy)
    if command == "branch":
        from metawsm_hooks.commands.branch import check

        return check(out, ns.name, policy=policy)
    if command == "ci":
        from metawsm_hooks.commands.ci import ci

        return ci(
            out,
            base=ns.base,
            head=ns.head,
            branch=ns.branch,
            policy=policy,
            db=db,
            sarif=ns.format == "sarif",
        )
    if command == "init":
        from metawsm_hooks.commands.init import init

        return init(out, force=ns.force)
    if command == "install":
        from metawsm_hooks.commands.install import install

        if ns.agents:
            from metawsm_hooks.commands.agent import install_agents

            return install_agents(out, tuple(ns.agents))
        return install(out, hook_types=tuple(ns.hook_types or ()), home=ns.home, shared=ns.shared)
    if command == "uninstall":
        from metawsm_hooks.commands.install import uninstall

        if ns.agents:
            from metawsm_hooks.commands.agent import uninstall_agents

            return uninstall_agents(out, tuple(ns.agents))
        return uninstall(out)
    if command == "doctor":
        from metawsm_hooks.commands.doctor import doctor

        return doctor(out, policy=policy, db=db)
    if command == "onboard":
        from metawsm_hooks.commands.onboard import onboard

        return onboard(out, force=ns.force, policy=policy, db=db, home=ns.home)
    if command == "status":
        from metawsm_hooks.commands.status import status

        return status(out, ticket=ns.ticket, limit=max(1, ns.limit), db=db)
    if command == "pr":
        from metawsm_hooks.commands.pr import record

        return record(
            out,
            url=ns.url,
            number=ns.number,
            state=ns.state,
            branch=ns.branch,
            policy=policy,
            db=db,
        )
    raise FatalError(f"unknown command '{command}'", exit_code=EXIT_USAGE)


_signalled: list[int] = []


def _on_terminate(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into the same unwinding as Ctrl-C so every `finally` cleans up.
    _signalled.append(signum)
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code: 0 passed, 1 blocked, 2 usage or internal error,
    128 + the signal when interrupted."""
    argv = list(sys.argv[1:] if argv is None else argv)
    closed = guard_standard_streams()
    if argv[:2] == ["agent", "pre-tool-use"] and not {"-h", "--help"} & set(argv):
        # Runs before every shell command an agent makes: nothing else is set up for it.
        from metawsm_hooks.agent.guard import main as guard

        return guard(argv[2:])
    # Not the signal module: its enums cost a hook process about 1 ms (see ``signals``).
    from metawsm_hooks import signals

    wants_json = "--format=json" in argv or ("--format", "json") in itertools.pairwise(argv)
    out = Output(json_mode=wants_json)
    previous = signals.set_handler(signals.SIGTERM, _on_terminate)
    # A closed terminal or SSH session (SIGHUP) unwinds like SIGTERM: temporary checkouts go.
    hangup = signals.SIGHUP
    previous_hangup = signals.set_handler(hangup, _on_terminate) if hangup is not None else None
    try:
        if argv[:1] == ["run"]:
            hook = parse_run(argv[1:])
            out = Output(json_mode=hook.json_mode)
            _require_folder()
            from metawsm_hooks.commands.run import run

            return run(out, hook.stage, hook.hook_args, policy=hook.policy, db=hook.db)
        ns = build_parser().parse_args(argv)
        out = Output(json_mode=getattr(ns, "format", "human") == "json", output_is_product=True)
        code = _dispatch(ns, out)
        if 1 in closed and out.wrote_output:  # stdout was closed (`>&-`): /dev/null took it
            out.lost_output = out.lost_output or os.strerror(errno.EBADF)
        if out.lost_output is not None:
            # As coreutils: output that could not be written is a failure, said in one line.
            out.error(f"cannot write the output ({out.lost_output})")
            return max(code, EXIT_USAGE)
        return code
    except FatalError as exc:
        out.error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        out.error("interrupted; nothing was changed")
        return 128 + (_signalled[-1] if _signalled else signals.SIGINT)
    except SystemExit as exc:  # argparse's --help and --version
        return (
            exc.code
            if isinstance(exc.code, int)
            else (EXIT_PASS if exc.code is None else EXIT_USAGE)
        )
    except Exception as exc:  # the one place an unexpected error becomes a message
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        out.error(
            f"internal error: {type(exc).__name__}: {exc}; rerun with {DEBUG_ENV}=1 to see where,"
            " and report it"
        )
        return EXIT_USAGE
    finally:
        signals.set_handler(signals.SIGTERM, previous)
        if hangup is not None:
            signals.set_handler(hangup, previous_hangup)


if __name__ == "__main__":
    raise SystemExit(main())
