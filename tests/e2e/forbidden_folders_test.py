"""metawsm's folder rule for forbidden patterns, through real commits: a pattern (less one
trailing ``/``) forbids the path it names and everything under it, counted from the repository
root, not a folder of that name deeper down; the glob still matches any path's basename."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.util import git, output, write, write_policy

PATTERNS = ["config/creds", "secrets/", ".env", "*.pem"]


@pytest.mark.parametrize(
    ("path", "blocked"),
    [
        pytest.param("config/creds", True, id="the-path-itself"),
        pytest.param("config/creds/x", True, id="under-the-folder"),
        pytest.param("config/creds/deep/x", True, id="deep-under-the-folder"),
        pytest.param("app/config/creds/x", False, id="same-folder-deeper-down"),
        pytest.param("config/credsx", False, id="a-longer-name"),
        pytest.param("secrets/key.txt", True, id="trailing-slash-pattern"),
        pytest.param("app/secrets/key.txt", False, id="trailing-slash-deeper-down"),
        pytest.param(".env/x", True, id="dot-env-folder-at-the-root"),
        pytest.param("app/.env/x", False, id="dot-env-folder-deeper-down"),
        pytest.param("app/.env", True, id="dot-env-file-by-basename"),
        pytest.param("a/b/c.pem", True, id="glob-by-basename"),
    ],
)
def test_folder_patterns_count_from_the_root(hooked: Path, path: str, blocked: bool) -> None:
    write_policy(
        hooked, {"required_checks": ["forbidden_files"], "forbidden_file_patterns": PATTERNS}
    )
    git(hooked, "add", "-A")
    git(hooked, "commit", "-q", "--no-verify", "-m", "ABC-1: policy")
    write(hooked, path, "x\n")
    git(hooked, "add", "-A")
    proc = git(hooked, "commit", "-q", "-m", "ABC-1: change", check=False)
    assert (proc.returncode != 0) == blocked, output(proc)
    if blocked:
        assert f"forbidden files detected: {path}" in output(proc)
