"""The least a Python pre-commit hook doing this job can cost: the benchmark's floor for one.

Usage: ``python floor_hook.py DB`` inside a repository whose index holds ``.metawsm/policy.json``.

It does only the work no pre-commit stage can skip, with the cheapest means the standard
library offers: it imports what reading the policy and writing the audit row need (``json``,
which brings ``re`` and ``enum``, and ``sqlite3``), starts three git processes with
``os.posix_spawnp`` (find the repository, list the staged paths, read the staged policy), parses
the policy, and writes one row into a WAL store with ``synchronous=FULL`` in one ``BEGIN
IMMEDIATE`` transaction, as the stage's audit write does. No checks run, nothing is printed, and
nothing is validated: whatever a real hook costs above this figure is its own code.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys


def git(*args: str) -> bytes:
    """Standard output of ``git ARGS``; raises ``OSError`` if it exits non-zero."""
    read_end, write_end = os.pipe()
    pid = os.posix_spawnp(
        "git", ["git", *args], os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, write_end, 1)]
    )
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise OSError(f"git {' '.join(args)} failed")
    return b"".join(chunks)


def main(argv: list[str]) -> int:
    git("rev-parse", "--path-format=absolute", "--git-dir", "--show-toplevel")
    staged = git("diff-index", "--cached", "-z", "--name-only", "HEAD").split(b"\0")
    policy = json.loads(git("cat-file", "blob", ":.metawsm/policy.json"))
    db = sqlite3.connect(argv[1], isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE IF NOT EXISTS hook_runs (stage TEXT, changed INTEGER, keys TEXT)")
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT INTO hook_runs VALUES (?, ?, ?)",
            ("pre-commit", len(staged) - 1, ",".join(sorted(policy))),
        )
        db.execute("COMMIT")
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
