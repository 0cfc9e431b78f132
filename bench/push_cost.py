"""What one hostile push costs the server: CPU seconds and peak memory of the pre-receive hook.

    python bench/push_cost.py                          # every scenario, this checkout's code
    python bench/push_cost.py --code DIR --timeout 60  # the metawsm_hooks package found in DIR
    python bench/push_cost.py --scenario branch-3202 --format json

Each scenario builds a bare server repository whose default branch carries the server's policy,
installs a pre-receive hook that runs ``python -m metawsm_hooks run pre-receive`` under a meter,
and pushes one hostile commit or ref from a client clone. The meter waits for the hook with
``os.wait4``: CPU is user + system time of the hook and everything it started (git included), and
memory is the largest resident set among them. A hook still running at ``--timeout`` is killed
and reported as such. ``cache`` is the size of the hook's cache folder afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BRANCH = "abc-1/repo/run-1"
MiB = 1024 * 1024
CONTRACT = (
    "# Operator feedback\nRequired workflow:\n- Step 1: analysis\n- Step 2: plan\n"
    "- Step 3: implement\n- Step 4: diary\n"
)


def _git(cwd: Path, *args: str, env: dict[str, str], input: bytes | None = None) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, input=input, check=True, capture_output=True)


def _write(root: Path, relpath: str, data: bytes) -> None:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _policy(**git_pr: object) -> bytes:
    return json.dumps({"git_pr": git_pr, "operator": {"llm": {"mode": "off"}}}).encode()


class Client:
    """The pushing clone: files are staged straight into its index."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env

    def stage(self, relpath: str, data: bytes) -> None:
        _write(self.root, relpath, data)
        _git(self.root, "add", "--", relpath, env=self.env)

    def stage_many(self, relpaths: list[str], data: bytes) -> None:
        """One blob under many names, without writing it out once per name."""
        oid = (
            subprocess.run(
                ["git", "hash-object", "-w", "--stdin"],
                cwd=self.root,
                env=self.env,
                input=data,
                capture_output=True,
                check=True,
            )
            .stdout.decode()
            .strip()
        )
        info = "".join(f"100644 {oid}\t{path}\n" for path in relpaths).encode()
        _git(self.root, "update-index", "--add", "--index-info", env=self.env, input=info)


# A scenario: (the server's policy on the default branch, a function that stages the hostile
# commit in the client and returns the branch to push it to).
Scenario = tuple[bytes, Callable[[Client], str]]


def policy_40mb(client: Client) -> str:
    keys = b",".join(b'"unknown_key_%08d": 0' % i for i in range(40 * MiB // 24))
    client.stage(".metawsm/policy.json", b"{" + keys + b"}")
    return BRANCH


def patterns_740k(client: Client) -> str:
    patterns = [f"p{i}" for i in range(740_000)]
    client.stage(".metawsm/policy.json", _policy(forbidden_file_patterns=patterns))
    return BRANCH


def ticket_docs(client: Client) -> str:
    folder = "ttmp/2026/abc-1--hostile"
    client.stage(f"{folder}/reference/99-operator-feedback.md", CONTRACT.encode())
    docs = [f"{folder}/reference/doc{i:03d}.md" for i in range(400)]
    client.stage_many(docs, b"# Diary\n" + b"x" * (5 * MiB))
    return BRANCH


def branch_3202(client: Client) -> str:
    client.stage("a.txt", b"a\n")
    return "a-" * 1600 + ",b"


SCENARIOS: dict[str, Scenario] = {
    "policy-40mb": (_policy(required_checks=["forbidden_files"]), policy_40mb),
    "patterns-740k": (_policy(required_checks=["forbidden_files"]), patterns_740k),
    "ticket-docs-400x5mb": (_policy(required_checks=["ticket_workflow"]), ticket_docs),
    "branch-3202": (
        _policy(required_checks=["forbidden_files"], branch_template="{ticket}-{repo}-{run}"),
        branch_3202,
    ),
}


def _folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def run_scenario(name: str, *, code: Path, timeout: float) -> dict[str, object]:
    server_policy, attack = SCENARIOS[name]
    with tempfile.TemporaryDirectory(prefix="metawsm-push-cost-") as scratch:
        root = Path(scratch)
        home = root / "home"
        home.mkdir()
        (home / ".gitconfig").write_text(
            "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n"
        )
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "NO_COLOR": "1",
        }
        server = root / "srv" / "repo.git"
        server.parent.mkdir()
        _git(root, "init", "-q", "--bare", "-b", "main", str(server), env=env)
        client = root / "client"
        _git(root, "clone", "-q", str(server), str(client), env=env)
        _git(client, "checkout", "-q", "-b", "main", env=env)
        _write(client, ".metawsm/policy.json", server_policy)
        _git(client, "add", "-A", env=env)
        _git(client, "commit", "-q", "-m", "server policy", env=env)
        _git(client, "push", "-q", "origin", "main", env=env)
        usage = root / "usage.json"
        hook = server / "hooks" / "pre-receive"
        hook.write_text(
            f"#!/bin/sh\nexec {sys.executable} {Path(__file__).resolve()} --meter {usage}"
            f" --code {code} --timeout {timeout}\n"
        )
        hook.chmod(0o755)
        _git(client, "checkout", "-q", "-b", "attack", env=env)
        branch = attack(Client(client, env))
        _git(client, "commit", "-q", "-m", "attack", env=env)
        started = time.monotonic()
        push = subprocess.run(
            ["git", "push", "origin", f"HEAD:refs/heads/{branch}"],
            cwd=client,
            env=env,
            capture_output=True,
            check=False,
        )
        wall = time.monotonic() - started
        measured = json.loads(usage.read_text()) if usage.exists() else {}
        cache = home / ".cache"
        last = [
            line
            for line in push.stderr.decode("utf-8", "replace").splitlines()
            if "metawsm-hooks:" in line
        ]
        return {
            "scenario": name,
            "accepted": push.returncode == 0,
            "hook_cpu_s": measured.get("cpu_s"),
            "hook_max_rss_mib": measured.get("max_rss_mib"),
            "killed_at_timeout": measured.get("killed", False),
            "push_wall_s": round(wall, 2),
            "cache_bytes": _folder_bytes(cache) if cache.exists() else 0,
            "verdict": last[-1][:200] if last else "",
        }


def meter(usage: Path, code: Path, timeout: float) -> int:
    """The hook side: run the stage on this stdin, then write its resource use to ``usage``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    child = subprocess.Popen(
        [sys.executable, "-m", "metawsm_hooks", "run", "pre-receive"],
        env=env,
        start_new_session=True,
    )
    killed = False
    deadline = time.monotonic() + timeout
    while True:
        pid, status, rusage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline and not killed:
            os.killpg(child.pid, signal.SIGKILL)
            killed = True
        time.sleep(0.05)
    code_ = os.waitstatus_to_exitcode(status)
    usage.write_text(
        json.dumps(
            {
                "cpu_s": round(rusage.ru_utime + rusage.ru_stime, 2),
                "max_rss_mib": round(rusage.ru_maxrss / 1024, 1),
                "killed": killed,
            }
        )
    )
    return 1 if killed else code_


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--code", type=Path, default=PROJECT, help="folder holding metawsm_hooks")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before the kill")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--meter", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.meter is not None:
        return meter(args.meter, args.code.resolve(), args.timeout)
    if shutil.which("git") is None:
        print("push_cost: git is not on PATH", file=sys.stderr)
        return 2
    for name in args.scenario or sorted(SCENARIOS):
        result = run_scenario(name, code=args.code.resolve(), timeout=args.timeout)
        if args.format == "json":
            print(json.dumps(result))
        else:
            print(
                f"{name:22} cpu {result['hook_cpu_s']!s:>6} s"
                f"  rss {result['hook_max_rss_mib']!s:>7} MiB"
                f"  {'KILLED' if result['killed_at_timeout'] else 'ok':6}"
                f" accepted={result['accepted']!s:5} cache {result['cache_bytes']} B"
                f"  {result['verdict']}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
