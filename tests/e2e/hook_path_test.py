"""What a hook process imports: a whole ``git commit`` through the installed hooks (pre-commit and
commit-msg), with Python's import profile on (``PYTHONPROFILEIMPORTTIME``), loads none of the
modules that cost start-up time and that the hook path does not need."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from testing.util import git, unmeasured, write, write_policy

# Each costs milliseconds on every commit (argparse with gettext ~2 ms; dataclasses ~5 ms with
# inspect, ast, dis and tokenize; typing ~2.5 ms; subprocess ~5 ms with signal, threading,
# selectors and locale) or is a heavy dependency kept for other paths.
NOT_ON_THE_HOOK_PATH = frozenset(
    {
        "argparse",
        "ast",
        "dataclasses",
        "gettext",
        "getpass",
        "inspect",
        "locale",
        "pydantic",
        "pygit2",
        "selectors",
        "signal",
        "subprocess",
        "threading",
        "typing",
    }
)


def imported(stderr: bytes) -> set[str]:
    names = set()
    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def test_a_commit_through_both_hooks_imports_nothing_it_does_not_need(hooked: Path) -> None:
    write_policy(
        hooked, {"required_checks": ["forbidden_files"]}, hooks={"commit_message": "require"}
    )
    git(hooked, "add", "-A")
    git(hooked, "commit", "-q", "--no-verify", "-m", "abc-1: policy")
    write(hooked, "src/a.txt", "a\n")
    git(hooked, "add", "src/a.txt")
    # Unmeasured: coverage's start-up in the hook processes would add its own imports.
    env = {**unmeasured(dict(os.environ)), "PYTHONPROFILEIMPORTTIME": "1"}
    proc = subprocess.run(
        ["git", "commit", "-q", "-m", "abc-1: change"],
        cwd=hooked,
        env=env,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    names = imported(proc.stderr)
    # Both hooks ran: each imports its own stage module.
    assert {"metawsm_hooks.stages.commit", "metawsm_hooks.stages.message"} <= names
    top_level = {name.split(".")[0] for name in names}
    assert top_level & NOT_ON_THE_HOOK_PATH == set()
