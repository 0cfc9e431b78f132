"""No traceback, ever: every command and stage, with bad arguments and in bad environments, ends
with a message and exit code 0, 1 or 2 — never a Python traceback, never an "internal error"
(the catch-all that would otherwise hide one).

All cases run once, concurrently per environment, in a module fixture; each is then its own
test so a failure names the command and the environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from testing.util import BIN, CLI, IDENTITY

Arg = str | bytes
ZERO = "0" * 40
MISSING = "a" * 40  # a well-formed id of no object


@dataclass(frozen=True)
class Case:
    id: str
    env: str
    argv: tuple[Arg, ...]
    stdin: bytes | None = None


# Placeholders filled in per case: {dir} a folder, {msg} a fresh commit message file,
# {garbage} a file of junk, {fifo} a fifo nothing writes to.
COMMANDS: list[tuple[str, tuple[Arg, ...], bytes | None]] = [
    ("validate", ("validate",), None),
    ("validate-json", ("validate", "--format", "json"), None),
    ("schema", ("schema",), None),
    ("branch-render", ("branch", "render", "--ticket", "T-1", "--repo", "r", "--run", "x"), None),
    ("branch-check", ("branch", "check"), None),
    ("run-pre-commit", ("run", "pre-commit"), None),
    ("run-pre-commit-json", ("run", "pre-commit", "--format", "json"), None),
    ("run-prepare-commit-msg", ("run", "prepare-commit-msg", "{msg}"), None),
    ("run-commit-msg", ("run", "commit-msg", "{msg}"), None),
    (
        "run-pre-push",
        ("run", "pre-push", "origin", "git@example.com:acme/repo.git"),
        f"refs/heads/abc-1/repo/run-1 {MISSING} refs/heads/abc-1/repo/run-1 {ZERO}\n".encode(),
    ),
    ("run-pre-receive", ("run", "pre-receive"), f"{ZERO} {MISSING} refs/heads/a/b/c\n".encode()),
    (
        "run-reference-transaction",
        ("run", "reference-transaction", "committed"),
        f"{ZERO} {MISSING} refs/remotes/origin/a/b/c\n".encode(),
    ),
    ("ci", ("ci", "--base", "HEAD~1", "--head", "HEAD"), None),
    ("init", ("init",), None),
    ("install", ("install",), None),
    ("uninstall", ("uninstall",), None),
    ("doctor", ("doctor",), None),
    ("onboard", ("onboard",), None),
    ("status", ("status",), None),
    ("status-json", ("status", "--format", "json"), None),
    ("pr-record", ("pr", "record", "--url", "https://example.com/acme/repo/pull/7"), None),
]

ENVIRONMENTS = [
    "repo",  # a sound repository: the commands' ordinary path
    "outside-a-repo",
    "bare-repo",
    "METAWSM_DB-is-a-folder",
    "METAWSM_POLICY-is-garbage",
    "METAWSM_POLICY-is-missing",
    "GIT_DIR-is-bogus",
    "git-not-on-PATH",
    "HOME-missing",
    "deleted-cwd",
    "unreadable-cwd",
    "stdin-closed",
]

BAD_ARGUMENTS: list[tuple[str, tuple[Arg, ...], bytes | None]] = [
    ("no-arguments", (), None),
    ("unknown-flag", ("--bogus",), None),
    ("unknown-command", ("nope",), None),
    ("validate-bad-format", ("validate", "--format", "xml"), None),
    ("validate-missing-file", ("validate", "/nonexistent/policy.json"), None),
    ("validate-folder", ("validate", "{dir}"), None),
    ("validate-garbage-strict-json", ("validate", "--strict", "--format=json", "{garbage}"), None),
    ("validate-undecodable-path", ("validate", b"/nonexistent/\xff\xfe.json"), None),
    ("schema-extra", ("schema", "extra"), None),
    ("branch-alone", ("branch",), None),
    ("branch-render-missing", ("branch", "render"), None),
    ("branch-render-empty", ("branch", "render", "--ticket", "", "--repo", "", "--run", ""), None),
    (
        "branch-render-odd-template",
        ("branch", "render", "--ticket", "a", "--repo", "b", "--run", "c", "--template", "{x"),
        None,
    ),
    ("branch-check-empty", ("branch", "check", ""), None),
    ("branch-check-undecodable", ("branch", "check", b"\xff\xfe/x/y"), None),
    ("branch-check-newline", ("branch", "check", "a\nb/c/d"), None),
    ("run-alone", ("run",), None),
    ("run-unknown-stage", ("run", "bogus"), None),
    ("run-format-without-value", ("run", "pre-commit", "--format"), None),
    ("run-bad-format", ("run", "pre-commit", "--format", "xml"), None),
    ("run-policy-without-value", ("run", "pre-commit", "--policy"), None),
    ("run-policy-folder", ("run", "pre-commit", "--policy", "{dir}"), None),
    ("run-db-folder", ("run", "pre-commit", "--db", "{dir}"), None),
    ("run-db-under-a-file", ("run", "pre-commit", "--db", "{garbage}/x.db"), None),
    ("commit-msg-no-file", ("run", "commit-msg"), None),
    ("commit-msg-missing-file", ("run", "commit-msg", "/nonexistent/MSG"), None),
    ("commit-msg-folder", ("run", "commit-msg", "{dir}"), None),
    ("commit-msg-fifo", ("run", "commit-msg", "{fifo}"), None),
    ("prepare-commit-msg-fifo", ("run", "prepare-commit-msg", "{fifo}"), None),
    ("prepare-commit-msg-missing", ("run", "prepare-commit-msg", "/nonexistent", "message"), None),
    ("prepare-commit-msg-folder", ("run", "prepare-commit-msg", "{dir}"), None),
    ("pre-push-no-arguments", ("run", "pre-push"), None),
    ("pre-push-one-argument", ("run", "pre-push", "origin"), None),
    ("pre-push-garbage-stdin", ("run", "pre-push", "origin", "url"), b"garbage\n"),
    ("pre-push-binary-stdin", ("run", "pre-push", "origin", "url"), bytes(range(256)) * 8),
    (
        "pre-push-option-like-remote",
        ("run", "pre-push", "--upload-pack=touch /tmp/x", "-x"),
        f"HEAD {MISSING} refs/heads/a/b/c {ZERO}\n".encode(),
    ),
    ("pre-receive-garbage-stdin", ("run", "pre-receive"), b"garbage\n"),
    (
        "reference-transaction-binary-stdin",
        ("run", "reference-transaction", "committed"),
        bytes(range(256)) * 8 + b" refs/remotes/x\n",
    ),
    ("pre-receive-binary-stdin", ("run", "pre-receive"), bytes(range(256)) * 8),
    ("ci-alone", ("ci",), None),
    ("ci-unknown-base", ("ci", "--base", "nope", "--head", "HEAD"), None),
    ("ci-unknown-head", ("ci", "--base", "HEAD", "--head", "nope"), None),
    ("ci-option-like-rev", ("ci", "--base=--output=/tmp/x", "--head", "HEAD"), None),
    ("init-extra", ("init", "extra"), None),
    ("install-bad-type", ("install", "--hook-type", "nope"), None),
    ("uninstall-bad-flag", ("uninstall", "--bogus"), None),
    ("doctor-db-missing-folder", ("doctor", "--db", "/nonexistent/dir/x.db"), None),
    ("doctor-db-garbage", ("doctor", "--db", "{garbage}"), None),
    ("onboard-policy-without-value", ("onboard", "--policy"), None),
    ("status-limit-text", ("status", "--limit", "x"), None),
    ("status-limit-negative", ("status", "--limit", "-5"), None),
    ("status-db-garbage-json", ("status", "--format", "json", "--db", "{garbage}"), None),
    ("pr-alone", ("pr",), None),
    ("pr-record-no-url", ("pr", "record"), None),
    ("pr-record-negative", ("pr", "record", "--url", "x", "--number", "-1"), None),
    ("pr-record-huge-number", ("pr", "record", "--url", "x", "--number", "9" * 30), None),
    ("pr-record-bad-state", ("pr", "record", "--url", "x", "--state", "bogus"), None),
    ("pr-record-unfitting-branch", ("pr", "record", "--url", "x", "--branch", "Bad Name"), None),
    ("pr-record-url-number-overflow", ("pr", "record", "--url", "x/pull/" + "9" * 30), None),
    ("version", ("--version",), None),
    ("help", ("--help",), None),
    ("run-help", ("run", "--help"), None),
]

CASES = [
    *(
        Case(f"{env}:{name}", env, argv, stdin)
        for env in ENVIRONMENTS
        for name, argv, stdin in COMMANDS
    ),
    *(Case(f"repo:{name}", "repo", argv, stdin) for name, argv, stdin in BAD_ARGUMENTS),
]


def _run(argv: list[Arg], cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)


@dataclass
class World:
    base_env: dict[str, str]
    root: Path
    repo: Path
    bare: Path
    outside: Path
    garbage: Path
    folder: Path


def _build_world(root: Path) -> World:
    home = root / "home"
    home.mkdir()
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test Author\n\temail = author@example.com\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "METAWSM_", "PRE_COMMIT"))
    }
    env.update(IDENTITY)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        NO_COLOR="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        GIT_CEILING_DIRECTORIES=str(root),
    )
    repo = root / "repo"
    repo.mkdir()
    _run(["git", "init", "-q", "-b", "main"], repo, env)
    (repo / ".metawsm").mkdir()
    (repo / ".metawsm" / "policy.json").write_text(
        '{"git_pr": {"required_checks": ["tests", "forbidden_files"], "test_commands": ["true"]},'
        ' "operator": {"llm": {"mode": "off"}}}\n'
    )
    (repo / "README.md").write_text("hello\n")
    _run(["git", "add", "-A"], repo, env)
    _run(["git", "commit", "-q", "-m", "one"], repo, env)
    (repo / "a.txt").write_text("a\n")
    _run(["git", "add", "-A"], repo, env)
    _run(["git", "commit", "-q", "-m", "two"], repo, env)
    _run(["git", "checkout", "-q", "-b", "abc-1/repo/run-1"], repo, env)
    bare = root / "bare.git"
    _run(["git", "clone", "-q", "--bare", str(repo), str(bare)], root, env)
    outside = root / "outside"
    outside.mkdir()
    garbage = root / "garbage.json"
    garbage.write_bytes(b"\x00\xff{[" * 100)
    folder = root / "a-folder"
    folder.mkdir()
    os.mkfifo(root / "a-fifo")  # nothing ever writes to it: reading it would hang
    return World(env, root, repo, bare, outside, garbage, folder)


def _prepare(world: World, case: Case, index: int) -> tuple[list[Arg], Path, dict[str, str]]:
    env = dict(world.base_env)
    cwd = world.repo
    scratch = world.root / "cases" / str(index)
    scratch.mkdir(parents=True)
    msg = scratch / "COMMIT_EDITMSG"
    msg.write_bytes(b"a message\n")
    places = {
        "{dir}": str(world.folder),
        "{msg}": str(msg),
        "{garbage}": str(world.garbage),
        "{fifo}": str(world.root / "a-fifo"),
    }

    def fill(arg: Arg) -> Arg:
        if isinstance(arg, bytes):
            return arg
        for key, value in places.items():
            arg = arg.replace(key, value)
        return arg

    argv: list[Arg] = [CLI, *(fill(a) for a in case.argv)]
    if case.env == "outside-a-repo":
        cwd = world.outside
    elif case.env == "bare-repo":
        cwd = world.bare
    elif case.env == "METAWSM_DB-is-a-folder":
        env["METAWSM_DB"] = str(world.folder)
    elif case.env == "METAWSM_POLICY-is-garbage":
        env["METAWSM_POLICY"] = str(world.garbage)
    elif case.env == "METAWSM_POLICY-is-missing":
        env["METAWSM_POLICY"] = str(world.root / "no-such-policy.json")
    elif case.env == "GIT_DIR-is-bogus":
        env["GIT_DIR"] = str(world.root / "no-such-git-dir")
    elif case.env == "git-not-on-PATH":
        env["PATH"] = str(scratch)  # neither git nor sh; the script's interpreter is absolute
    elif case.env == "HOME-missing":
        for key in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            env.pop(key, None)
    elif case.env == "deleted-cwd":
        gone = world.repo / "gone" / str(index)
        gone.mkdir(parents=True)
        argv = [
            "/bin/sh",
            "-c",
            'd=$1; shift; cd "$d" && rmdir "$d" && exec "$@"',
            "sh",
            str(gone),
            *argv,
        ]
    elif case.env == "unreadable-cwd":
        locked = world.repo / "locked" / str(index)
        locked.mkdir(parents=True)
        locked.chmod(0o111)  # may be entered, not listed (root is not stopped by it)
        cwd = locked
    elif case.env == "stdin-closed":
        argv = ["/bin/sh", "-c", 'exec "$@" <&-', "sh", *argv]
    return argv, cwd, env


@dataclass(frozen=True)
class Outcome:
    returncode: int
    out: str
    err: str


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    world = _build_world(tmp_path_factory.mktemp("world"))
    by_env: dict[str, list[tuple[int, Case]]] = {}
    for index, case in enumerate(CASES):
        by_env.setdefault(case.env, []).append((index, case))
    results: dict[str, Outcome] = {}

    def run_env(cases: list[tuple[int, Case]]) -> None:
        # One environment's cases in order (some write hooks or policies); environments at once.
        for index, case in cases:
            argv, cwd, env = _prepare(world, case, index)
            feed = None if case.env == "stdin-closed" else case.stdin
            try:
                proc = subprocess.run(
                    argv,
                    cwd=cwd,
                    env=env,
                    input=feed if feed is not None else b"",
                    capture_output=True,
                    timeout=20,
                )
            except subprocess.TimeoutExpired as exc:
                results[case.id] = Outcome(-1, "", f"hung: {exc}")
                continue
            results[case.id] = Outcome(
                proc.returncode,
                proc.stdout.decode("utf-8", "replace"),
                proc.stderr.decode("utf-8", "replace"),
            )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(run_env, by_env.values()))
    yield results
    for locked in (world.repo / "locked").glob("*"):
        locked.chmod(0o755)
    shutil.rmtree(world.root, ignore_errors=True)


# Cases whose exact ending matters beyond "no traceback".
EXPECTED = {
    "repo:run-alone": (2, "run needs a stage"),  # never help-and-pass: a hook would fail open
    "repo:pr-record-huge-number": (2, "is above 2^53 - 1 (9007199254740991)"),
    "repo:pr-record-url-number-overflow": (2, "give the PR's real number with --number N"),
    "repo:run-db-under-a-file": (1, "(the file cannot be opened or created)"),
    "repo:commit-msg-fifo": (2, "not a regular file"),
    "repo:prepare-commit-msg-fifo": (2, "not a regular file"),
    "deleted-cwd:run-pre-commit": (2, "it was deleted or cannot be read"),
    "deleted-cwd:status": (2, "it was deleted or cannot be read"),
    "git-not-on-PATH:run-pre-commit": (2, "install git"),
    "METAWSM_DB-is-a-folder:run-pre-push": (1, "cannot open the store"),
    "METAWSM_POLICY-is-garbage:run-pre-push": (1, "invalid JSON"),
}


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_no_traceback(outcomes: dict[str, Outcome], case: Case) -> None:
    result = outcomes[case.id]
    text = result.out + result.err
    assert "Traceback" not in text, text
    assert "internal error" not in text, text
    assert result.returncode in (0, 1, 2), (result.returncode, text)
    if result.returncode != 0:
        assert text.strip(), "a failure says why"
    if case.id in EXPECTED:
        code, needle = EXPECTED[case.id]
        assert (result.returncode, needle in text) == (code, True), text


def test_every_command_and_stage_is_covered() -> None:
    from metawsm_hooks.constants import HOOK_TYPES

    words = [[a for a in argv if isinstance(a, str)] for _, argv, _ in COMMANDS]
    covered = {argv[0] for argv in words}
    covered |= {f"run {argv[1]}" for argv in words if argv[0] == "run"}
    assert covered >= {
        "validate",
        "schema",
        "branch",
        "ci",
        "init",
        "install",
        "uninstall",
        "doctor",
        "onboard",
        "status",
        "pr",
        *(f"run {stage}" for stage in HOOK_TYPES),
    }
