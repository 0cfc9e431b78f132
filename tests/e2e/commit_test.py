"""Real ``git commit`` through installed hooks: the pre-commit and commit-msg stages end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, output, write, write_policy


def commit(repo: Path, *args: str, message: str = "ABC-1: change") -> tuple[int, str]:
    proc = git(repo, "commit", "-q", "-m", message, *args, check=False)
    return proc.returncode, output(proc)


def head_count(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD").stdout)


def test_fitting_branch_commits(hooked: Path) -> None:
    write(hooked, "src/app.py", "print(1)\n")
    git(hooked, "add", "src/app.py")
    code, text = commit(hooked)
    assert code == 0, text
    assert "branch" in text and "passed" in text


def test_non_fitting_branch_is_blocked_with_a_fitting_name(hooked: Path) -> None:
    git(hooked, "checkout", "-q", "-b", "Feature/Thing")
    write(hooked, "src/app.py")
    git(hooked, "add", "src/app.py")
    before = head_count(hooked)
    code, text = commit(hooked)
    assert code != 0
    assert "'Feature/Thing' does not fit branch_template '{ticket}/{repo}/{run}'" in text
    assert "a fitting name: your-ticket/repo/run-" in text
    assert head_count(hooked) == before


@pytest.mark.parametrize("path", [".env", "keys/x.pem", "deep/dir/id_rsa", ".env.local"])
def test_forbidden_file_is_blocked_and_named(hooked: Path, path: str) -> None:
    write(hooked, path, "SECRET=1\n")
    git(hooked, "add", path)
    code, text = commit(hooked)
    assert code != 0
    assert path in text
    assert "forbidden_files" in text


@pytest.mark.parametrize("path", ["docs/env.md", "environment.py", "keys/x.pem.txt", "id_rsa.pub"])
def test_look_alikes_are_allowed(hooked: Path, path: str) -> None:
    write(hooked, path)
    git(hooked, "add", path)
    code, text = commit(hooked)
    assert code == 0, text


def _track_forbidden(repo: Path) -> None:
    """A forbidden file already in history (committed past the hooks)."""
    write(repo, ".env", "A=1\n")
    commit_all(repo, "ABC-1: legacy env")


def test_commit_a_with_modified_forbidden_file_is_blocked(hooked: Path) -> None:
    _track_forbidden(hooked)
    write(hooked, ".env", "A=2\n")
    code, text = commit(hooked, "-a")
    assert code != 0
    assert ".env" in text


def test_commit_paths_with_modified_forbidden_file_is_blocked(hooked: Path) -> None:
    _track_forbidden(hooked)
    write(hooked, ".env", "A=2\n")
    write(hooked, "ok.txt")
    git(hooked, "add", "ok.txt")
    code, text = commit(hooked, "--", ".env")
    assert code != 0
    assert ".env" in text


def test_deleting_a_forbidden_file_is_allowed(hooked: Path) -> None:
    _track_forbidden(hooked)
    git(hooked, "rm", "-q", ".env")
    code, text = commit(hooked)
    assert code == 0, text


def test_detached_head_passes_and_says_so(hooked: Path) -> None:
    git(hooked, "checkout", "-q", "--detach")
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    code, text = commit(hooked)
    assert code == 0, text
    assert "detached HEAD" in text


def test_first_commit_on_unborn_branch(repo: Path, on_path: None) -> None:
    git(repo, "checkout", "-q", "-b", "abc-1/repo/run-1")
    assert cli(repo, "install").returncode == 0
    write_policy(repo, {"required_checks": ["forbidden_files"]})
    write(repo, "a.txt")
    git(repo, "add", "-A")
    code, text = commit(repo)
    assert code == 0, text
    write(repo, "id_ed25519")
    git(repo, "add", "-A")
    code, text = commit(repo)
    assert code != 0 and "id_ed25519" in text


def test_first_commit_on_unborn_branch_blocks_forbidden(repo: Path, on_path: None) -> None:
    git(repo, "checkout", "-q", "-b", "abc-1/repo/run-1")
    assert cli(repo, "install").returncode == 0
    write(repo, ".env")
    git(repo, "add", "-A")
    code, text = commit(repo)
    assert code != 0
    assert ".env" in text
    assert "built-in defaults" in text


def test_mode_off_passes_with_a_note(hooked: Path) -> None:
    write_policy(hooked, {"mode": "off"})
    write(hooked, ".env")
    git(hooked, "add", "-A")
    git(hooked, "checkout", "-q", "-b", "not-fitting")
    code, text = commit(hooked)
    assert code == 0, text
    assert "enforcement is off" in text


def test_invalid_policy_blocks_with_paths_and_lines(hooked: Path) -> None:
    write(
        hooked,
        ".metawsm/policy.json",
        '{\n  "git_pr": {\n    "mode": "sometimes",\n'
        '    "required_checks": ["tests", "lint"]\n  }\n}\n',
    )
    git(hooked, "add", "-A")
    code, text = commit(hooked)
    assert code != 0
    # PATH:LINE:COLUMN, the path as the user knows it (hooks run at the worktree's root).
    assert "\n.metawsm/policy.json:3:13: git_pr.mode" in text.replace("error: ", "\n")
    assert ".metawsm/policy.json:4:34: git_pr.required_checks[1]" in text


def test_invalid_json_policy_blocks_with_line_and_column(hooked: Path) -> None:
    write(hooked, ".metawsm/policy.json", '{\n  "git_pr": {\n    "mode": "assist",\n  }\n}\n')
    git(hooked, "add", "-A")
    code, text = commit(hooked)
    assert code != 0
    assert ".metawsm/policy.json" in text
    assert ":4" in text


def test_policy_enforced_is_the_staged_one(hooked: Path) -> None:
    """An unstaged edit that would loosen the policy does not count."""
    write_policy(
        hooked, {"required_checks": ["forbidden_files"], "forbidden_file_patterns": ["*.secret"]}
    )
    git(hooked, "add", "-A")
    write_policy(
        hooked, {"required_checks": ["forbidden_files"], "forbidden_file_patterns": ["nothing"]}
    )
    write(hooked, "a.secret")
    git(hooked, "add", "a.secret")
    code, text = commit(hooked)
    assert code != 0 and "a.secret" in text


def _tests_policy(repo: Path, command: str, **extra: object) -> None:
    write_policy(
        repo, {"required_checks": ["tests", "forbidden_files"], "test_commands": [command], **extra}
    )
    commit_all(repo, "ABC-1: policy")


def test_tests_failing_blocks_with_output_tail(hooked: Path) -> None:
    _tests_policy(hooked, "echo boom-output; exit 3")
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    code, text = commit(hooked)
    assert code != 0
    assert "boom-output" in text
    assert "3" in text


def test_tests_passing(hooked: Path) -> None:
    _tests_policy(hooked, "test -f a.txt")
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    code, text = commit(hooked)
    assert code == 0, text


def test_tests_do_not_see_unstaged_or_untracked_files(hooked: Path) -> None:
    _tests_policy(hooked, "test ! -e untracked.txt && grep -q staged a.txt")
    write(hooked, "a.txt", "staged\n")
    git(hooked, "add", "a.txt")
    write(hooked, "a.txt", "unstaged edit\n")
    write(hooked, "untracked.txt")
    code, text = commit(hooked)
    assert code == 0, text
    # The user's files are untouched.
    assert (hooked / "a.txt").read_text() == "unstaged edit\n"
    assert (hooked / "untracked.txt").exists()


def test_tests_see_missing_staged_content(hooked: Path) -> None:
    """The temp checkout is the index: a file only in the working tree is absent there."""
    _tests_policy(hooked, "test -f needed.txt")
    write(hooked, "needed.txt")
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    code, text = commit(hooked)
    assert code != 0, text


def test_require_all_false_passes_when_one_check_passes(hooked: Path) -> None:
    write_policy(
        hooked,
        {
            "required_checks": ["tests", "forbidden_files"],
            "require_all": False,
            "test_commands": ["true"],
        },
    )
    write(hooked, ".env")
    git(hooked, "add", "-A")
    code, text = commit(hooked)
    assert code == 0, text
    assert "failed" in text


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("with space/.env", id="space"),
        pytest.param("ünïcødé/id_rsa", id="unicode"),
        pytest.param("new\nline/.env", id="newline"),
        pytest.param("tab\there.pem", id="tab"),
    ],
)
def test_odd_paths_are_caught(hooked: Path, name: str) -> None:
    write(hooked, name)
    git(hooked, "add", "-A")
    code, text = commit(hooked)
    assert code != 0
    assert "forbidden_files" in text


def test_metawsm_skip_is_recorded(hooked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(hooked, ".env")
    git(hooked, "add", "-A")
    code, _ = commit(hooked)
    assert code != 0
    monkeypatch.setenv("METAWSM_SKIP", "forbidden_files")
    code, text = commit(hooked)
    assert code == 0, text
    assert "skipped by METAWSM_SKIP (Test Author <author@example.com>)" in text
    runs = json.loads(cli(hooked, "status", "--format", "json").stdout)["hook_runs"]
    assert any("forbidden_files by Test Author" in (r.get("skipped") or "") for r in runs)


def test_commit_msg_prefixes_the_ticket(hooked: Path) -> None:
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    code, text = commit(hooked, message="add a file")
    assert code == 0, text
    assert git(hooked, "log", "-1", "--format=%s").stdout.decode().strip() == "ABC-1: add a file"


def test_commit_msg_leaves_a_message_with_the_ticket(hooked: Path) -> None:
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    code, _ = commit(hooked, message="abc-1: already there")
    assert code == 0
    assert git(hooked, "log", "-1", "--format=%s").stdout.decode().strip() == "abc-1: already there"


def test_commit_msg_require_blocks(hooked: Path) -> None:
    write_policy(
        hooked, {"required_checks": ["forbidden_files"]}, hooks={"commit_message": "require"}
    )
    git(hooked, "add", "-A")
    code, text = commit(hooked, message="no ticket here")
    assert code != 0
    assert "ABC-1: summary" in text


def test_commit_msg_leaves_fixups_alone(hooked: Path) -> None:
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    code, _ = commit(hooked, message="fixup! something")
    assert code == 0
    assert git(hooked, "log", "-1", "--format=%s").stdout.decode().strip() == "fixup! something"


def test_linked_worktree_commit_is_enforced(hooked: Path, tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    git(hooked, "worktree", "add", "-q", "-b", "abc-2/repo/run-2", str(wt))
    write(wt, "id_rsa")
    git(wt, "add", "id_rsa")
    code, text = commit(wt, message="ABC-2: key")
    assert code != 0 and "id_rsa" in text
    git(wt, "rm", "-q", "--cached", "id_rsa")
    write(wt, "fine.txt")
    git(wt, "add", "fine.txt")
    code, text = commit(wt, message="ABC-2: fine")
    assert code == 0, text
    # One store for every worktree: the main worktree's.
    assert (hooked / ".metawsm" / "metawsm.db").exists()
    assert not (wt / ".metawsm" / "metawsm.db").exists()


def test_core_hooks_path_is_respected(repo: Path, on_path: None) -> None:
    git(repo, "config", "core.hooksPath", ".githooks")
    write(repo, "README.md")
    commit_all(repo, "init")
    git(repo, "checkout", "-q", "-b", "abc-1/repo/run-1")
    assert cli(repo, "install").returncode == 0
    assert (repo / ".githooks" / "pre-commit").exists()
    write(repo, ".env")
    git(repo, "add", ".env")
    code, text = commit(repo)
    assert code != 0 and ".env" in text


@pytest.mark.parametrize(
    ("mode", "message", "action", "code"),
    [
        pytest.param("prefix", "add it\n", "prefixed", 0, id="prefix"),
        pytest.param("prefix", "ABC-1: add it\n", "kept", 0, id="has-ticket"),
        pytest.param("require", "add it\n", "blocked", 1, id="require"),
        pytest.param("off", "add it\n", "kept", 0, id="off"),
    ],
)
def test_commit_msg_json(hooked: Path, mode: str, message: str, action: str, code: int) -> None:
    write_policy(hooked, {"required_checks": ["forbidden_files"]}, hooks={"commit_message": mode})
    git(hooked, "add", ".metawsm/policy.json")  # the message stages read the staged policy
    msg = write(hooked, ".git/MSG", message)
    proc = cli(hooked, "run", "commit-msg", str(msg), "--format", "json")
    assert proc.returncode == code, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["stage"], doc["action"], doc["passed"]) == ("commit-msg", action, code == 0)
    expected = f"ABC-1: {message}" if action == "prefixed" else message
    assert msg.read_text() == expected
