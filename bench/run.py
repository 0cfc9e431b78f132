"""Benchmark metawsm-hooks' stages against git itself and the pre-commit framework.

    python bench/run.py                 # full run, Markdown table for the README
    python bench/run.py --quick         # fewer rounds, the whole run in under two minutes
    python bench/run.py --format json   # one JSON object per scenario on stdout

Every repository is synthetic, built here with ``git fast-import`` in a temporary directory that is
removed afterwards. Git and the hooks run with isolated configuration (``GIT_CONFIG_GLOBAL``,
``GIT_CONFIG_NOSYSTEM``, ``HOME`` inside the temporary directory) and fixed dates. Each measured
command runs after a warm-up, the pair (ours, baseline) interleaved round by round; the table shows
medians and the median of the per-round ratios ours / baseline.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BRANCH = "abc-1/repo/run-1"
ZERO = "0" * 40
EPOCH = 1_700_000_000
# Files in the synthetic work trees get this mtime (before the index is written), so no index
# entry is "racily clean" and no run pays for re-hashing files the previous one already checked.
SETTLED_MTIME = EPOCH
PRE_COMMIT_HOOKS = "pre-commit-hooks==5.0.0"
RSS_TARGET_MIB = 40.0
FLOOR_HOOK = Path(__file__).resolve().parent / "floor_hook.py"
# The agent guard's command line after `metawsm-hooks` (Claude Code's and Codex's PreToolUse
# hook): the tool call arrives as JSON on stdin; exit 0 allows, 2 denies. The scenario is skipped
# with a note while this installation has no such command.
AGENT_GUARD_ARGS = ("agent", "pre-tool-use", "--agent", "claude")
STORE_EXCLUDE = "/.metawsm/metawsm.db*\n"

# Policies written into the synthetic repositories: metawsm's defaults (every required check,
# require_all) with the operator LLM off, since no LLM command exists here.
POLICY_DEFAULT = {"operator": {"llm": {"mode": "off"}}}
POLICY_SLOW_TESTS = {
    "operator": {"llm": {"mode": "off"}},
    "git_pr": {
        "required_checks": ["tests", "forbidden_files", "ticket_workflow", "clean_tree"],
        "test_commands": ["sleep 2"],
    },
}
POLICY_NO_TESTS = {
    "operator": {"llm": {"mode": "off"}},
    "git_pr": {
        "required_checks": ["tests", "forbidden_files", "ticket_workflow", "clean_tree"],
        "test_commands": [],
    },
}

# pre-commit-hooks' own definitions of the three hooks (its .pre-commit-hooks.yaml at v5.0.0),
# installed from PyPI as a local repository: the pinned package is the same code as the tag.
PRE_COMMIT_CONFIG = f"""\
repos:
-   repo: local
    hooks:
    -   id: no-commit-to-branch
        name: "Don't commit to branch"
        entry: no-commit-to-branch
        language: python
        additional_dependencies: ["{PRE_COMMIT_HOOKS}"]
        pass_filenames: false
        always_run: true
    -   id: check-added-large-files
        name: Check for added large files
        entry: check-added-large-files
        language: python
        additional_dependencies: ["{PRE_COMMIT_HOOKS}"]
        stages: [pre-commit, pre-push, manual]
    -   id: detect-private-key
        name: Detect Private Key
        entry: detect-private-key
        language: python
        additional_dependencies: ["{PRE_COMMIT_HOOKS}"]
        types: [text]
"""

# The whole-commit scenario: the same three checks under every hook manager. Ours enforces them
# from the policy (the branch template is always checked; forbidden_files is the one required
# check; hooks.commit_message=require blocks a message without the branch's ticket). The others
# run them as local hooks, each in its idiomatic form: a shell one-liner for the branch and the
# message, and the manager's own file filter for the forbidden patterns (pre-commit's and prek's
# `language: fail` with a `files` regex, lefthook's `glob`), so nothing starts unless a staged
# path matches. Every manager's hooks are shown to block before anything is measured.
POLICY_COMMIT = {
    "operator": {"llm": {"mode": "off"}},
    "git_pr": {"required_checks": ["forbidden_files"]},
    "hooks": {"commit_message": "require"},
}
# What metawsm's default branch_template {ticket}/{repo}/{run} renders to, and its default
# forbidden_file_patterns (.env .env.* *.pem *.key *.p12 *.pfx id_rsa id_ed25519), matched
# against the path's basename as our forbidden_files check does.
BRANCH_CHECK = (
    "git symbolic-ref --short HEAD | grep -Eq '^[a-z0-9-]+/[a-z0-9-]+/[a-z0-9-]+$'"
    " || { echo 'branch does not fit {ticket}/{repo}/{run}' >&2; exit 1; }"
)
TICKET_CHECK = (
    'b=$(git symbolic-ref --short HEAD) && grep -qi "^${b%%/*}: " "$1"'
    " || { echo 'the message must start with the ticket' >&2; exit 1; }"
)
FORBIDDEN_REGEX = r"(^|/)(\.env|\.env\..*|[^/]*\.(pem|key|p12|pfx)|id_rsa|id_ed25519)$"
FORBIDDEN_GLOBS = (
    ".env",
    "**/.env",
    ".env.*",
    "**/.env.*",
    "**/*.pem",
    "**/*.key",
    "**/*.p12",
    "**/*.pfx",
    "id_rsa",
    "**/id_rsa",
    "id_ed25519",
    "**/id_ed25519",
)
LOCAL_HOOKS_CONFIG = f"""\
default_install_hook_types: [pre-commit, commit-msg]
repos:
-   repo: local
    hooks:
    -   id: branch-name
        name: branch fits the template
        entry: {json.dumps("sh -c " + shlex.quote(BRANCH_CHECK))}
        language: system
        pass_filenames: false
        always_run: true
        stages: [pre-commit]
    -   id: forbidden-files
        name: forbidden files
        entry: forbidden file (matches git_pr.forbidden_file_patterns)
        language: fail
        files: '{FORBIDDEN_REGEX}'
        stages: [pre-commit]
    -   id: ticket-prefix
        name: message starts with the ticket
        entry: {json.dumps("sh -c " + shlex.quote(TICKET_CHECK) + " --")}
        language: system
        stages: [commit-msg]
"""
LEFTHOOK_CONFIG = f"""\
pre-commit:
  commands:
    branch-name:
      run: {json.dumps(BRANCH_CHECK)}
    forbidden-files:
      glob: {json.dumps(list(FORBIDDEN_GLOBS))}
      run: "echo 'forbidden file: {{staged_files}}' >&2; exit 1"
commit-msg:
  commands:
    ticket-prefix:
      run: {json.dumps("set -- {1}; " + TICKET_CHECK)}
"""
COMMIT_MESSAGE = "abc-1: bench change"

SETUP_NOTES = (
    "Ours is the `metawsm-hooks` console script of a wheel built from the checkout and installed"
    " in a fresh virtualenv, as users install it (`--editable`: the project's own virtualenv);"
    " the `python -c` baselines use that same interpreter.",
    "Bytecode is cached (`PYTHONPYCACHEPREFIX` in the temporary directory) as after any install,"
    " and the warm-up leaves metawsm-hooks' policy-verdict cache warm, as in daily use.",
    "Repositories: built with `git fast-import`, branch `abc-1/repo/run-1`, a committed"
    " `.metawsm/policy.json` with metawsm's default checks and `operator.llm.mode` off; staged"
    " changes are half modified, half new files; the tree is clean apart from them.",
)


class BenchError(Exception):
    """A setup step or a measured command did not do what the benchmark needs."""


@dataclass(frozen=True)
class Profile:
    name: str
    small_rounds: int
    large_rounds: int
    push_rounds: int
    cached_rounds: int
    store_rounds: int
    validate_rounds: int
    warmups: int
    rss_runs: int


FULL = Profile("full", 31, 15, 15, 15, 11, 31, 2, 3)
QUICK = Profile("quick", 7, 3, 3, 3, 3, 7, 1, 1)


@dataclass(frozen=True)
class Tools:
    bin_dir: Path  # the project's virtualenv: pre-commit, prek, lefthook
    python: Path  # the interpreter our console script runs under
    hooks: Path  # our console script
    pre_commit: Path
    git: str
    time: str | None  # GNU time, for peak RSS
    prek: Path | None = None  # optional: skipped with a note when absent
    lefthook: Path | None = None


@dataclass(frozen=True)
class Sample:
    ms: float
    maxrss_kib: int


@dataclass(frozen=True)
class Cmd:
    argv: tuple[str, ...]
    cwd: Path
    stdin: bytes = b""


def _median_ms(samples: Sequence[Sample]) -> float | None:
    return round(statistics.median(s.ms for s in samples), 1) if samples else None


@dataclass
class Row:
    scenario: str
    baseline: str
    target: float | None
    ours: list[Sample]
    base: list[Sample]
    rss_target_mib: float | None = None
    peak_rss_kib: int | None = None
    failures: list[str] = field(default_factory=list)

    def ratio(self) -> float | None:
        if not self.ours or not self.base:
            return None
        return statistics.median(a.ms / b.ms for a, b in zip(self.ours, self.base, strict=True))

    def peak_rss_mib(self) -> float | None:
        return None if self.peak_rss_kib is None else self.peak_rss_kib / 1024

    def meets(self) -> bool | None:
        ratio = self.ratio()
        if self.failures or ratio is None:
            return False
        return None if self.target is None else ratio <= self.target

    def rss_meets(self) -> bool | None:
        peak = self.peak_rss_mib()
        if self.rss_target_mib is None or peak is None:
            return None
        return peak <= self.rss_target_mib

    def to_json(self) -> dict[str, object]:
        peak = self.peak_rss_mib()
        ratio = self.ratio()
        return {
            "scenario": self.scenario,
            "ours_ms": _median_ms(self.ours),
            "baseline": self.baseline,
            "baseline_ms": _median_ms(self.base),
            "ratio": None if ratio is None else round(ratio, 3),
            "target": self.target,
            "meets": self.meets(),
            "runs": len(self.ours),
            "ours_peak_rss_mib": None if peak is None else round(peak, 1),
            "rss_target_mib": self.rss_target_mib,
            "rss_meets": self.rss_meets(),
            "failures": self.failures,
            "ours_runs_ms": [round(s.ms, 1) for s in self.ours],
            "baseline_runs_ms": [round(s.ms, 1) for s in self.base],
        }


# --------------------------------------------------------------------------------------------
# Environment


def find_tools() -> Tools:
    bin_dir = PROJECT / ".venv" / "bin"
    if not (bin_dir / "metawsm-hooks").exists():
        found = shutil.which("metawsm-hooks")
        if found is None:
            raise BenchError("metawsm-hooks is not installed: pip install -e '.[test]' first")
        bin_dir = Path(found).parent
    git = shutil.which("git")
    if git is None:
        raise BenchError("git is not on PATH")
    tools = Tools(
        bin_dir=bin_dir,
        python=bin_dir / "python",
        hooks=bin_dir / "metawsm-hooks",
        pre_commit=bin_dir / "pre-commit",
        git=git,
        time=_gnu_time(),
        prek=_optional_tool(bin_dir, "prek"),
        lefthook=_optional_tool(bin_dir, "lefthook"),
    )
    for path in (tools.python, tools.pre_commit):
        if not path.exists():
            raise BenchError(f"{path} is missing: pip install -e '.[test]' in that environment")
    return tools


def _optional_tool(bin_dir: Path, name: str) -> Path | None:
    candidate = bin_dir / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which(name)
    return None if found is None else Path(found)


def installed_copy(tmp: Path, tools: Tools, log: Callable[[str], None]) -> Tools:
    """Install the checkout the way a user does (a wheel, in a fresh virtualenv) and use that.

    The project's own virtualenv holds an editable install, whose import hook (setuptools'
    ``__editable__`` finder, run from a ``.pth`` file) imports pathlib, re, urllib.parse and
    more into every interpreter start of that virtualenv, ``python -c pass`` included: about
    12 ms that a real install does not have and that would hide our own import cost. The
    dependencies (pydantic, pygit2) come from the project's virtualenv through a ``.pth`` path
    line, which adds the folder without running the ``.pth`` files in it."""
    wheels = tmp / "wheel"
    venv = tmp / "venv"
    start = time.perf_counter()
    # A copy of the checkout, because building writes build/ and *.egg-info into the source.
    source = tmp / "source"
    shutil.copytree(
        PROJECT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "tests"
        ),
    )
    build = [str(tools.python), "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels)]
    proc = subprocess.run(
        [*build, "--no-build-isolation", str(source)], capture_output=True, check=False
    )
    if proc.returncode != 0:  # no setuptools in that virtualenv: let pip fetch it
        check_output([*build, str(source)], source, dict(os.environ))
    (wheel,) = wheels.glob("metawsm_hooks-*.whl")
    check_output([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp, dict(os.environ))
    pip = [str(tools.python), "-m", "pip", "--python", str(venv / "bin" / "python")]
    check_output(
        [*pip, "install", "-q", "--no-deps", "--no-index", str(wheel)],
        tmp,
        dict(os.environ),
    )
    deps = (
        check_output(
            [
                str(tools.python),
                "-c",
                "import pydantic, os; print(os.path.dirname(pydantic.__path__[0]))",
            ],
            tmp,
            dict(os.environ),
        )
        .decode()
        .strip()
    )
    site = (
        check_output(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            tmp,
            dict(os.environ),
        )
        .decode()
        .strip()
    )
    Path(site, "bench_dependencies.pth").write_text(deps + "\n")
    log(f"installed the checkout as a wheel in {venv} ({time.perf_counter() - start:.1f} s)")
    return Tools(
        bin_dir=tools.bin_dir,
        python=venv / "bin" / "python",
        hooks=venv / "bin" / "metawsm-hooks",
        pre_commit=tools.pre_commit,
        git=tools.git,
        time=tools.time,
        prek=tools.prek,
        lefthook=tools.lefthook,
    )


def _gnu_time() -> str | None:
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return None
    probe = subprocess.run([path, "-f", "%M", "true"], capture_output=True, text=True, check=False)
    return path if probe.returncode == 0 and probe.stderr.strip().isdigit() else None


def real_pip_cache() -> str:
    explicit = os.environ.get("PIP_CACHE_DIR")
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "pip")


def isolated_env(tmp: Path, tools: Tools) -> dict[str, str]:
    # Coding agents' own markers too (CLAUDECODE, CODEX_*): the hooks would record an agent.
    dropped = ("GIT_", "METAWSM_", "PRE_COMMIT", "XDG_", "PREK_", "LEFTHOOK", "CLAUDE", "CODEX")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(dropped)
        and k not in ("HOME", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
        and k != "PYTHONDONTWRITEBYTECODE"
    }
    home = tmp / "home"
    (home / ".cache").mkdir(parents=True)
    gitconfig = tmp / "gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Bench Author\n\temail = bench@example.com\n"
        "[init]\n\tdefaultBranch = main\n"
        "[gc]\n\tauto = 0\n"
        "[maintenance]\n\tauto = false\n"
    )
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_DATE=f"{EPOCH} +0000",
        GIT_COMMITTER_DATE=f"{EPOCH} +0000",
        PRE_COMMIT_HOME=str(tmp / "pre-commit-home"),
        PIP_CACHE_DIR=real_pip_cache(),
        PATH=os.pathsep.join(
            dict.fromkeys(
                [str(tools.hooks.parent), str(tools.bin_dir), env.get("PATH", os.defpath)]
            )
        ),
        # Bytecode is cached as after any pip install, but inside the temporary directory, so
        # nothing is written next to the sources (this prefix overrides every __pycache__).
        PYTHONPYCACHEPREFIX=str(tmp / "pycache"),
        PYTHONHASHSEED="0",
        TZ="UTC",
        LC_ALL="C.UTF-8",
        NO_COLOR="1",
    )
    return env


# --------------------------------------------------------------------------------------------
# Running commands


def _tail(data: bytes, lines: int = 15) -> str:
    text = data.decode("utf-8", errors="replace").rstrip()
    return "\n".join(text.splitlines()[-lines:])


def run(cmd: Cmd, env: dict[str, str], *, ok: Iterable[int] = (0,)) -> Sample:
    """Run one command to completion; wall time and the child's peak RSS (wait4)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd.argv,
            cwd=cmd.cwd,
            env=env,
            stdin=subprocess.PIPE if cmd.stdin else subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        if proc.stdin is not None:
            try:
                proc.stdin.write(cmd.stdin)
                proc.stdin.close()
            except BrokenPipeError:
                pass
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in tuple(ok):
            out.seek(0)
            raise BenchError(
                f"{' '.join(cmd.argv)} (in {cmd.cwd}) exited {proc.returncode}:\n"
                f"{_tail(out.read())}"
            )
    return Sample(elapsed * 1000, int(usage.ru_maxrss))


def run_group(cmds: Sequence[Cmd], env: dict[str, str]) -> Sample:
    """Start every command at once; wall time until the last one exits."""
    with contextlib.ExitStack() as stack:
        outs = [stack.enter_context(tempfile.TemporaryFile()) for _ in cmds]
        procs: list[subprocess.Popen[bytes]] = []
        stack.callback(_reap, procs)
        start = time.perf_counter()
        for cmd, out in zip(cmds, outs, strict=True):
            procs.append(
                subprocess.Popen(
                    cmd.argv,
                    cwd=cmd.cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        peak = 0
        for proc in procs:
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            peak = max(peak, int(usage.ru_maxrss))
        elapsed = time.perf_counter() - start
        for cmd, out, proc in zip(cmds, outs, procs, strict=True):
            if proc.returncode != 0:
                out.seek(0)
                raise BenchError(
                    f"{' '.join(cmd.argv)} (one of {len(cmds)} at once) exited {proc.returncode}:\n"
                    f"{_tail(out.read())}"
                )
    return Sample(elapsed * 1000, peak)


def _reap(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.returncode is None:
            proc.kill()
            proc.wait()


def check_output(argv: Sequence[str], cwd: Path, env: dict[str, str], stdin: bytes = b"") -> bytes:
    proc = subprocess.run(list(argv), cwd=cwd, env=env, input=stdin, capture_output=True)
    if proc.returncode != 0:
        raise BenchError(
            f"{' '.join(argv)} (in {cwd}) exited {proc.returncode}:\n{_tail(proc.stderr)}"
        )
    return proc.stdout


def measure(
    variants: Sequence[Callable[[], Sample]], *, rounds: int, warmups: int
) -> list[list[Sample]]:
    """Warm up, then run the variants interleaved (A B A B ...) and collect each one's samples."""
    for _ in range(warmups):
        for variant in variants:
            variant()
    samples: list[list[Sample]] = [[] for _ in variants]
    for _ in range(rounds):
        for index, variant in enumerate(variants):
            samples[index].append(variant())
    return samples


# --------------------------------------------------------------------------------------------
# Synthetic repositories


def blob_line(path: str, content: bytes) -> bytes:
    return b"M 100644 inline " + path.encode() + b"\ndata %d\n" % len(content) + content + b"\n"


def commit_header(
    ref: str, message: str, when: int, *, parent: str | None = None, mark: int | None = None
) -> bytes:
    lines = [f"commit {ref}"]
    if mark is not None:
        lines.append(f"mark :{mark}")
    lines.append(f"author Bench Author <bench@example.com> {when} +0000")
    lines.append(f"committer Bench Author <bench@example.com> {when} +0000")
    lines.append(f"data {len(message.encode())}")
    lines.append(message)
    if parent is not None:
        lines.append(f"from {parent}")
    return ("\n".join(lines) + "\n").encode()


def file_content(index: int, *, version: int = 0) -> bytes:
    return (
        f"# synthetic file {index}, version {version}\n"
        f"value_{index} = {index * 7919 % 10007}\n"
        "some ordinary text that is not a secret\n"
    ).encode()


def tree_path(index: int, total: int, *, stem: str = "f") -> str:
    if total <= 1000:
        return f"src/d{index % 10}/{stem}{index:05d}.txt"
    return f"src/d{index // 1000:03d}/s{index // 100 % 10}/{stem}{index:06d}.txt"


def config_files(policy: Mapping[str, object]) -> list[tuple[str, bytes]]:
    if policy is POLICY_COMMIT:
        managers = [
            (".pre-commit-config.yaml", LOCAL_HOOKS_CONFIG.encode()),
            ("lefthook.yml", LEFTHOOK_CONFIG.encode()),
        ]
    else:
        managers = [(".pre-commit-config.yaml", PRE_COMMIT_CONFIG.encode())]
    return [(".metawsm/policy.json", (json.dumps(policy, indent=2) + "\n").encode()), *managers]


def base_stream(ref: str, files: int, policy: Mapping[str, object]) -> bytes:
    parts = [commit_header(ref, "base\n", EPOCH, mark=1)]
    parts.extend(blob_line(p, c) for p, c in config_files(policy))
    parts.extend(blob_line(tree_path(i, files), file_content(i)) for i in range(files))
    return b"".join(parts)


def init_repo(path: Path, env: dict[str, str]) -> None:
    check_output(["git", "init", "-q", "-b", "main", str(path)], path.parent, env)
    exclude = path / ".git" / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    # What onboarding does: the store never shows up as an untracked file.
    with exclude.open("a") as f:
        f.write(STORE_EXCLUDE)


def fast_import(path: Path, stream: bytes, env: dict[str, str]) -> None:
    check_output(["git", "fast-import", "--quiet"], path, env, stream)


def checkout(path: Path, branch: str, env: dict[str, str]) -> None:
    check_output(["git", "symbolic-ref", "HEAD", f"refs/heads/{branch}"], path, env)
    check_output(["git", "reset", "-q", "--hard"], path, env)


def settle(path: Path, env: dict[str, str]) -> None:
    """Give every work-tree file an old mtime and refresh the index after it."""
    for dirpath, dirnames, filenames in os.walk(path):
        if dirpath == str(path):
            dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            os.utime(os.path.join(dirpath, name), (SETTLED_MTIME, SETTLED_MTIME))
    check_output(["git", "update-index", "-q", "--refresh"], path, env)


def stage_changes(path: Path, files: int, staged: int, env: dict[str, str]) -> None:
    """Stage ``staged`` changes spread over the tree: half modified files, half new ones."""
    step = max(1, files // staged)
    paths: list[str] = []
    for k in range(staged):
        index = k * step
        if k % 2 == 0:
            rel = tree_path(index, files)
            content = file_content(index, version=1)
        else:
            rel = tree_path(index, files, stem="new")
            content = file_content(index, version=2)
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        paths.append(rel)
    stdin = b"".join(p.encode() + b"\0" for p in paths)
    check_output(["git", "update-index", "--add", "-z", "--stdin"], path, env, stdin)


def assert_only_staged(path: Path, env: dict[str, str], staged: int) -> None:
    """The pre-commit framework would stash anything unstaged; make sure there is nothing."""
    status = check_output(
        ["git", "status", "--porcelain", "-z", "--untracked-files=all"], path, env
    )
    entries = [e for e in status.split(b"\0") if e]
    bad = [e for e in entries if e[1:2] != b" "]
    if bad or len(entries) != staged:
        raise BenchError(
            f"{path}: expected {staged} staged changes and nothing else, git status shows"
            f" {len(entries)} entries, unstaged/untracked: {bad[:5]!r}"
        )


def commit_repo(
    path: Path, env: dict[str, str], *, files: int, staged: int, policy: Mapping[str, object]
) -> Path:
    init_repo(path, env)
    fast_import(path, base_stream(f"refs/heads/{BRANCH}", files, policy), env)
    checkout(path, BRANCH, env)
    stage_changes(path, files, staged, env)
    settle(path, env)
    assert_only_staged(path, env, staged)
    return path


@dataclass(frozen=True)
class PushRepo:
    path: Path
    remote: Path
    ref_line: bytes
    base: str
    tip: str
    changed: int  # distinct paths the pushed commits add or modify


def push_repo(
    path: Path, env: dict[str, str], *, files: int, commits: int, policy: Mapping[str, object]
) -> PushRepo:
    """``main`` (also on the bare remote) plus ``commits`` new commits on BRANCH, checked out."""
    init_repo(path, env)
    parts = [base_stream("refs/heads/main", files, policy)]
    for k in range(commits):
        parent = ":1" if k == 0 else None
        parts.append(
            commit_header(f"refs/heads/{BRANCH}", f"change {k}\n", EPOCH + 1 + k, parent=parent)
        )
        if k % 10 == 9:
            # Every tenth commit adds a file, the others modify one.
            parts.append(blob_line(tree_path(k, commits, stem="new"), file_content(k, version=3)))
        else:
            index = k * 37 % files
            parts.append(blob_line(tree_path(index, files), file_content(index, version=k + 1)))
    fast_import(path, b"".join(parts), env)
    remote = path.parent / f"{path.name}-remote.git"
    check_output(["git", "init", "-q", "--bare", str(remote)], path.parent, env)
    check_output(["git", "remote", "add", "origin", str(remote)], path, env)
    check_output(["git", "push", "-q", "origin", "main"], path, env)
    check_output(["git", "fetch", "-q", "origin"], path, env)
    checkout(path, BRANCH, env)
    settle(path, env)
    assert_only_staged(path, env, 0)
    base = check_output(["git", "rev-parse", "origin/main"], path, env).decode().strip()
    tip = check_output(["git", "rev-parse", "HEAD"], path, env).decode().strip()
    ref = f"refs/heads/{BRANCH}"
    line = f"{ref} {tip} {ref} {ZERO}\n".encode()
    modified = {k * 37 % files for k in range(commits) if k % 10 != 9}
    added = sum(1 for k in range(commits) if k % 10 == 9)
    return PushRepo(
        path=path, remote=remote, ref_line=line, base=base, tip=tip, changed=len(modified) + added
    )


# --------------------------------------------------------------------------------------------
# Scenarios


@dataclass
class Context:
    tmp: Path
    env: dict[str, str]
    tools: Tools
    profile: Profile
    log: Callable[[str], None]
    notes: list[str] = field(default_factory=list)
    pre_commit_ready: bool = False

    def ours_pre_commit(self, repo: Path, *extra: str) -> Cmd:
        return Cmd((str(self.tools.hooks), "run", "pre-commit", *extra), repo)

    def framework(self, repo: Path) -> Cmd:
        return Cmd(
            (str(self.tools.pre_commit), "run", "--hook-stage", "pre-commit", "--color", "never"),
            repo,
        )

    def ensure_pre_commit_env(self, repo: Path) -> None:
        if self.pre_commit_ready:
            return
        self.log(f"installing the pre-commit hook environment ({PRE_COMMIT_HOOKS}) from PyPI")
        start = time.perf_counter()
        check_output([str(self.tools.pre_commit), "install-hooks"], repo, self.env)
        took = time.perf_counter() - start
        self.notes.append(
            f"pre-commit hook environment ({PRE_COMMIT_HOOKS}, `repo: local` with"
            f" `additional_dependencies`) installed once before measuring, in {took:.1f} s."
        )
        self.pre_commit_ready = True

    def verify(self, cmd: Cmd, *, changed: int) -> None:
        """Our stage passes and really looked at every changed path (its JSON report says so)."""
        argv = (*cmd.argv[:3], "--format", "json", *cmd.argv[3:])
        out = check_output(argv, cmd.cwd, self.env, cmd.stdin)
        report = json.loads(out)
        if report.get("passed") is not True:
            raise BenchError(f"{' '.join(argv)} did not pass: {out.decode()[:2000]}")
        details = [
            str(check.get("detail", ""))
            for target in report.get("targets", [])
            for check in target.get("checks", [])
            if check.get("name") == "forbidden_files"
        ]
        counts = {m.group(1) for d in details for m in [re.search(r"(\d+) changed file", d)] if m}
        if counts and counts != {str(changed)}:
            raise BenchError(
                f"{' '.join(argv)} checked {', '.join(sorted(counts))} changed files,"
                f" expected {changed}: {details}"
            )
        if not counts:
            self.notes.append(f"could not confirm the changed-file count of {' '.join(argv)}")

    def timed(self, cmd: Cmd) -> Callable[[], Sample]:
        return lambda: run(cmd, self.env)

    def peak_rss(self, cmd: Cmd) -> int:
        """Peak RSS (KiB) of ``cmd``'s process tree, in runs of their own after the timed ones.

        GNU time's ru_maxrss is the largest process among the command and the children it
        waited for. Without GNU time, wait4 from here over-reports: a child's ru_maxrss starts
        from this (large) process's RSS at fork."""
        peak = 0
        for _ in range(self.profile.rss_runs):
            if self.tools.time is None:
                peak = max(peak, run(cmd, self.env).maxrss_kib)
                continue
            report = self.tmp / "time.out"
            timed = Cmd(
                (self.tools.time, "-f", "%M", "-o", str(report), *cmd.argv), cmd.cwd, cmd.stdin
            )
            run(timed, self.env)
            peak = max(peak, int(report.read_text().split()[-1]))
        return peak


def scenario_commit_small(ctx: Context) -> list[Row]:
    ctx.log("commit-small: building a 100-file repository with 5 staged changes")
    repo = commit_repo(ctx.tmp / "small", ctx.env, files=100, staged=5, policy=POLICY_DEFAULT)
    ctx.ensure_pre_commit_env(repo)
    ctx.verify(ctx.ours_pre_commit(repo), changed=5)
    ours, base = measure(
        [ctx.timed(ctx.ours_pre_commit(repo)), ctx.timed(ctx.framework(repo))],
        rounds=ctx.profile.small_rounds,
        warmups=ctx.profile.warmups,
    )
    assert_only_staged(repo, ctx.env, 5)
    row = Row("commit-small", "pre-commit run (pre-commit-hooks x3)", 0.5, ours, base)
    row.peak_rss_kib = ctx.peak_rss(ctx.ours_pre_commit(repo))
    return [row]


class CommitVariant:
    """One repository whose hooks a manager installed, and a timed ``git commit`` in it.

    Each timed commit records the same staged change on top of the same parent; afterwards (not
    timed) the branch moves back to that parent, so the index still holds the staged change
    and every round commits the same tree with the same hooks."""

    def __init__(
        self, ctx: Context, name: str, repo: Path, *, verify: bool = True, enforces: bool = True
    ) -> None:
        self.ctx = ctx
        self.name = name
        self.repo = repo
        self.enforces = verify and enforces
        self.argv = ("git", "commit", "-q", "-m", COMMIT_MESSAGE) + (
            () if verify else ("--no-verify",)
        )
        self.parent = self.git("rev-parse", "HEAD").strip()

    def git(self, *args: str, ok: Iterable[int] = (0,)) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=self.repo, env=self.ctx.env, capture_output=True, check=False
        )
        if proc.returncode not in tuple(ok):
            raise BenchError(
                f"{self.name}: git {' '.join(args)} exited {proc.returncode}:"
                f" {_tail(proc.stdout + proc.stderr)}"
            )
        return proc.stdout.decode()

    def rewind(self) -> None:
        self.git("update-ref", f"refs/heads/{BRANCH}", self.parent)

    def commit(self) -> Sample:
        sample = run(Cmd(self.argv, self.repo), self.ctx.env)
        if self.git("rev-parse", "HEAD").strip() == self.parent:
            raise BenchError(f"{self.name}: git commit exited 0 but made no commit")
        self.rewind()
        return sample

    def blocks(self) -> None:
        """The installed hooks refuse each of the three mistakes (nothing is measured here)."""
        ctx = self.ctx
        mistakes: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
            ("a message without the ticket", lambda: None, lambda: None),
            (
                "a branch that does not fit the template",
                # Upper case and a dot: no ticket, repo and run render to it (a lone lower-case
                # token would fit, as metawsm's render drops empty tokens).
                lambda: self.git("symbolic-ref", "HEAD", "refs/heads/Feature/Bad.Name"),
                lambda: self.git("symbolic-ref", "HEAD", f"refs/heads/{BRANCH}"),
            ),
            (
                "a staged forbidden file (config/server.pem)",
                lambda: self._stage_forbidden(),
                lambda: self._unstage_forbidden(),
            ),
        ]
        for what, before, after in mistakes:
            message = "bench change" if what.startswith("a message") else COMMIT_MESSAGE
            before()
            try:
                proc = subprocess.run(
                    ["git", "commit", "-q", "-m", message],
                    cwd=self.repo,
                    env=ctx.env,
                    capture_output=True,
                    check=False,
                )
                # An unborn branch (the misnamed one) has no HEAD commit unless one was made.
                head = self.git("rev-parse", "-q", "--verify", "HEAD", ok=(0, 1)).strip()
            finally:
                after()
            if proc.returncode == 0 or head not in ("", self.parent):
                raise BenchError(f"{self.name}: the hooks let through {what}")

    def _stage_forbidden(self) -> None:
        target = self.repo / "config" / "server.pem"
        target.parent.mkdir(exist_ok=True)
        target.write_text("not really a key\n")
        self.git("add", "config/server.pem")

    def _unstage_forbidden(self) -> None:
        self.git("rm", "-q", "--cached", "config/server.pem")
        shutil.rmtree(self.repo / "config")


def scenario_commit_hooks(ctx: Context) -> list[Row]:
    ctx.log("commit-hooks: whole git commit (pre-commit + commit-msg) under each hook manager")
    variants: list[CommitVariant] = []

    def repo(name: str) -> Path:
        return commit_repo(
            ctx.tmp / f"commit-{name}", ctx.env, files=100, staged=5, policy=POLICY_COMMIT
        )

    ours_repo = repo("ours")
    check_output(
        [str(ctx.tools.hooks), "install", "--hook-type", "pre-commit", "--hook-type", "commit-msg"],
        ours_repo,
        ctx.env,
    )
    variants.append(CommitVariant(ctx, "metawsm-hooks", ours_repo))
    managers: list[tuple[str, Path | None, list[str]]] = [
        ("prek", ctx.tools.prek, ["install", "-t", "pre-commit", "-t", "commit-msg"]),
        ("pre-commit", ctx.tools.pre_commit, ["install", "-t", "pre-commit", "-t", "commit-msg"]),
        ("lefthook", ctx.tools.lefthook, ["install"]),
    ]
    for name, tool, install in managers:
        if tool is None:
            ctx.notes.append(
                f"commit-hooks: {name} is not installed, so it is left out"
                " (pip install -e '.[bench]')."
            )
            continue
        path = repo(name)
        check_output([str(tool), *install], path, ctx.env)
        variants.append(CommitVariant(ctx, name, path))
    # Two hooks that each do only the floor hook's work (bench/floor_hook.py): no Python hook
    # pair can make a commit cheaper than this.
    floor_repo = repo("floor")
    for hook in ("pre-commit", "commit-msg"):
        script = floor_repo / ".git" / "hooks" / hook
        script.write_text(
            f"#!/bin/sh\nexec {shlex.quote(str(ctx.tools.python))}"
            f" {shlex.quote(str(FLOOR_HOOK))} {shlex.quote(str(ctx.tmp / 'floor-commit.db'))}\n"
        )
        script.chmod(0o755)
    variants.append(CommitVariant(ctx, "floor", floor_repo, enforces=False))
    variants.append(CommitVariant(ctx, "git commit --no-verify", repo("no-verify"), verify=False))
    for variant in variants:
        if variant.enforces:
            variant.blocks()
    samples = measure(
        [v.commit for v in variants],
        rounds=ctx.profile.small_rounds,
        warmups=ctx.profile.warmups,
    )
    for variant in variants:
        assert_only_staged(variant.repo, ctx.env, 5)
    ours = samples[0]
    targets = {"prek": 0.75, "pre-commit": 0.25}
    rows = []
    for variant, base in zip(variants[1:], samples[1:], strict=True):
        label = (
            variant.name if variant.name.startswith("git") else f"git commit, {variant.name} hooks"
        )
        if variant.name == "floor":
            label = "git commit, 2 floor hooks (bench/floor_hook.py)"
        rows.append(Row("commit-hooks", label, targets.get(variant.name), ours, base))
    # Every commit (warm-up and measured) and the three attempts in blocks(): the pre-commit stage
    # passes the one with the bad message (commit-msg refuses it) and refuses the other two, so
    # commit-msg runs for every commit and that one attempt.
    commits = len(ours) + ctx.profile.warmups
    db = ours_repo / ".metawsm" / "metawsm.db"
    for stage, expected in (("pre-commit", commits + 3), ("commit-msg", commits + 1)):
        recorded = count_hook_runs(db, stage)
        if recorded != expected:
            rows[0].failures.append(f"{recorded} {stage} audit rows for {expected} runs")
    return rows


def python_pass(ctx: Context) -> Cmd:
    return Cmd((str(ctx.tools.python), "-c", "pass"), ctx.tmp)


def scenario_hook_process(ctx: Context) -> list[Row]:
    ctx.log("hook-process: one pre-commit and one commit-msg process on the small repository")
    repo = commit_repo(ctx.tmp / "process", ctx.env, files=100, staged=5, policy=POLICY_DEFAULT)
    ctx.verify(ctx.ours_pre_commit(repo), changed=5)
    message = repo / ".git" / "COMMIT_EDITMSG"
    message.write_text(COMMIT_MESSAGE + "\n")
    commit_msg = Cmd((str(ctx.tools.hooks), "run", "commit-msg", str(message)), repo)
    pre_commit = ctx.ours_pre_commit(repo)
    floor = Cmd((str(ctx.tools.python), str(FLOOR_HOOK), str(ctx.tmp / "floor-hook.db")), repo)
    ours_pre, ours_msg, floor_samples, bare = measure(
        [
            ctx.timed(pre_commit),
            ctx.timed(commit_msg),
            ctx.timed(floor),
            ctx.timed(python_pass(ctx)),
        ],
        rounds=ctx.profile.small_rounds,
        warmups=ctx.profile.warmups,
    )
    if message.read_text() != COMMIT_MESSAGE + "\n":
        raise BenchError(f"commit-msg changed a message that already names the ticket: {message}")
    return [
        Row(
            "hook-process: run pre-commit",
            "python -c pass",
            3.0,
            ours_pre,
            bare,
            rss_target_mib=RSS_TARGET_MIB,
            peak_rss_kib=ctx.peak_rss(pre_commit),
        ),
        Row(
            "hook-process: run commit-msg",
            "python -c pass",
            3.0,
            ours_msg,
            bare,
            rss_target_mib=RSS_TARGET_MIB,
            peak_rss_kib=ctx.peak_rss(commit_msg),
        ),
        # What a Python hook of this shape cannot go below (see bench/floor_hook.py): the
        # part of the targets' 3x that is interpreter, json, sqlite3, git and fsync.
        Row(
            "hook-process: floor hook (bench/floor_hook.py)",
            "python -c pass",
            None,
            floor_samples,
            bare,
            peak_rss_kib=ctx.peak_rss(floor),
        ),
    ]


def tool_call(command: str, cwd: Path) -> bytes:
    """A PreToolUse hook's input as Claude Code sends it for its Bash tool."""
    call = {
        "session_id": "bench",
        "transcript_path": "/dev/null",
        "cwd": str(cwd),
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command, "description": "bench"},
    }
    return json.dumps(call).encode()


def scenario_agent_guard(ctx: Context) -> list[Row]:
    ctx.log("agent-guard: the PreToolUse guard on a non-git and a git shell command")
    guard = (str(ctx.tools.hooks), *AGENT_GUARD_ARGS)
    probe = subprocess.run(
        [*guard[:3], "--help"], env=ctx.env, cwd=ctx.tmp, capture_output=True, check=False
    )
    if probe.returncode != 0:
        ctx.notes.append(
            f"agent-guard: skipped, this installation has no `metawsm-hooks"
            f" {' '.join(AGENT_GUARD_ARGS[:2])}` command."
        )
        return []
    repo = commit_repo(ctx.tmp / "agent", ctx.env, files=100, staged=5, policy=POLICY_DEFAULT)
    other = Cmd(guard, repo, tool_call("ls -la src", repo))
    git = Cmd(guard, repo, tool_call(f"git commit -m '{COMMIT_MESSAGE}'", repo))
    denied = Cmd(guard, repo, tool_call("git commit --no-verify -m x", repo))
    for cmd, expected in ((other, 0), (git, 0), (denied, 2)):
        code = subprocess.run(
            cmd.argv, cwd=cmd.cwd, env=ctx.env, input=cmd.stdin, capture_output=True, check=False
        ).returncode
        if code != expected:
            raise BenchError(
                f"the agent guard exited {code}, not {expected}, for {cmd.stdin.decode()}"
            )
    ours_other, ours_git, bare = measure(
        [ctx.timed(other), ctx.timed(git), ctx.timed(python_pass(ctx))],
        rounds=ctx.profile.small_rounds,
        warmups=ctx.profile.warmups,
    )
    return [
        Row(
            "agent-guard: `ls -la src`",
            "python -c pass",
            3.0,
            ours_other,
            bare,
            rss_target_mib=RSS_TARGET_MIB,
            peak_rss_kib=ctx.peak_rss(other),
        ),
        Row(
            "agent-guard: `git commit -m …`",
            "python -c pass",
            None,
            ours_git,
            bare,
            rss_target_mib=RSS_TARGET_MIB,
            peak_rss_kib=ctx.peak_rss(git),
        ),
    ]


def import_profile(ctx: Context, cmd: Cmd, runs: int) -> tuple[float, list[tuple[str, float]]]:
    """Where a process's import time goes (``python -X importtime``, median of ``runs``).

    Returns the total of every module's own ("self") time and the modules grouped by their top
    package, ours by module, largest first, in milliseconds."""
    per_run: list[dict[str, float]] = []
    for _ in range(runs):
        argv = (str(ctx.tools.python), "-X", "importtime", *cmd.argv)
        proc = subprocess.run(
            argv, cwd=cmd.cwd, env=ctx.env, input=cmd.stdin, capture_output=True, check=False
        )
        groups: dict[str, float] = {}
        for line in proc.stderr.decode(errors="replace").splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            own, _, name = (part.strip() for part in line[len("import time:") :].split("|"))
            key = name if name.startswith("metawsm_hooks") else name.split(".")[0].lstrip("_")
            groups[key] = groups.get(key, 0.0) + int(own) / 1000
        per_run.append(groups)
    names = {name for groups in per_run for name in groups}
    medians = {n: statistics.median(g.get(n, 0.0) for g in per_run) for n in names}
    total = statistics.median(sum(g.values()) for g in per_run)
    return total, sorted(medians.items(), key=lambda item: -item[1])


def scenario_hook_imports(ctx: Context) -> list[Row]:
    ctx.log("hook-imports: python -X importtime of one pre-commit and one commit-msg process")
    repo = commit_repo(ctx.tmp / "imports", ctx.env, files=100, staged=5, policy=POLICY_DEFAULT)
    message = repo / ".git" / "COMMIT_EDITMSG"
    message.write_text(COMMIT_MESSAGE + "\n")
    runs = max(3, ctx.profile.small_rounds // 3)
    for cmd in (
        ctx.ours_pre_commit(repo),
        Cmd((str(ctx.tools.hooks), "run", "commit-msg", str(message)), repo),
    ):
        run(cmd, ctx.env)  # bytecode and the policy cache warm
        total, groups = import_profile(ctx, cmd, runs)
        largest = ", ".join(f"{name} {ms:.1f}" for name, ms in groups[:14])
        ctx.notes.append(
            f"imports of `metawsm-hooks {' '.join(cmd.argv[1:3])}` (`python -X importtime`,"
            f" own time per module grouped by top package, median of {runs}):"
            f" {total:.1f} ms in all; largest (ms): {largest}."
        )
    return []


def scenario_commit_large(ctx: Context) -> list[Row]:
    ctx.log("commit-large: building a 100,000-file repository with 5,000 staged changes")
    start = time.perf_counter()
    repo = commit_repo(
        ctx.tmp / "large", ctx.env, files=100_000, staged=5_000, policy=POLICY_DEFAULT
    )
    ctx.log(f"commit-large: built in {time.perf_counter() - start:.1f} s")
    ctx.ensure_pre_commit_env(repo)
    ctx.verify(ctx.ours_pre_commit(repo), changed=5_000)
    git_diff = Cmd(("git", "diff", "--cached", "--name-only", "-z"), repo)
    floor = Cmd((str(ctx.tools.python), str(FLOOR_HOOK), str(ctx.tmp / "floor-large.db")), repo)
    ours, diff, framework, floor_samples = measure(
        [
            ctx.timed(ctx.ours_pre_commit(repo)),
            ctx.timed(git_diff),
            ctx.timed(ctx.framework(repo)),
            ctx.timed(floor),
        ],
        rounds=ctx.profile.large_rounds,
        warmups=ctx.profile.warmups,
    )
    assert_only_staged(repo, ctx.env, 5_000)
    peak = ctx.peak_rss(ctx.ours_pre_commit(repo))
    return [
        Row(
            "commit-large",
            "git diff --cached --name-only -z",
            1.5,
            ours,
            diff,
            rss_target_mib=RSS_TARGET_MIB,
            peak_rss_kib=peak,
        ),
        Row(
            "commit-large",
            "pre-commit run (pre-commit-hooks x3)",
            0.2,
            ours,
            framework,
            rss_target_mib=RSS_TARGET_MIB,
            peak_rss_kib=peak,
        ),
        # The floor hook against the same plumbing floor: what any Python hook adds to it.
        Row(
            "commit-large: floor hook (bench/floor_hook.py)",
            "git diff --cached --name-only -z",
            None,
            floor_samples,
            diff,
        ),
    ]


def pre_push(ctx: Context, repo: PushRepo) -> Cmd:
    return Cmd(
        (str(ctx.tools.hooks), "run", "pre-push", "origin", str(repo.remote)),
        repo.path,
        repo.ref_line,
    )


def scenario_push_10k(ctx: Context) -> list[Row]:
    ctx.log("push-10k: building 10,000 new commits over a 1,000-file base")
    start = time.perf_counter()
    repo = push_repo(ctx.tmp / "push", ctx.env, files=1_000, commits=10_000, policy=POLICY_DEFAULT)
    ctx.log(f"push-10k: built in {time.perf_counter() - start:.1f} s")
    ctx.verify(pre_push(ctx, repo), changed=repo.changed)
    log = Cmd(("git", "log", "--name-only", "--format=", f"{repo.base}..{repo.tip}"), repo.path)
    ours, base = measure(
        [ctx.timed(pre_push(ctx, repo)), ctx.timed(log)],
        rounds=ctx.profile.push_rounds,
        warmups=ctx.profile.warmups,
    )
    return [
        Row(
            "push-10k",
            "git log --name-only --format= A..B",
            1.3,
            ours,
            base,
            rss_target_mib=RSS_TARGET_MIB,
            peak_rss_kib=ctx.peak_rss(pre_push(ctx, repo)),
        )
    ]


def scenario_push_cached_tests(ctx: Context) -> list[Row]:
    ctx.log("push-cached-tests: building two small repositories (sleep 2 / no test command)")
    slow = push_repo(ctx.tmp / "tested", ctx.env, files=100, commits=3, policy=POLICY_SLOW_TESTS)
    plain = push_repo(ctx.tmp / "untested", ctx.env, files=100, commits=3, policy=POLICY_NO_TESTS)
    first = run(pre_push(ctx, slow), ctx.env)
    ctx.verify(pre_push(ctx, slow), changed=slow.changed)
    ctx.verify(pre_push(ctx, plain), changed=plain.changed)
    row = Row("push-cached-tests", "the same pre-push, no test command", 1.2, [], [])
    if first.ms < 2000:
        row.failures.append(
            f"the first pre-push took {first.ms:.0f} ms: the 2 s test command did not run"
        )
    ctx.notes.append(
        f"push-cached-tests: the first pre-push (tests run, cache cold) took {first.ms:.0f} ms."
    )
    row.ours, row.base = measure(
        [ctx.timed(pre_push(ctx, slow)), ctx.timed(pre_push(ctx, plain))],
        rounds=ctx.profile.cached_rounds,
        warmups=ctx.profile.warmups,
    )
    row.peak_rss_kib = ctx.peak_rss(pre_push(ctx, slow))
    return [row]


def count_hook_runs(db: Path, stage: str | None = None) -> int:
    if not db.exists():
        return 0
    query = "SELECT count(*) FROM hook_runs" + ("" if stage is None else " WHERE stage = ?")
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (count,) = conn.execute(query, () if stage is None else (stage,)).fetchone()
    finally:
        conn.close()
    return int(count)


def scenario_store_50(ctx: Context) -> list[Row]:
    ctx.log("store-50: 50 concurrent pre-commit stages recording into one fresh store")
    repo = commit_repo(ctx.tmp / "store", ctx.env, files=100, staged=5, policy=POLICY_DEFAULT)
    ctx.verify(ctx.ours_pre_commit(repo), changed=5)
    stores = ctx.tmp / "stores"
    stores.mkdir()
    row = Row("store-50", "50 x python -c 'import sqlite3'", 2.0, [], [])
    counter = iter(range(1_000_000))

    def ours() -> Sample:
        db = stores / f"run-{next(counter)}.db"
        sample = run_group([ctx.ours_pre_commit(repo, "--db", str(db))] * 50, ctx.env)
        rows = count_hook_runs(db)
        if rows != 50:
            row.failures.append(f"{db.name}: {rows} of 50 hook_runs rows recorded")
        return sample

    bare = Cmd((str(ctx.tools.python), "-c", "import sqlite3"), ctx.tmp)
    # Fifty floor hooks (bench/floor_hook.py) writing one row each into one store: the least
    # fifty Python hooks recording at once can cost on this machine.
    floors = iter(range(1_000_000))

    def floor() -> Sample:
        db = stores / f"floor-{next(floors)}.db"
        cmd = Cmd((str(ctx.tools.python), str(FLOOR_HOOK), str(db)), repo)
        return run_group([cmd] * 50, ctx.env)

    row.ours, row.base, floor_samples = measure(
        [ours, lambda: run_group([bare] * 50, ctx.env), floor],
        rounds=ctx.profile.store_rounds,
        warmups=ctx.profile.warmups,
    )
    return [
        row,
        Row("store-50", "50 x floor hook (bench/floor_hook.py)", None, row.ours, floor_samples),
    ]


def scenario_validate(ctx: Context) -> list[Row]:
    ctx.log("validate: examples/policy.example.json")
    example = PROJECT / "examples" / "policy.example.json"
    validate = Cmd((str(ctx.tools.hooks), "validate", str(example)), ctx.tmp)
    ours, base = measure(
        [ctx.timed(validate), ctx.timed(Cmd((str(ctx.tools.python), "-c", "pass"), ctx.tmp))],
        rounds=ctx.profile.validate_rounds,
        warmups=ctx.profile.warmups,
    )
    return [
        Row("validate", "python -c pass", None, ours, base, peak_rss_kib=ctx.peak_rss(validate))
    ]


SCENARIOS: dict[str, Callable[[Context], list[Row]]] = {
    "commit-hooks": scenario_commit_hooks,
    "hook-process": scenario_hook_process,
    "agent-guard": scenario_agent_guard,
    "hook-imports": scenario_hook_imports,
    "commit-small": scenario_commit_small,
    "commit-large": scenario_commit_large,
    "push-10k": scenario_push_10k,
    "push-cached-tests": scenario_push_cached_tests,
    "store-50": scenario_store_50,
    "validate": scenario_validate,
}


# --------------------------------------------------------------------------------------------
# Report


def machine_line(tools: Tools, env: dict[str, str]) -> str:
    git = check_output(["git", "--version"], Path.cwd(), env).decode().split()[-1]
    versions = check_output(
        [
            str(tools.python),
            "-c",
            "import platform, pygit2, pre_commit.constants as c;"
            "print(platform.python_version(), pygit2.__version__, pygit2.LIBGIT2_VERSION,"
            " c.VERSION)",
        ],
        Path.cwd(),
        env,
    )
    python, pygit2, libgit2, pre_commit = versions.decode().split()
    cpu = platform.processor() or platform.machine()
    return (
        f"machine: {os.cpu_count()} cores ({platform.system()} {cpu}), Python {python},"
        f" git {git}, pygit2 {pygit2} (libgit2 {libgit2}), pre-commit {pre_commit},"
        f" {PRE_COMMIT_HOOKS}"
    )


def load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def _yes_no(value: bool | None) -> str:
    return "n/a" if value is None else ("yes" if value else "**no**")


def markdown(rows: Sequence[Row], profile: Profile) -> str:
    lines = [
        "| scenario | ours (ms) | baseline | baseline (ms) | ratio | target | meets"
        " | peak RSS (MiB) |",
        "|---|---:|---|---:|---:|---:|:---:|---:|",
    ]
    for row in rows:
        data = row.to_json()
        target = "report" if row.target is None else f"≤ {row.target:g}"
        if not row.ours:
            target = "—"
        peak = data["ours_peak_rss_mib"]
        rss = "—" if peak is None else f"{peak}"
        if row.rss_target_mib is not None:
            rss += f" (≤ {row.rss_target_mib:g}: {_yes_no(row.rss_meets())})"
        cells = [data["ours_ms"], row.baseline, data["baseline_ms"], data["ratio"]]
        ours, baseline, base_ms, ratio = ("—" if c is None else str(c) for c in cells)
        lines.append(
            f"| {row.scenario} | {ours} | {baseline} | {base_ms} | {ratio} | {target}"
            f" | {_yes_no(row.meets())} | {rss} |"
        )
    lines.append("")
    lines.append(
        f"Medians of {profile.name} runs after warm-up, ours and baseline interleaved; ratio is the"
        " median of the per-round ratios ours / baseline. Peak RSS: GNU time's %M (ru_maxrss) of"
        " our stage in separate runs: the largest single process of its tree (Python or a git"
        " child)."
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (under two minutes)")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument(
        "--only", action="append", choices=sorted(SCENARIOS), help="run only these scenarios"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--editable",
        action="store_true",
        help="measure the project's virtualenv as it is (an editable install) instead of a wheel",
    )
    args = parser.parse_args(argv)
    profile = QUICK if args.quick else FULL

    def log(message: str) -> None:
        print(f"bench: {message}", file=sys.stderr, flush=True)

    tools = find_tools()
    load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="mwh-bench-")).resolve()
    started = time.perf_counter()
    rows: list[Row] = []
    try:
        if not args.editable:
            tools = installed_copy(tmp, tools, log)
        env = isolated_env(tmp, tools)
        ctx = Context(tmp=tmp, env=env, tools=tools, profile=profile, log=log)
        machine = machine_line(tools, env)
        for name, scenario in SCENARIOS.items():
            if args.only and name not in args.only:
                continue
            try:
                rows.extend(scenario(ctx))
            except BenchError as exc:
                # One broken scenario is reported loudly; the others still run.
                log(f"FAILED: {name}: {exc}")
                rows.append(Row(name, "(scenario failed)", None, [], [], failures=[str(exc)]))
    except BenchError as exc:
        log(f"FAILED: {exc}")
        return 2
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.perf_counter() - started
    failures = [
        f"{row.scenario}: {' '.join(f.split())[:600]}" for row in rows for f in row.failures
    ]
    if args.format == "json":
        print(json.dumps([row.to_json() for row in rows], indent=2))
        log(f"{machine}, load average {load_before} before / {load_average()} after")
    else:
        print(markdown(rows, profile))
        print()
        print(f"{machine}, load average {load_before} before / {load_average()} after")
        for note in (*SETUP_NOTES, *ctx.notes):
            print(f"- {note}")
        for failure in failures:
            print(f"- **FAILED** {failure}")
    log(f"{profile.name} run took {elapsed:.0f} s")
    for failure in failures:
        log(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
