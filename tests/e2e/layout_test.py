"""metawsm's layout, built for real: a home holding the policy and a store with metawsm's own tables
and rows, a wsm workspace with a repository checkout, real commits and pushes through the
installed hooks. Which policy and store are used, in which order, and the identities recorded."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from testing.util import cli, commit_all, git, output, write, write_policy

RUN = "run-20260208-112226"
TICKET = "METAWSM-009"
BRANCH = f"metawsm-009/widgets/{RUN}"
WORKSPACE = "ws-metawsm-009"

# metawsm's tables, with the columns metawsm creates them with (internal/store/sqlite.go).
METAWSM_SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL, spec_json TEXT NOT NULL DEFAULT '',
  policy_json TEXT NOT NULL DEFAULT '', error_text TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS run_tickets (
  run_id TEXT NOT NULL, ticket TEXT NOT NULL, PRIMARY KEY (run_id, ticket)
);
CREATE TABLE IF NOT EXISTS steps (
  run_id TEXT NOT NULL, step_index INTEGER NOT NULL, name TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL DEFAULT '', command_text TEXT NOT NULL DEFAULT '',
  blocking INTEGER NOT NULL DEFAULT 0, ticket TEXT NOT NULL DEFAULT '',
  workspace_name TEXT NOT NULL DEFAULT '', agent_name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT '', error_text TEXT NOT NULL DEFAULT '',
  started_at TEXT NOT NULL DEFAULT '', finished_at TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, step_index)
);
CREATE TABLE IF NOT EXISTS run_pull_requests (
  run_id TEXT NOT NULL, ticket TEXT NOT NULL, repo TEXT NOT NULL,
  workspace_name TEXT NOT NULL DEFAULT '', head_branch TEXT NOT NULL DEFAULT '',
  base_branch TEXT NOT NULL DEFAULT '', remote_name TEXT NOT NULL DEFAULT '',
  commit_sha TEXT NOT NULL DEFAULT '', pr_number INTEGER NOT NULL DEFAULT 0,
  pr_url TEXT NOT NULL DEFAULT '', pr_state TEXT NOT NULL DEFAULT '',
  credential_mode TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL DEFAULT '',
  validation_json TEXT NOT NULL DEFAULT '', error_text TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  PRIMARY KEY (run_id, ticket, repo)
);
"""


def metawsm_sql(db: Path, sql: str) -> None:
    """Write to the store as metawsm does: through the sqlite3 program when it is installed."""
    db.parent.mkdir(parents=True, exist_ok=True)
    program = shutil.which("sqlite3")
    if program is not None:
        subprocess.run(
            [program, "-bail", "-cmd", ".timeout 1500", str(db)],
            input=sql.encode(),
            check=True,
            capture_output=True,
        )
        return
    with sqlite3.connect(db) as connection:
        connection.executescript(sql)


def metawsm_run(db: Path, run: str, tickets: list[str], *, repo: str = "widgets") -> None:
    """A run as metawsm records it: the run, its tickets, one step per ticket naming the
    workspace, and (for the first ticket) its PR row with the workspace filled in."""
    spec = json.dumps({"tickets": tickets, "repos": [repo]}).replace("'", "''")
    sql = [
        METAWSM_SCHEMA,
        f"INSERT INTO runs (run_id, status, created_at, updated_at, spec_json) VALUES"
        f" ('{run}', 'running', '2026-02-08T11:22:26-08:00', '2026-02-08T11:22:26-08:00',"
        f" '{spec}');",
    ]
    for index, ticket in enumerate(tickets):
        workspace = f"ws-{ticket.lower()}"
        sql.append(f"INSERT INTO run_tickets VALUES ('{run}', '{ticket}');")
        sql.append(
            "INSERT INTO steps (run_id, step_index, name, kind, ticket, workspace_name, status)"
            f" VALUES ('{run}', {index}, 'implement', 'agent', '{ticket}', '{workspace}',"
            " 'running');"
        )
    sql.append(
        "INSERT INTO run_pull_requests (run_id, ticket, repo, workspace_name, head_branch,"
        " base_branch, created_at, updated_at) VALUES"
        f" ('{run}', '{tickets[0]}', '{repo}', 'ws-{tickets[0].lower()}', '', 'main',"
        " '2026-02-08T11:22:26-08:00', '2026-02-08T11:22:26-08:00');"
    )
    metawsm_sql(db, "\n".join(sql))


def pr_rows(db: Path) -> list[dict[str, object]]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        query = "SELECT * FROM run_pull_requests ORDER BY run_id, ticket, repo"
        return [dict(row) for row in connection.execute(query)]


def audit_rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        query = "SELECT stage, ticket, repo, run_id, verdict FROM hook_runs ORDER BY id"
        return list(connection.execute(query))


def home_policy(home: Path, *patterns: str) -> Path:
    return write_policy(
        home,
        {"required_checks": ["forbidden_files"], "forbidden_file_patterns": list(patterns)},
    )


@pytest.fixture
def layout(tmp_path: Path, on_path: None) -> dict[str, Path]:
    """metawsm's home (policy + store with its run), a bare remote, and a wsm workspace holding a
    checkout of ``widgets`` on the branch metawsm rendered. Nothing is onboarded yet."""
    home = tmp_path / "metawsm"
    home.mkdir()
    home_policy(home, "*.env")
    db = home / ".metawsm" / "metawsm.db"
    metawsm_run(db, RUN, [TICKET])
    remote = tmp_path / "remotes" / "acme" / "widgets.git"
    remote.parent.mkdir(parents=True)
    git(tmp_path, "init", "-q", "--bare", str(remote))
    seed = tmp_path / "seed"
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    write(seed, "README.md", "widgets\n")
    commit_all(seed, "initial")
    git(seed, "push", "-q", str(remote), "main")
    workspace = tmp_path / "workspaces" / "2026-02-08" / "metawsm-009"
    workspace.mkdir(parents=True)
    checkout = workspace / "widgets"
    git(workspace, "clone", "-q", str(remote), "widgets")
    git(checkout, "checkout", "-q", "-b", BRANCH)
    return {"home": home, "db": db, "remote": remote, "checkout": checkout}


def commit(root: Path, path: str, message: str = f"{TICKET}: change") -> tuple[int, str]:
    write(root, path, "x\n")
    git(root, "add", "-A")
    proc = git(root, "commit", "-q", "-m", message, check=False)
    return proc.returncode, output(proc)


def push(root: Path, *args: str) -> tuple[int, str]:
    proc = git(root, "push", "-q", *args, check=False)
    return proc.returncode, output(proc)


# --- a workspace onboarded onto metawsm's home -------------------------------------------------


def test_workspace_commits_and_pushes_under_metawsms_identities(layout: dict[str, Path]) -> None:
    home, db, checkout = layout["home"], layout["db"], layout["checkout"]
    proc = cli(checkout, "onboard", "--home", str(home))
    assert proc.returncode == 0, output(proc)
    text = output(proc)
    assert not (checkout / ".metawsm" / "policy.json").exists()  # no policy into the workspace
    assert git(checkout, "config", "metawsm.home").stdout.decode().strip() == str(home)
    assert f"{home}/.metawsm/policy.json (metawsm home, from git config metawsm.home)" in text
    assert f"{db} opens and is writable" in text
    assert "metawsm tables" in text and "present (runs, run_tickets, steps" in text

    code, text = commit(checkout, "config.env")
    assert code == 1 and "config.env" in text, text
    assert "policy: " + str(home / ".metawsm" / "policy.json") in text
    git(checkout, "rm", "-q", "--cached", "config.env")
    (checkout / "config.env").unlink()
    code, text = commit(checkout, "src/app.py")
    assert code == 0, text
    sha = git(checkout, "rev-parse", "HEAD").stdout.decode().strip()
    code, text = push(checkout, "origin", BRANCH)
    assert code == 0, text
    assert not (checkout / ".metawsm").exists()  # the store is the home's, not the workspace's

    [row] = pr_rows(db)  # metawsm's row, updated; no second row under the branch's spelling
    assert (row["run_id"], row["ticket"], row["repo"]) == (RUN, TICKET, "widgets")
    assert row["workspace_name"] == WORKSPACE
    assert row["commit_sha"] == sha and row["head_branch"] == BRANCH
    assert row["created_at"] == "2026-02-08T11:22:26-08:00"  # metawsm's stamp is kept
    assert row["pr_state"] == "draft" and row["error_text"] == ""
    stages = [(stage, ticket, repo, run) for stage, ticket, repo, run, _ in audit_rows(db)]
    assert stages[-1] == ("pre-push", TICKET, "widgets", RUN)
    assert ("pre-commit", TICKET, "widgets", RUN) in stages

    proc = cli(checkout, "pr", "record", "--url", "https://github.com/acme/widgets/pull/7")
    assert proc.returncode == 0, output(proc)
    [row] = pr_rows(db)
    assert (row["ticket"], row["pr_number"], row["pr_state"]) == (TICKET, 7, "open")
    assert row["workspace_name"] == WORKSPACE

    for spelling in (TICKET, "metawsm-009", "Metawsm-009"):
        proc = cli(checkout, "status", "--ticket", spelling, "--format", "json")
        assert proc.returncode == 0, output(proc)
        doc = json.loads(proc.stdout)
        assert doc["store"] == str(db) and doc["metawsm_tables"] is True
        [listed] = doc["pull_requests"]
        assert listed["ticket"] == TICKET and listed["metawsm_record"] is True
        assert {r["stage"] for r in doc["hook_runs"]} == {"pre-commit", "commit-msg", "pre-push"}
    human = cli(checkout, "status").stdout
    assert f"store: {db}" in human
    assert f"{TICKET} widgets {RUN} [open] #7 {BRANCH} @ {sha[:12]} workspace {WORKSPACE}" in human


def test_blocked_push_records_the_reason_on_metawsms_row(layout: dict[str, Path]) -> None:
    home, db, checkout = layout["home"], layout["db"], layout["checkout"]
    assert cli(checkout, "install", "--home", str(home)).returncode == 0
    write(checkout, "secrets.env", "TOKEN=1\n")
    commit_all(checkout, f"{TICKET}: sneak")  # --no-verify: only the push stands in the way
    code, text = push(checkout, "origin", BRANCH)
    assert code == 1 and "secrets.env" in text, text
    [row] = pr_rows(db)
    assert row["ticket"] == TICKET and row["workspace_name"] == WORKSPACE
    assert "forbidden_files" in str(row["error_text"]) and row["commit_sha"] == ""


def test_no_metawsm_record_keeps_the_branch_tokens(layout: dict[str, Path]) -> None:
    home, db, checkout = layout["home"], layout["db"], layout["checkout"]
    assert cli(checkout, "install", "--home", str(home)).returncode == 0
    other = "metawsm-010/widgets/run-20260301-000000"
    git(checkout, "checkout", "-q", "-b", other)
    assert commit(checkout, "a.txt")[0] == 0
    code, text = push(checkout, "origin", other)
    assert code == 0, text
    keys = [(r["run_id"], r["ticket"], r["repo"], r["workspace_name"]) for r in pr_rows(db)]
    assert keys == [
        (RUN, TICKET, "widgets", WORKSPACE),
        ("run-20260301-000000", "metawsm-010", "widgets", ""),
    ]
    human = cli(checkout, "status").stdout
    assert "metawsm tables: present" in human
    assert "metawsm-010 widgets run-20260301-000000" in human
    assert "(no metawsm record: keyed by the branch's tokens)" in human


def test_store_without_metawsm_tables_says_so(tmp_path: Path, hooked: Path) -> None:
    proc = cli(hooked, "status")
    assert "metawsm tables: absent" in proc.stdout, output(proc)
    doc = json.loads(cli(hooked, "status", "--format", "json").stdout)
    assert doc["metawsm_tables"] is False
    assert doc["store"] == str(hooked / ".metawsm" / "metawsm.db")


def test_colliding_runs_are_refused_and_nothing_is_guessed(layout: dict[str, Path]) -> None:
    home, db, checkout = layout["home"], layout["db"], layout["checkout"]
    metawsm_run(db, RUN.upper(), ["METAWSM-009"])  # renders as the same branch token
    assert cli(checkout, "install", "--home", str(home)).returncode == 0
    before = pr_rows(db)
    code, text = commit(checkout, "a.txt")
    assert code == 0, text  # a commit records no PR: it says so and goes on
    assert f"runs '{RUN.upper()}', '{RUN}' all render as '{RUN}'" in text
    code, text = push(checkout, "origin", BRANCH)
    assert code == 1, text
    assert "nothing is recorded under a guessed key" in text
    assert pr_rows(db) == before  # neither row moved, no new row
    # pre-commit, commit-msg and pre-push: none keyed by a guess.
    assert [row[1:4] for row in audit_rows(db)] == [(None, None, None)] * 3
    proc = cli(checkout, "pr", "record", "--url", "https://x/pull/3")
    assert proc.returncode == 1 and "all render as" in proc.stderr, output(proc)
    assert pr_rows(db) == before


def test_colliding_tickets_are_refused(layout: dict[str, Path]) -> None:
    home, db, checkout = layout["home"], layout["db"], layout["checkout"]
    metawsm_sql(db, f"INSERT INTO run_tickets VALUES ('{RUN}', 'metawsm 009');")
    proc = cli(
        checkout, "pr", "record", "--url", "https://x/pull/3", env={"METAWSM_HOME": str(home)}
    )
    assert proc.returncode == 1, output(proc)
    assert f"tickets of run {RUN} '{TICKET}', 'metawsm 009' all render as" in proc.stderr


# --- which policy: each source and the order between them --------------------------------------


def blocked_by(root: Path, name: str) -> str:
    """Commit ``name`` through the hooks; the policy line when it was blocked, else ''."""
    code, text = commit(root, name, "ABC-1: x")
    git(root, "reset", "-q", "HEAD", "--", name) if code else None
    (root / name).unlink()
    if code == 0:
        git(root, "reset", "-q", "--soft", "HEAD~1")
        git(root, "reset", "-q")
        return ""
    return next(line for line in text.splitlines() if "policy: " in line)


def test_policy_order(tmp_path: Path, hooked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--policy/$METAWSM_POLICY, then the home, then tracked, then the work tree, then defaults:
    each source forbids its own file, and each step down removes the source above."""
    named = home_policy(tmp_path / "named", "named.txt")
    home = tmp_path / "home"
    home_policy(home, "home.txt")
    home_policy(hooked, "tracked.txt")
    commit_all(hooked, "ABC-1: tracked policy")
    monkeypatch.setenv("METAWSM_POLICY", str(named))
    git(hooked, "config", "metawsm.home", str(home))

    def step(kind: str) -> None:
        proc = cli(hooked, "validate")
        assert proc.returncode == 0 and kind in proc.stderr, output(proc)
        proc = cli(hooked, "doctor", "--format", "json")
        [policy] = [c for c in json.loads(proc.stdout)["checks"] if c["name"] == "policy"]
        assert kind in policy["detail"], policy

    assert "($METAWSM_POLICY)" in blocked_by(hooked, "named.txt")
    assert blocked_by(hooked, "home.txt") == ""
    step("($METAWSM_POLICY)")
    monkeypatch.delenv("METAWSM_POLICY")
    assert "(metawsm home, from git config metawsm.home)" in blocked_by(hooked, "home.txt")
    assert blocked_by(hooked, "tracked.txt") == ""
    step("(metawsm home, from git config metawsm.home)")
    git(hooked, "config", "--unset", "metawsm.home")
    monkeypatch.setenv("METAWSM_HOME", str(home))  # the environment names a home too
    assert "(metawsm home, from $METAWSM_HOME)" in blocked_by(hooked, "home.txt")
    monkeypatch.delenv("METAWSM_HOME")
    assert "(tracked: staged)" in blocked_by(hooked, "tracked.txt")
    step("(tracked: staged)")
    git(hooked, "rm", "-q", "--cached", ".metawsm/policy.json")
    write(hooked, ".gitignore", ".metawsm/\n")
    commit_all(hooked, "ABC-1: the policy is local, as metawsm keeps it")
    home_policy(hooked, "untracked.txt")
    line = blocked_by(hooked, "untracked.txt")
    assert ".metawsm/policy.json (not tracked by git" in line, line
    step("(not tracked by git")
    (hooked / ".metawsm" / "policy.json").unlink()
    assert blocked_by(hooked, "untracked.txt") == ""
    step("metawsm's built-in defaults")


def test_home_without_a_policy_means_defaults_said_once(tmp_path: Path, hooked: Path) -> None:
    home = tmp_path / "empty-home"
    home.mkdir()
    proc = cli(hooked, "install", "--home", str(home))
    assert proc.returncode == 0 and "does not exist yet" in proc.stdout, output(proc)
    code, text = commit(hooked, "a.txt", "ABC-1: x")
    assert code == 0, text
    assert text.count("built-in defaults") == 1, text  # pre-commit names it; commit-msg passes
    assert f"{home}/.metawsm/policy.json does not exist" in text


def test_home_that_is_not_a_folder_blocks_with_the_way_out(tmp_path: Path, hooked: Path) -> None:
    git(hooked, "config", "metawsm.home", str(tmp_path / "gone"))
    code, text = commit(hooked, "a.txt", "ABC-1: x")
    assert code == 1
    assert "is not a folder; point it at metawsm's folder: metawsm-hooks install --home DIR" in text
    proc = cli(hooked, "install", "--home", str(tmp_path / "gone"))
    assert proc.returncode == 2 and "is not a folder" in proc.stderr


def test_ignored_policy_is_enforced_not_just_validated(hooked: Path) -> None:
    """metawsm's own layout: .metawsm/ ignored, the policy on disk. validate, doctor and the
    hooks all use it (today validate called it fine and the hooks enforced the defaults)."""
    git(hooked, "rm", "-q", "-r", "--cached", ".metawsm")
    write(hooked, ".gitignore", ".metawsm/\n")
    commit_all(hooked, "ABC-1: ignore .metawsm")
    home_policy(hooked, "*.env")
    assert git(hooked, "check-ignore", ".metawsm/policy.json").returncode == 0
    validated = cli(hooked, "validate")
    assert "not tracked by git" in validated.stderr and validated.returncode == 0
    code, text = commit(hooked, "prod.env", "ABC-1: x")
    assert code == 1 and "prod.env" in text, text
    assert "built-in defaults" not in text
    write(hooked, ".metawsm/policy.json", '{"git_pr": {"mode": 3}}\n')
    code, text = commit(hooked, "a.txt", "ABC-1: x")
    assert code == 1 and ".metawsm/policy.json:1:21: git_pr.mode:" in text, text
    proc = cli(hooked, "validate")
    assert proc.returncode == 1 and ".metawsm/policy.json:1:21: git_pr.mode:" in proc.stderr


def test_linked_worktree_reads_the_main_worktrees_untracked_policy(
    tmp_path: Path, hooked: Path
) -> None:
    git(hooked, "rm", "-q", "-r", "--cached", ".metawsm")
    write(hooked, ".gitignore", ".metawsm/\n")
    commit_all(hooked, "ABC-1: ignore .metawsm")
    home_policy(hooked, "*.env")
    linked = tmp_path / "linked"
    git(hooked, "worktree", "add", "-q", str(linked), "-b", "abc-2/repo/run-1")
    code, text = commit(linked, "x.env", "ABC-2: x")
    assert code == 1 and "x.env" in text, text
    assert f"policy: {hooked}/.metawsm/policy.json (not tracked by git" in text
    # The current worktree's own file wins over the main worktree's.
    home_policy(linked, "*.txt")
    code, text = commit(linked, "y.txt", "ABC-2: x")
    assert code == 1 and "policy: .metawsm/policy.json (not tracked" in text, text


def test_install_home_in_a_linked_worktree_applies_to_all(tmp_path: Path, hooked: Path) -> None:
    home = tmp_path / "home"
    home_policy(home, "*.bin")
    metawsm_sql(home / ".metawsm" / "metawsm.db", METAWSM_SCHEMA)
    linked = tmp_path / "linked"
    git(hooked, "worktree", "add", "-q", str(linked), "-b", "abc-2/repo/run-1")
    git(hooked, "config", "extensions.worktreeConfig", "true")
    assert cli(linked, "install", "--home", str(home)).returncode == 0
    code, text = commit(hooked, "a.bin", "ABC-1: x")  # the main worktree follows
    assert code == 1 and "(metawsm home, from git config metawsm.home)" in text, text
    doctor = cli(hooked, "doctor").stdout
    assert f"metawsm home     passed  {home} (from git config metawsm.home)" in doctor
    assert f"store            passed  {home}/.metawsm/metawsm.db" in doctor
    assert "metawsm tables   passed  present" in doctor


# --- lookups and bounds --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "code", "reason"),
    [
        pytest.param("1", 0, "", id="one"),
        pytest.param(str(2**53 - 1), 0, "", id="largest-exact-float64"),
        pytest.param(str(2**53), 2, "metawsm reads as a JSON float64", id="above-2^53-1"),
        # 0 is metawsm's "no number": the store would keep the old one while saying recorded.
        pytest.param("0", 2, "--number must be a positive PR number, not 0", id="zero"),
        pytest.param("-1", 2, "--number must be a positive PR number, not -1", id="negative"),
    ],
)
def test_pr_number_bound(hooked: Path, number: str, code: int, reason: str) -> None:
    assert cli(hooked, "pr", "record", "--url", "https://x/pull/5").returncode == 0
    proc = cli(hooked, "pr", "record", "--url", "https://x/pull/1", "--number", number)
    assert proc.returncode == code, output(proc)
    [row] = json.loads(cli(hooked, "status", "--format", "json").stdout)["pull_requests"]
    if code:
        assert len(proc.stderr.strip().splitlines()) == 2  # the policy line, then the reason
        assert reason in proc.stderr
        assert "recorded" not in output(proc)
        assert (row["pr_number"], row["pr_url"]) == (5, "https://x/pull/5")
    else:
        assert (row["pr_number"], row["pr_url"]) == (int(number), "https://x/pull/1")


def test_status_orders_by_time_not_text(tmp_path: Path, hooked: Path) -> None:
    db = hooked / ".metawsm" / "metawsm.db"
    metawsm_sql(
        db,
        METAWSM_SCHEMA
        + "INSERT INTO run_pull_requests (run_id, ticket, repo, created_at, updated_at) VALUES"
        " ('run-a', 'T-1', 'r', '2026-02-08T11:22:26-08:00', '2026-02-08T11:22:26-08:00'),"
        " ('run-b', 'T-1', 'r', '2026-02-08T12:00:00Z', '2026-02-08T12:00:00Z'),"
        " ('run-c', 'T-1', 'r', '2026-02-08T19:00:00.5+00:00', '2026-02-08T19:00:00.5+00:00');",
    )
    doc = json.loads(cli(hooked, "status", "--format", "json").stdout)
    # 11:22:26-08:00 is 19:22:26Z: the latest, though it sorts first as text.
    assert [r["run_id"] for r in doc["pull_requests"]] == ["run-a", "run-c", "run-b"]
