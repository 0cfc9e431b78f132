"""The message stages through real ``git commit``: they see the message as git will store it and
never change git's own decisions (an empty message or an untouched template still aborts)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from testing.util import cli, git, output, write, write_policy


def run_commit(
    repo: Path, *args: str, editor: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    full = {**os.environ, **(env or {})}
    full.pop("GIT_EDITOR", None)
    if editor is not None:
        full["GIT_EDITOR"] = editor
    return subprocess.run(["git", "commit", *args], cwd=repo, capture_output=True, env=full)


def head_subject(repo: Path) -> str:
    return git(repo, "log", "-1", "--format=%s").stdout.decode().rstrip("\n")


def head_message(repo: Path) -> bytes:
    return git(repo, "cat-file", "commit", "HEAD").stdout.split(b"\n\n", 1)[1]


def stage_change(repo: Path, name: str = "a.txt") -> None:
    write(repo, name, name + "\n")
    git(repo, "add", name)


def use_mode(repo: Path, mode: str) -> None:
    write_policy(repo, {"required_checks": ["forbidden_files"]}, hooks={"commit_message": mode})
    git(repo, "add", ".metawsm/policy.json")
    git(repo, "commit", "-q", "--no-verify", "-m", "ABC-1: policy")


@pytest.fixture
def both_message_hooks(hooked: Path) -> Path:
    assert cli(hooked, "install", "--hook-type", "prepare-commit-msg").returncode == 0
    return hooked


def editor_script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "editor"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


# --- a subject that starts with the comment character --------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("#42 fix login", id="issue-number"),
        pytest.param("# fix login", id="hash-space"),
        pytest.param(";semicolon", id="other-char"),
    ],
)
def test_dash_m_keeps_a_hash_subject_and_prefix_prefixes_it(hooked: Path, message: str) -> None:
    stage_change(hooked)
    proc = run_commit(hooked, "-q", "-m", message)
    assert proc.returncode == 0, output(proc)
    assert head_subject(hooked) == f"ABC-1: {message}"


def test_dash_m_hash_subject_is_blocked_by_require(hooked: Path) -> None:
    use_mode(hooked, "require")
    stage_change(hooked)
    before = git(hooked, "rev-parse", "HEAD").stdout
    proc = run_commit(hooked, "-q", "-m", "#42 fix login")
    assert proc.returncode == 1, output(proc)
    assert "ABC-1: summary" in output(proc)
    assert git(hooked, "rev-parse", "HEAD").stdout == before


def test_dash_m_hash_subject_with_the_ticket_passes_require(hooked: Path) -> None:
    use_mode(hooked, "require")
    stage_change(hooked)
    proc = run_commit(hooked, "-q", "-m", "#42 ABC-1 fix login")
    assert proc.returncode == 0, output(proc)


def test_edited_comment_lines_are_not_the_subject(hooked: Path, tmp_path: Path) -> None:
    stage_change(hooked)
    editor = editor_script(tmp_path, "printf '#42 a comment\\nreal subject\\n' > \"$1\"")
    proc = run_commit(hooked, "-q", editor=editor)
    assert proc.returncode == 0, output(proc)
    assert head_subject(hooked) == "ABC-1: real subject"


def test_core_comment_char_is_honoured(hooked: Path, tmp_path: Path) -> None:
    git(hooked, "config", "core.commentChar", ";")
    stage_change(hooked)
    editor = editor_script(tmp_path, "printf '; not this\\n#hash subject\\n' > \"$1\"")
    proc = run_commit(hooked, "-q", editor=editor)
    assert proc.returncode == 0, output(proc)
    assert head_subject(hooked) == "ABC-1: #hash subject"


@pytest.mark.parametrize("cleanup", ["verbatim", "whitespace"])
def test_commit_cleanup_keeping_comments_prefixes_the_hash_subject(
    hooked: Path, tmp_path: Path, cleanup: str
) -> None:
    git(hooked, "config", "commit.cleanup", cleanup)
    stage_change(hooked)
    editor = editor_script(tmp_path, "printf '#42 kept\\n' > \"$1\"")
    proc = run_commit(hooked, "-q", editor=editor)
    assert proc.returncode == 0, output(proc)
    assert head_subject(hooked) == "ABC-1: #42 kept"


# --- lines end at \n only ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("#\x850", id="nel-after-hash"),
        pytest.param("fix\x85thing", id="nel"),
        pytest.param("fix\u2028thing", id="line-separator"),
        pytest.param("fix\x0cthing", id="form-feed"),
        pytest.param("fix\rthing", id="carriage-return"),
    ],
)
def test_only_newline_ends_a_line(hooked: Path, message: str) -> None:
    stage_change(hooked)
    proc = run_commit(hooked, "-q", "-m", message)
    assert proc.returncode == 0, output(proc)
    assert head_message(hooked) == f"ABC-1: {message}\n".encode()


# --- git's own aborts stay aborts ----------------------------------------------------------------


@pytest.mark.parametrize("hooks", ["commit-msg", "both"])
def test_untouched_template_still_aborts(
    hooked: Path, tmp_path: Path, hooks: str, both_message_hooks: Path
) -> None:
    if hooks == "commit-msg":
        assert cli(hooked, "uninstall").returncode == 0
        assert cli(hooked, "install").returncode == 0
    template = write(tmp_path, "tpl", "Summary line\n\nWhy:\n")
    git(hooked, "config", "commit.template", str(template))
    stage_change(hooked)
    before = git(hooked, "rev-parse", "HEAD").stdout
    proc = run_commit(hooked, editor="true")
    assert proc.returncode == 1
    assert "you did not edit the message" in output(proc)
    assert git(hooked, "rev-parse", "HEAD").stdout == before
    assert "prefix" not in output(proc)


def test_edited_template_is_prefixed(both_message_hooks: Path, tmp_path: Path) -> None:
    repo = both_message_hooks
    template = write(tmp_path, "tpl", "Summary line\n\nWhy:\n")
    git(repo, "config", "commit.template", str(template))
    stage_change(repo)
    editor = editor_script(tmp_path, "sed -i 's/^Why:$/Why: because/' \"$1\"")
    proc = run_commit(repo, "-q", editor=editor)
    assert proc.returncode == 0, output(proc)
    assert head_subject(repo) == "ABC-1: Summary line"


@pytest.mark.parametrize(
    "editor",
    [
        pytest.param("true", id="closed-unchanged"),
        pytest.param("sh -c ': > \"$1\"' -", id="emptied"),
    ],
)
def test_an_empty_message_stays_aborted(both_message_hooks: Path, editor: str) -> None:
    repo = both_message_hooks
    stage_change(repo)
    before = git(repo, "rev-parse", "HEAD").stdout
    proc = run_commit(repo, editor=editor)
    text = output(proc)
    assert proc.returncode == 1, text
    assert "empty commit message" in text
    assert git(repo, "rev-parse", "HEAD").stdout == before
    # pre-commit reports its checks; the message stages say nothing of having acted.
    assert "prefix" not in text and "commit-msg" not in text and "ABC-1" not in text


def test_prefill_is_kept_when_the_user_writes_a_summary(
    both_message_hooks: Path, tmp_path: Path
) -> None:
    repo = both_message_hooks
    stage_change(repo)
    proc = run_commit(repo, "-q", editor=editor_script(tmp_path, "sed -i '1s/$/summary/' \"$1\""))
    assert proc.returncode == 0, output(proc)
    assert head_subject(repo) == "ABC-1: summary"


def test_inherited_git_editor_colon_does_not_commit_comments(hooked: Path) -> None:
    """An agent's environment often sets GIT_EDITOR=:; git still takes the editor path."""
    stage_change(hooked)
    before = git(hooked, "rev-parse", "HEAD").stdout
    proc = run_commit(hooked, editor=":")
    assert proc.returncode == 1, output(proc)
    assert git(hooked, "rev-parse", "HEAD").stdout == before


# --- amend ---------------------------------------------------------------------------------------


def test_amend_no_edit_keeps_the_message(hooked: Path) -> None:
    stage_change(hooked)
    git(hooked, "commit", "-q", "--no-verify", "-m", "plain msg")
    stage_change(hooked, "b.txt")
    proc = run_commit(hooked, "-q", "--amend", "--no-edit")
    assert proc.returncode == 0, output(proc)
    assert head_message(hooked) == b"plain msg\n"


def test_amend_no_edit_passes_require(hooked: Path) -> None:
    use_mode(hooked, "require")
    git(hooked, "commit", "-q", "--no-verify", "--allow-empty", "-m", "plain msg")
    stage_change(hooked)
    proc = run_commit(hooked, "-q", "--amend", "--no-edit")
    assert proc.returncode == 0, output(proc)
    assert head_message(hooked) == b"plain msg\n"


def test_amend_with_a_new_message_is_prefixed(hooked: Path) -> None:
    stage_change(hooked)
    git(hooked, "commit", "-q", "--no-verify", "-m", "plain msg")
    proc = run_commit(hooked, "-q", "--amend", "-m", "better msg")
    assert proc.returncode == 0, output(proc)
    assert head_subject(hooked) == "ABC-1: better msg"


def test_reuse_message_dash_c_head_keeps_it(hooked: Path) -> None:
    git(hooked, "commit", "-q", "--no-verify", "--allow-empty", "-m", "plain msg")
    stage_change(hooked)
    proc = run_commit(hooked, "-q", "-C", "HEAD")
    assert proc.returncode == 0, output(proc)
    assert head_message(hooked) == b"plain msg\n"


# --- the audit record: every message stage run writes one, as pre-commit does -----------------


def audit_rows(repo: Path) -> list[tuple[str, str, str | None, str | None, str]]:
    """(stage, verdict, ticket, run_id, detail) of every hook run recorded, oldest first."""
    import contextlib
    import sqlite3

    db = repo / ".metawsm" / "metawsm.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        query = "SELECT stage, verdict, ticket, run_id, detail FROM hook_runs ORDER BY id"
        return list(conn.execute(query))


def test_a_commit_records_one_pre_commit_and_one_commit_msg_row(hooked: Path) -> None:
    stage_change(hooked)
    proc = run_commit(hooked, "-q", "-m", "add a file")
    assert proc.returncode == 0, output(proc)
    assert audit_rows(hooked) == [
        ("pre-commit", "passed", "abc-1", "run-1", ""),
        ("commit-msg", "passed", "abc-1", "run-1", ""),
    ]
    human = cli(hooked, "status").stdout
    assert "commit-msg abc-1/repo/run-1 passed (person)" in human, human
    assert "pre-commit abc-1/repo/run-1 passed (person)" in human, human
    runs = json.loads(cli(hooked, "status", "--format", "json").stdout)["hook_runs"]
    assert [(r["stage"], r["branch"], r["actor"]) for r in runs] == [
        ("commit-msg", "abc-1/repo/run-1", "Test Author <author@example.com>"),
        ("pre-commit", "abc-1/repo/run-1", "Test Author <author@example.com>"),
    ]
    [check] = json.loads(runs[0]["report_json"])["checks"]
    assert check["name"] == "commit_message" and check["status"] == "passed"
    assert check["detail"].startswith("prefixed: commit message prefixed with 'ABC-1: '")


def test_a_message_commit_msg_blocks_is_recorded_as_blocked(hooked: Path) -> None:
    use_mode(hooked, "require")
    stage_change(hooked)
    proc = run_commit(hooked, "-q", "-m", "no ticket")
    assert proc.returncode != 0
    *_, row = audit_rows(hooked)
    stage, verdict, ticket, run_id, detail = row
    assert (stage, verdict, ticket, run_id) == ("commit-msg", "blocked", "abc-1", "run-1")
    assert detail.startswith("commit_message: the message lacks the branch's ticket"), detail


@pytest.mark.parametrize(
    ("args", "editor"),
    [
        pytest.param(("-m", "ABC-1: given"), None, id="message-given"),
        pytest.param((), "sed -i 1s/^/written/", id="editor"),
    ],
)
def test_prepare_commit_msg_is_recorded_too(
    both_message_hooks: Path, args: tuple[str, ...], editor: str | None
) -> None:
    stage_change(both_message_hooks)
    proc = run_commit(both_message_hooks, "-q", *args, editor=editor)
    assert proc.returncode == 0, output(proc)
    stages = [(stage, verdict) for stage, verdict, *_ in audit_rows(both_message_hooks)]
    assert stages == [
        ("pre-commit", "passed"),
        ("prepare-commit-msg", "passed"),
        ("commit-msg", "passed"),
    ]


def test_commit_msg_off_and_an_invalid_policy_are_recorded(hooked: Path) -> None:
    write_policy(hooked, {"mode": "off"})
    git(hooked, "add", "-A")
    proc = run_commit(hooked, "-q", "-m", "ABC-1: off")
    assert proc.returncode == 0, output(proc)
    assert [row[:2] for row in audit_rows(hooked)[-2:]] == [
        ("pre-commit", "off"),
        ("commit-msg", "off"),
    ]
    message = hooked / "MSG"
    message.write_text("x\n")
    write(hooked, ".metawsm/policy.json", '{"git_pr": {"mode": 3}}\n')
    git(hooked, "add", "-A")
    proc = cli(hooked, "run", "commit-msg", str(message))
    assert proc.returncode == 0, output(proc)  # pre-commit is the stage that blocks on it
    assert audit_rows(hooked)[-1][:2] == ("commit-msg", "invalid-policy")


def test_commit_msg_that_cannot_record_fails(hooked: Path, tmp_path: Path) -> None:
    """A run is never left unrecorded: a store that cannot be written fails the stage, naming
    the file."""
    message = tmp_path / "MSG"
    message.write_text("ABC-1: x\n")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    proc = cli(hooked, "run", "commit-msg", str(message), "--db", str(folder))
    assert proc.returncode == 1, output(proc)
    assert "cannot open the store" in output(proc) and str(folder) in output(proc)
    assert "Traceback" not in output(proc)


# --- which policy: named once per commit ------------------------------------------------------

POLICY_LINE = "metawsm-hooks: policy: .metawsm/policy.json (tracked: staged)"


def policy_lines(proc: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [line for line in output(proc).splitlines() if "policy: " in line]


@pytest.mark.parametrize(
    ("args", "editor"),
    [
        pytest.param(("-m", "add a file"), None, id="prefixed"),
        pytest.param(("-m", "ABC-1: add a file"), None, id="kept"),
        pytest.param((), "sed -i 1s/$/written/", id="prefilled-in-an-editor"),
    ],
)
def test_a_commit_names_its_policy_once(
    both_message_hooks: Path, args: tuple[str, ...], editor: str | None
) -> None:
    stage_change(both_message_hooks)
    proc = run_commit(both_message_hooks, *args, editor=editor)
    assert proc.returncode == 0, output(proc)
    assert policy_lines(proc) == [POLICY_LINE], output(proc)


def test_a_message_commit_msg_blocks_names_the_policy_in_its_failure(hooked: Path) -> None:
    use_mode(hooked, "require")
    stage_change(hooked)
    proc = run_commit(hooked, "-m", "no ticket")
    assert proc.returncode != 0
    # pre-commit's line, then commit-msg's failure, which names the policy it read.
    assert policy_lines(proc) == [
        POLICY_LINE,
        "metawsm-hooks: blocked: commit-msg blocked: the message lacks the branch's ticket;"
        " write it as 'ABC-1: summary' (metawsm's commit message form);"
        " policy: .metawsm/policy.json (tracked: staged)",
    ], output(proc)


def test_commit_msg_alone_names_the_policy_only_when_it_blocks(
    hooked: Path, tmp_path: Path
) -> None:
    message = tmp_path / "MSG"
    message.write_text("add a file\n")
    proc = cli(hooked, "run", "commit-msg", str(message))
    assert proc.returncode == 0, output(proc)
    assert "policy: " not in output(proc)
    assert message.read_text() == "ABC-1: add a file\n"
    doc = json.loads(cli(hooked, "run", "commit-msg", str(message), "--format", "json").stdout)
    assert doc["policy"] == ".metawsm/policy.json (tracked: staged)"


# --- odd messages through a real commit ----------------------------------------------------------


LONG_BODY = b"long body line " * 5000 + b"\n"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param(
            b"Fix it\n\nbody \xff\xfe not utf-8\n",
            b"ABC-1: Fix it\n\nbody \xff\xfe not utf-8\n",
            id="latin-1-bytes-in-body",
        ),
        pytest.param(b"Fix \xe9t\xe9\n", b"ABC-1: Fix \xe9t\xe9\n", id="latin-1-bytes-in-subject"),
        pytest.param(
            b"Fix it\r\n\r\nbody with CRLF\r\n",
            b"ABC-1: Fix it\r\n\r\nbody with CRLF\r\n",
            id="crlf",
        ),
        pytest.param(
            b"\n\n   Indented subject\n\n  body kept  \n",
            b"\n\nABC-1: Indented subject\n\n  body kept  \n",
            id="leading-blank-lines",
        ),
        pytest.param(b"Subject\n\n" + LONG_BODY, b"ABC-1: Subject\n\n" + LONG_BODY, id="75k-body"),
        pytest.param(
            "Ünïcödé sübject ✓\n\n\u2028 body\n".encode(),
            "ABC-1: Ünïcödé sübject ✓\n\n\u2028 body\n".encode(),
            id="unicode",
        ),
        pytest.param(
            b"Fix\tit\x1b[31m red\x1b[0m\n",
            b"ABC-1: Fix\tit\x1b[31m red\x1b[0m\n",
            id="control-characters",
        ),
        pytest.param(b"-n --help\n", b"ABC-1: -n --help\n", id="looks-like-options"),
        pytest.param(b"abc-1: done\n", b"abc-1: done\n", id="already-there-lower-case"),
        pytest.param(b"Merge branch 'x'\n", b"Merge branch 'x'\n", id="generated-left-alone"),
    ],
)
def test_commit_msg_prefix_keeps_the_message_byte_for_byte(
    hooked: Path, tmp_path: Path, message: bytes, expected: bytes
) -> None:
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    msgfile = tmp_path / "message"
    msgfile.write_bytes(message)
    proc = git(hooked, "commit", "-q", "--cleanup=verbatim", "-F", str(msgfile), check=False)
    assert proc.returncode == 0, output(proc)
    # What the hook left in the message file, byte for byte (git re-encodes a message that is
    # not UTF-8 when it makes the commit; that is git's doing, not the hook's).
    assert (hooked / ".git" / "COMMIT_EDITMSG").read_bytes() == expected
    body = git(hooked, "cat-file", "commit", "HEAD").stdout.split(b"\n\n", 1)[1]
    if b"\xff" not in expected and b"\xe9" not in expected:
        assert body == expected


@pytest.mark.parametrize(
    "message",
    [
        pytest.param(b"no ticket \xff here\n", id="blocked-latin-1"),
        pytest.param(b"\x00\x01\x02\n", id="control-bytes"),
    ],
)
def test_commit_msg_require_blocks_without_touching_the_message(
    hooked: Path, tmp_path: Path, message: bytes
) -> None:
    write_policy(
        hooked,
        {"required_checks": ["forbidden_files"]},
        hooks={"commit_message": "require"},
    )
    git(hooked, "add", "-A")
    git(hooked, "commit", "-q", "--no-verify", "-m", "ABC-1: policy")
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    msgfile = tmp_path / "message"
    msgfile.write_bytes(message)
    before = git(hooked, "rev-parse", "HEAD").stdout
    proc = git(hooked, "commit", "-q", "--cleanup=verbatim", "-F", str(msgfile), check=False)
    text = output(proc)
    if b"\x00" in message:  # git refuses a NUL in a message itself
        assert proc.returncode != 0
    else:
        assert proc.returncode == 1, text
        assert "ABC-1: summary" in text
    assert "Traceback" not in text
    assert msgfile.read_bytes() == message
    assert git(hooked, "rev-parse", "HEAD").stdout == before


@pytest.mark.parametrize("ticket", ["straße-1", "ﬁx-1"])
def test_ticket_whose_upper_case_is_longer(hooked: Path, tmp_path: Path, ticket: str) -> None:
    """The hook writes ``STRASSE-1:`` for ticket ``straße-1``: that form must count as the ticket,
    or prepare-commit-msg and commit-msg prefix twice and ``require`` refuses what it asked for."""
    assert cli(hooked, "install", "--hook-type", "prepare-commit-msg").returncode == 0
    git(hooked, "checkout", "-q", "-b", f"{ticket}/repo/run-1")
    shown = ticket.upper()
    editor = tmp_path / "editor"
    editor.write_text("#!/bin/sh\nsed -i '1s/$/summary/' \"$1\"\n")
    editor.chmod(0o755)
    write(hooked, "a.txt")
    git(hooked, "add", "a.txt")
    proc = subprocess.run(
        ["git", "commit", "-q"],
        cwd=hooked,
        capture_output=True,
        env={**os.environ, "GIT_EDITOR": str(editor)},
    )
    assert proc.returncode == 0, output(proc)
    assert git(hooked, "log", "-1", "--format=%s").stdout.decode() == f"{shown}: summary\n"
    write_policy(
        hooked, {"required_checks": ["forbidden_files"]}, hooks={"commit_message": "require"}
    )
    git(hooked, "add", "-A")
    proc = git(hooked, "commit", "-q", "-m", f"{shown}: as the hook asks", check=False)
    assert proc.returncode == 0, output(proc)
