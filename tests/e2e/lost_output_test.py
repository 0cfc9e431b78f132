"""A command whose output is its product fails when that output cannot be written, in one line
(as coreutils do): ``schema > schema.json`` on a full disk must not leave an empty file and exit
0. A reader that stops reading (``| head``) is no failure, and a hook stage keeps the exit code
of its decision (``tests/hardening_faults_test.py``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from testing.util import CLI, commit_all

COMMANDS = [
    pytest.param(["schema"], id="schema"),
    pytest.param(["status"], id="status"),
    pytest.param(["status", "--format", "json"], id="status-json"),
    pytest.param(["validate"], id="validate"),
    pytest.param(["validate", "--format", "json"], id="validate-json"),
    pytest.param(["branch", "render", "--ticket", "A-1", "--repo", "r", "--run", "1"], id="render"),
    pytest.param(["branch", "check", "--format", "json"], id="branch-check-json"),
    pytest.param(["doctor", "--format", "json"], id="doctor-json"),
    pytest.param(["ci", "--base", "HEAD~1", "--head", "HEAD", "--format", "json"], id="ci-json"),
    pytest.param(["ci", "--base", "HEAD~1", "--head", "HEAD", "--format", "sarif"], id="sarif"),
]


def _run(cwd: Path, args: list[str], redirect: str) -> subprocess.CompletedProcess[str]:
    script = 'exec 3>&2; "$@" ' + redirect + "; echo status=$? >&3"
    return subprocess.run(
        ["/bin/bash", "-c", script, "-", CLI, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def two_commits(hooked: Path) -> Path:
    (hooked / "a.txt").write_text("a\n", encoding="utf-8")
    commit_all(hooked, "ABC-1: a")
    return hooked


@pytest.mark.parametrize("args", COMMANDS)
@pytest.mark.parametrize(
    "redirect",
    [
        pytest.param(">/dev/full", id="full"),
        pytest.param(">&-", id="closed"),
    ],
)
def test_unwritable_output_fails_in_one_line(
    two_commits: Path, args: list[str], redirect: str
) -> None:
    proc = _run(two_commits, args, redirect)
    status = int(proc.stderr.rpartition("status=")[2])
    reason = "No space left on device" if "full" in redirect else "Bad file descriptor"
    lines = [line for line in proc.stderr.splitlines() if "cannot write" in line]
    assert lines == [f"metawsm-hooks: error: cannot write the output ({reason})"], proc.stderr
    assert status == 2, proc.stderr
    assert "warning" not in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", COMMANDS)
def test_written_output_and_a_reader_that_stops_are_fine(
    two_commits: Path, args: list[str]
) -> None:
    whole = _run(two_commits, args, ">/dev/null")
    assert int(whole.stderr.rpartition("status=")[2]) in (0, 1), whole.stderr
    cut = subprocess.run(
        ["/bin/bash", "-c", 'set -o pipefail; "$@" | head -c 1 >/dev/null', "-", CLI, *args],
        cwd=two_commits,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "cannot write" not in cut.stderr


def test_schema_to_a_file_is_the_whole_schema(two_commits: Path, tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    proc = _run(two_commits, ["schema"], f"> {target}")
    assert proc.stderr.endswith("status=0\n"), proc.stderr
    assert target.read_text(encoding="utf-8").startswith("{")
