"""A forbidden pattern Go's ``filepath.Match`` rejects (``"["``) is accepted by metawsm and then
matches nothing: ``validate`` warns at its place, and the hooks say it in one line, never
crashing and never blocking for it."""

from __future__ import annotations

import json
from pathlib import Path

from testing.util import cli, commit_all, git, output, write, write_policy

POLICY = '{\n  "git_pr": {\n    "forbidden_file_patterns": [".env", "["]\n  }\n}\n'
WARNING = (
    '.metawsm/policy.json:3:41: git_pr.forbidden_file_patterns[1]: "[" is a bad pattern to'
    " Go's filepath.Match (syntax error in pattern), so metawsm's forbidden_files matches"
    ' nothing with it; to match it literally write "\\\\[" in the JSON'
)


def test_validate_warns_at_its_place(repo: Path) -> None:
    write(repo, ".metawsm/policy.json", POLICY)
    human = cli(repo, "validate")
    assert human.returncode == 0, output(human)
    assert f"metawsm-hooks: warning: {WARNING}" in human.stderr
    assert ".metawsm/policy.json: valid (1 warning)" in human.stdout
    doc = json.loads(cli(repo, "validate", "--format", "json").stdout)
    [entry] = doc["files"]
    assert entry["valid"] is True
    [warning] = entry["warnings"]
    assert (warning["path"], warning["line"], warning["column"]) == (
        "git_pr.forbidden_file_patterns[1]",
        3,
        41,
    )


def test_the_hooks_say_it_once_and_decide_as_metawsm(hooked: Path, tmp_path: Path) -> None:
    write(hooked, ".metawsm/policy.json", POLICY)
    write(hooked, "[x", "literal bracket\n")  # matches no pattern: "[" is not a glob
    git(hooked, "add", "-A")
    proc = git(hooked, "commit", "-q", "-m", "ABC-1: bad pattern", check=False)
    text = output(proc)
    assert proc.returncode == 0, text
    assert text.count("is a bad pattern to Go's filepath.Match") == 1, text
    assert "Traceback" not in text
    write(hooked, ".env", "TOKEN=x\n")  # the other patterns still hold
    git(hooked, "add", ".env")
    assert git(hooked, "commit", "-q", "-m", "ABC-1: env", check=False).returncode == 1


def test_pre_receive_says_it_for_a_pushed_pattern(tmp_path: Path, on_path: None) -> None:
    remote = tmp_path / "srv.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    client = tmp_path / "client"
    git(tmp_path, "clone", "-q", str(remote), str(client))
    git(client, "checkout", "-q", "-b", "main")
    write_policy(client, {"required_checks": ["forbidden_files"]})
    commit_all(client, "init")
    git(client, "push", "-q", "origin", "main")
    assert cli(remote, "install", "--hook-type", "pre-receive").returncode == 0
    git(client, "checkout", "-q", "-b", "abc-1/repo/run-1")
    write(client, ".metawsm/policy.json", POLICY)
    commit_all(client, "ABC-1: add a pattern")
    proc = git(client, "push", "origin", "abc-1/repo/run-1", check=False)
    text = output(proc)
    assert proc.returncode == 0, text
    assert text.count("is a bad pattern to Go's filepath.Match") == 1, text
