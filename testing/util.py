"""Shared helpers: real git with a fixed identity, files, commits, the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# Property tests are reproducible: the same examples on every run and machine, and no example
# database, so a run never depends on what an earlier run found (every counterexample found is
# kept as an explicit @example instead). METAWSM_FUZZ=deep is the opt-in long, randomized run.
DEEP = os.environ.get("METAWSM_FUZZ") == "deep"
settings.register_profile(
    "metawsm",
    derandomize=not DEEP,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("metawsm")
FUZZ = settings(max_examples=5000 if DEEP else 200)


IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}


def git(
    cwd: Path, *args: str, check: bool = True, input: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run real git in ``cwd``; raises with git's output when ``check`` and git fails."""
    proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"git {' '.join(args)} failed ({proc.returncode}):\n"
            f"{proc.stdout.decode(errors='replace')}{proc.stderr.decode(errors='replace')}"
        )
    return proc


def write(root: Path, relpath: str, content: str | bytes = "x\n") -> Path:
    target = root / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        target.write_text(content, encoding="utf-8")
    else:
        target.write_bytes(content)
    return target


def commit_all(root: Path, message: str = "change") -> str:
    """Commit everything with hooks bypassed (setup only); returns the new HEAD id."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-verify", "-m", message)
    return git(root, "rev-parse", "HEAD").stdout.decode().strip()


BIN = Path(sys.executable).parent


CLI = str(BIN / "metawsm-hooks")


def cli(
    cwd: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``metawsm-hooks`` console script."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [CLI, *args], cwd=cwd, input=input, capture_output=True, check=False, env=full_env
    )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", errors="replace"),
        proc.stderr.decode("utf-8", errors="replace"),
    )


def write_policy(root: Path, git_pr: dict[str, object] | None = None, **blocks: object) -> Path:
    """A policy file laid over metawsm's defaults (only the given blocks)."""
    doc: dict[str, object] = dict(blocks)
    if git_pr is not None:
        doc["git_pr"] = git_pr
    doc.setdefault("operator", {"llm": {"mode": "off"}})
    return write(root, ".metawsm/policy.json", json.dumps(doc, indent=2) + "\n")


def output(proc: subprocess.CompletedProcess[bytes] | subprocess.CompletedProcess[str]) -> str:
    """stdout and stderr together, as a user sees them."""
    out, err = proc.stdout, proc.stderr
    if isinstance(out, bytes):
        out = out.decode("utf-8", errors="replace")
    if isinstance(err, bytes):
        err = err.decode("utf-8", errors="replace")
    return f"{out}{err}"


def unmeasured(env: dict[str, str]) -> dict[str, str]:
    """``env`` without the variables that make coverage measure a Python subprocess: for tests
    that time a hook process or inspect what it imports, which coverage would change."""
    return {k: v for k, v in env.items() if not k.startswith("COVERAGE_PROCESS_")}
