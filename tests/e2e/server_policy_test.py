"""The server's policy is the server's: attacks through real pushes to a bare repository with
pre-receive installed, and ``ci`` over real commits. A pushed (or head) policy may only add
forbidden patterns and non-command checks; nothing in it loosens, switches off or exempts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, output, write, write_policy

BRANCH = "abc-1/repo/run-1"


@pytest.fixture
def policy_server(tmp_path: Path, on_path: None) -> tuple[Path, Path]:
    """A bare server with pre-receive; its default branch ``main`` carries a policy that
    requires forbidden_files (metawsm's default patterns, ``.env`` among them)."""
    remote = tmp_path / "srv" / "acme" / "repo.git"
    remote.parent.mkdir(parents=True)
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    client = tmp_path / "client"
    git(tmp_path, "clone", "-q", str(remote), str(client))
    git(client, "checkout", "-q", "-b", "main")
    write_policy(client, {"required_checks": ["forbidden_files"]})
    write(client, "README.md")
    commit_all(client, "init")
    git(client, "push", "-q", "origin", "main")
    assert cli(remote, "install", "--hook-type", "pre-receive").returncode == 0
    git(client, "checkout", "-q", "-b", BRANCH)
    return remote, client


def push(client: Path, branch: str = BRANCH) -> tuple[int, str]:
    proc = git(client, "push", "origin", f"HEAD:refs/heads/{branch}", check=False)
    return proc.returncode, output(proc)


def remote_has(remote: Path, branch: str) -> bool:
    return (
        git(remote, "rev-parse", "-q", "--verify", f"refs/heads/{branch}", check=False).returncode
        == 0
    )


def audit_rows(remote: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(remote / "metawsm" / "metawsm.db") as db:
        return list(db.execute("SELECT verdict, report_json FROM hook_runs ORDER BY id"))


@pytest.mark.parametrize(
    "git_pr",
    [
        pytest.param({"mode": "off"}, id="mode-off"),
        pytest.param({"forbidden_file_patterns": []}, id="patterns-emptied"),
        pytest.param({"forbidden_file_patterns": ["*.nothing"]}, id="patterns-replaced"),
        pytest.param({"required_checks": ["clean_tree"]}, id="checks-replaced"),
        pytest.param(
            {"required_checks": ["forbidden_files", "clean_tree"], "require_all": False},
            id="require-all-off",
        ),
    ],
)
def test_a_pushed_policy_cannot_loosen_the_servers(
    policy_server: tuple[Path, Path], git_pr: dict[str, object]
) -> None:
    remote, client = policy_server
    write_policy(client, git_pr)
    write(client, ".env", "TOKEN=1\n")
    commit_all(client, "loosen the policy and add a secret")
    code, text = push(client)
    assert code != 0, text
    assert ".env" in text
    assert "changes .metawsm/policy.json" in text
    assert not remote_has(remote, BRANCH)


def test_pushed_exemptions_are_not_used(policy_server: tuple[Path, Path]) -> None:
    remote, client = policy_server
    write_policy(client, {"required_checks": ["forbidden_files"]}, hooks={"exempt_branches": ["*"]})
    commit_all(client, "exempt everything")
    code, text = push(client, "Not.A.Fitting.Name")
    assert code != 0
    assert "does not fit branch_template" in text
    assert not remote_has(remote, "Not.A.Fitting.Name")


def test_pushed_policy_adds_patterns_and_checks(policy_server: tuple[Path, Path]) -> None:
    remote, client = policy_server
    write_policy(client, {"forbidden_file_patterns": ["*.secret"]})
    write(client, "data/a.secret")
    commit_all(client, "tighten")
    code, text = push(client)
    assert code != 0
    assert "data/a.secret" in text
    assert "adds 1 forbidden pattern" in text
    assert not remote_has(remote, BRANCH)


def test_added_check_must_pass_even_without_require_all(
    policy_server: tuple[Path, Path], tmp_path: Path
) -> None:
    """The server's policy passes when any one check passes; a check the pushed policy adds
    still has to pass on its own."""
    remote, client = policy_server
    etc = write_policy(
        tmp_path / "etc", {"required_checks": ["ticket_workflow"], "require_all": False}
    )
    git(remote, "config", "metawsm.policy", str(etc))
    write_policy(client, {"required_checks": ["ticket_workflow", "forbidden_files"]})
    write(client, ".env")
    commit_all(client, "require forbidden_files")
    code, text = push(client)
    assert code != 0, text
    assert ".env" in text and "required by the pushed policy" in text


def test_an_invalid_pushed_policy_is_rejected_with_its_errors(
    policy_server: tuple[Path, Path],
) -> None:
    remote, client = policy_server
    write_policy(client, {"required_checks": ["tests", "no-such-check"]})
    commit_all(client, "bad policy")
    code, text = push(client)
    assert code != 0
    assert "git_pr.required_checks[1]" in text
    assert not remote_has(remote, BRANCH)


def test_git_config_names_the_servers_policy(
    policy_server: tuple[Path, Path], tmp_path: Path
) -> None:
    remote, client = policy_server
    etc = write_policy(tmp_path / "etc", {"forbidden_file_patterns": ["*.dump"]})
    git(remote, "config", "metawsm.policy", str(etc))
    write(client, "db.dump")
    commit_all(client, "dump")
    code, text = push(client)
    assert code != 0
    assert f"{etc} (git config metawsm.policy)" in text and "db.dump" in text


def test_the_server_policy_is_the_default_branch_before_the_push(
    policy_server: tuple[Path, Path],
) -> None:
    """Pushing a loosened policy to the default branch itself does not loosen that push."""
    _, client = policy_server
    git(client, "checkout", "-q", "main")
    write_policy(client, {"mode": "off"})
    write(client, ".env")
    commit_all(client, "off on main")
    proc = git(client, "push", "origin", "main", check=False)
    assert proc.returncode != 0
    assert ".env" in output(proc)


def test_a_policy_change_is_named_in_the_audit(policy_server: tuple[Path, Path]) -> None:
    remote, client = policy_server
    write_policy(client, {"forbidden_file_patterns": ["*.secret", ".env"]})
    commit_all(client, "tighten")
    code, text = push(client)
    assert code == 0, text
    verdict, report = audit_rows(remote)[-1]
    assert verdict == "passed"
    checks = json.loads(report)["checks"]
    assert any(
        c["name"] == "policy" and "changes .metawsm/policy.json" in c["detail"] for c in checks
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(b" " * (300 * 1024) + b"{}", "over the 262144 bytes", id="bytes"),
        pytest.param(
            json.dumps({"git_pr": {"forbidden_file_patterns": [f"p{i}" for i in range(1500)]}}),
            "at most 1000",
            id="pattern-count",
        ),
        pytest.param(
            json.dumps({"git_pr": {"forbidden_file_patterns": ["x" * 5000]}}),
            "at most 1024",
            id="pattern-length",
        ),
    ],
)
def test_a_pushed_policy_over_a_bound_is_refused(
    policy_server: tuple[Path, Path], content: str | bytes, reason: str
) -> None:
    remote, client = policy_server
    write(client, ".metawsm/policy.json", content)
    commit_all(client, "huge policy")
    code, text = push(client)
    assert code != 0
    assert reason in text
    assert not remote_has(remote, BRANCH)


def test_ci_enforces_the_policy_at_base(policy_server: tuple[Path, Path]) -> None:
    _, client = policy_server
    base = git(client, "rev-parse", "HEAD").stdout.decode().strip()
    write_policy(
        client, {"mode": "off", "test_commands": ["touch ran"], "required_checks": ["tests"]}
    )
    write(client, ".env")
    commit_all(client, "head switches enforcement off")
    proc = cli(client, "ci", "--base", base, "--head", "HEAD", "--branch", BRANCH)
    assert proc.returncode == 1, output(proc)
    assert ".env" in output(proc)
    assert not (client / "ran").exists()


def test_one_bad_ref_fails_alone_and_every_ref_is_recorded(
    policy_server: tuple[Path, Path], tmp_path: Path
) -> None:
    """A folder where the check reads a file fails that ref with one line and its audit row;
    the other ref of the same push is still enforced and recorded."""
    remote, client = policy_server
    etc = write_policy(tmp_path / "etc", {"required_checks": ["ticket_workflow"]})
    git(remote, "config", "metawsm.policy", str(etc))
    folder = "ttmp/2026/abc-1--odd"
    write(
        client,
        f"{folder}/reference/99-operator-feedback.md",
        "Required workflow:\n- Step 1\n- Step 2\n- Step 3\n- Step 4\n",
    )
    write(client, f"{folder}/tasks.md/inside.txt")  # a folder where tasks.md is read
    commit_all(client, "odd docs")
    git(client, "branch", "-q", "abc-2/repo/run-2", "main")
    proc = git(
        client,
        "push",
        "origin",
        f"HEAD:refs/heads/{BRANCH}",
        "abc-2/repo/run-2:refs/heads/abc-2/repo/run-2",
        check=False,
    )
    text = output(proc)
    assert proc.returncode != 0
    assert "tasks.md is a directory" in text
    assert "Traceback" not in text and "internal error" not in text
    rows = audit_rows(remote)
    verdicts = sorted(verdict for verdict, _ in rows[-2:])
    assert verdicts == ["blocked", "passed"], rows


def test_a_ref_to_an_odd_object_fails_alone_and_every_ref_is_recorded(
    policy_server: tuple[Path, Path],
) -> None:
    """A branch pointing at a tree (no commit to read a policy or changes from; a tag there is
    exempt) gets its own audit row and no internal error; git itself refuses to point a branch
    at a tree; the other ref of the push is still enforced and recorded."""
    remote, client = policy_server
    tree = git(client, "rev-parse", "HEAD^{tree}").stdout.decode().strip()
    git(client, "branch", "-q", "abc-2/repo/run-2", "main")
    proc = git(
        client,
        "push",
        "origin",
        f"{tree}:refs/heads/abc-3/repo/run-3",
        "abc-2/repo/run-2:refs/heads/abc-2/repo/run-2",
        check=False,
    )
    text = output(proc)
    assert proc.returncode != 0
    assert "Traceback" not in text and "internal error" not in text
    rows = audit_rows(remote)[-2:]
    reports = " ".join(report for _, report in rows)
    assert "abc-2/repo/run-2" in reports and "abc-3/repo/run-3" in reports, rows
    assert "passed" in [verdict for verdict, _ in rows]


def test_a_push_of_too_many_refs_is_refused_in_one_line(policy_server: tuple[Path, Path]) -> None:
    _, client = policy_server
    head = git(client, "rev-parse", "HEAD").stdout.decode().strip()
    refs = "".join(f"update refs/tags/t{i} {head}\n" for i in range(1001))
    git(client, "update-ref", "--stdin", input=refs.encode())
    proc = git(client, "push", "origin", "refs/tags/*:refs/tags/*", check=False)
    assert proc.returncode != 0
    assert "at most 1000 refs" in output(proc)
    assert "Traceback" not in output(proc)
