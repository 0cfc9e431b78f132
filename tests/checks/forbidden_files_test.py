from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metawsm_hooks import records
from metawsm_hooks.checks import (
    CheckContext,
    CheckResult,
    Report,
    clean_tree,
    forbidden_files,
    passes,
    quote_path,
    run_checks,
    tests,
    ticket_workflow,
)
from metawsm_hooks.checks.forbidden_files import compile_patterns
from metawsm_hooks.constants import STORE_RELPATH
from metawsm_hooks.git.repository import Repository
from metawsm_hooks.git.types import Change
from metawsm_hooks.golang.strings import go_trim
from metawsm_hooks.policy import Policy, default_policy, replace
from metawsm_hooks.store import Store, store_files
from testing.util import commit_all, git, write

# --- helpers -------------------------------------------------------------------------------------


def gone(pid: int, seconds: float = 3.0) -> bool:
    """Whether the process ended (a zombie waiting for init counts as ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(") ", 1)[1][0] == "Z":
                    return True
        except (OSError, IndexError):
            return True
        time.sleep(0.02)
    return False


def make_policy(*, hooks: dict[str, object] | None = None, **git_pr: object) -> Policy:
    base = default_policy()
    return replace(
        base,
        git_pr=replace(base.git_pr, **git_pr),
        hooks=replace(base.hooks, **(hooks or {})),
    )


class MemoryCache:
    def __init__(self) -> None:
        self.passes: dict[str, tuple[str, tuple[str, ...]]] = {}

    def has_passed(self, key: str) -> bool:
        return key in self.passes

    def remember_pass(self, key: str, *, tree_id: str, commands: Sequence[str]) -> None:
        self.passes[key] = (tree_id, tuple(commands))


def commit_ctx(
    root: Path,
    policy: Policy,
    *,
    ticket: str | None = None,
    skip: dict[str, str] | None = None,
    cache: MemoryCache | None = None,
    operation: str = "commit",
) -> CheckContext:
    """What the pre-commit stage hands the checks: the index against HEAD."""
    repo = Repository.discover(root)
    return CheckContext(
        operation=operation,
        repo=repo,
        changes=repo.staged_changes(),
        source=repo.index_source(),
        tree_id=repo.index_tree_id,
        run_in_place=repo.worktree_matches_index,
        ticket=ticket,
        policy=policy,
        skip=skip or {},
        cache=cache,
    )


def only(name: str, ctx: CheckContext) -> CheckResult:
    [result] = run_checks(ctx, only=[name]).results
    return result


# --- the runner ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "require_all", "expected"),
    [
        pytest.param([], True, True, id="nothing-evaluated"),
        pytest.param(["skipped", "skipped"], True, True, id="all-skipped"),
        pytest.param(["passed", "passed"], True, True, id="all-passed"),
        pytest.param(["passed", "failed"], True, False, id="require-all-one-failed"),
        pytest.param(["passed", "failed"], False, True, id="any-one-passed"),
        pytest.param(["failed", "skipped"], False, False, id="any-none-passed"),
        pytest.param(["failed", "skipped"], True, False, id="require-all-failed-and-skipped"),
    ],
)
def test_passes(statuses: list[str], require_all: bool, expected: bool) -> None:
    results = [CheckResult(f"c{i}", s, "") for i, s in enumerate(statuses)]
    assert passes(results, require_all=require_all) is expected


@pytest.mark.parametrize(
    ("required", "require_all", "operation", "skip", "expected", "passed"),
    [
        pytest.param(
            ("tests", "forbidden_files", "ticket_workflow", "clean_tree"),
            True,
            "commit",
            {},
            [
                ("tests", "passed", "no test commands configured"),
                ("forbidden_files", "failed", "forbidden files detected: .env"),
                ("ticket_workflow", "passed", "ticket unavailable; staged workflow check skipped"),
                ("clean_tree", "skipped", "not applicable to commit"),
            ],
            False,
            id="defaults-with-a-forbidden-file",
        ),
        pytest.param(
            ("tests", "forbidden_files"),
            False,
            "commit",
            {},
            [
                ("tests", "passed", "no test commands configured"),
                ("forbidden_files", "failed", "forbidden files detected: .env"),
            ],
            True,
            id="any-one-passes",
        ),
        pytest.param(
            ("forbidden_files",),
            False,
            "commit",
            {},
            [("forbidden_files", "failed", "forbidden files detected: .env")],
            False,
            id="any-none-passes",
        ),
        pytest.param(
            ("Forbidden_Files, tests",),
            True,
            "commit",
            {"forbidden_files": "Dev <dev@example.com>"},
            [
                ("forbidden_files", "skipped", "skipped by METAWSM_SKIP (Dev <dev@example.com>)"),
                ("tests", "passed", "no test commands configured"),
            ],
            True,
            id="skipped-by-metawsm-skip-and-runtime-entries",
        ),
        pytest.param(
            ("clean_tree",),
            True,
            "commit",
            {},
            [("clean_tree", "skipped", "not applicable to commit")],
            True,
            id="no-applicable-check",
        ),
        pytest.param((), True, "commit", {}, [], True, id="no-required-checks"),
    ],
)
def test_run_checks(
    committed: Path,
    required: tuple[str, ...],
    require_all: bool,
    operation: str,
    skip: dict[str, str],
    expected: list[tuple[str, str, str]],
    passed: bool,
) -> None:
    write(committed, ".env", "SECRET=1\n")
    git(committed, "add", ".env")
    policy = make_policy(required_checks=required, require_all=require_all)
    report = run_checks(commit_ctx(committed, policy, skip=skip, operation=operation))
    assert [(r.name, r.status, r.detail) for r in report.results] == expected
    assert report.passed is passed
    assert report.required_checks == policy.git_pr.checks()


def test_report_json_and_messages(committed: Path) -> None:
    write(committed, "id_rsa")
    write(committed, "x.pem")
    git(committed, "add", "-A")
    policy = make_policy(required_checks=("forbidden_files", "tests"))
    now = datetime(2026, 2, 8, 12, 0, 0, 987654, tzinfo=timezone(timedelta(hours=-8)))
    report = run_checks(commit_ctx(committed, policy), now=now)
    assert report.to_json() == {
        "operation": "commit",
        "require_all": True,
        "required_checks": ["forbidden_files", "tests"],
        "results": [
            {
                "name": "forbidden_files",
                "status": "failed",
                "detail": "forbidden files detected: id_rsa, x.pem",
            },
            {"name": "tests", "status": "passed", "detail": "no test commands configured"},
        ],
        "passed": False,
        "evaluated_at": "2026-02-08T20:00:00Z",
    }
    assert report.failed() == (report.results[0],)
    assert report.failure_message() == "forbidden_files: forbidden files detected: id_rsa, x.pem"
    assert CheckResult("x", "passed", "").to_json() == {"name": "x", "status": "passed"}


def test_only_and_merged(committed: Path) -> None:
    policy = make_policy(required_checks=("tests", "forbidden_files"))
    ctx = commit_ctx(committed, policy)
    failing = Report(
        "commit",
        True,
        ("tests", "forbidden_files"),
        (CheckResult("tests", "failed", "boom"), CheckResult("forbidden_files", "passed", "ok")),
        False,
        "2026-01-01T00:00:00Z",
    )
    again = run_checks(ctx, only=["tests"])
    assert [r.name for r in again.results] == ["tests"]
    merged = failing.merged(again)
    assert merged.passed and [r.status for r in merged.results] == ["passed", "passed"]
    assert merged.failure_message() == ""


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        pytest.param("plain/name.txt", "plain/name.txt", id="plain"),
        pytest.param("ünï/файл", "ünï/файл", id="unicode"),
        pytest.param("new\nline", '"new\\nline"', id="newline"),
        pytest.param("tab\there", '"tab\\there"', id="tab"),
        pytest.param(os.fsdecode(b"caf\xe9"), '"caf\\351"', id="not-utf8"),
        pytest.param('"quoted\x01', '"\\"quoted\\001"', id="control-and-quote"),
    ],
)
def test_quote_path(path: str, shown: str) -> None:
    assert quote_path(path) == shown


# --- forbidden_files -----------------------------------------------------------------------------


def go_match(pattern: bytes, name: bytes) -> bool | None:
    """Go's path/filepath.Match on Unix, line by line over bytes; None for ErrBadPattern."""

    def scan_chunk(p: bytes) -> tuple[bool, bytes, bytes]:
        star = False
        while p[:1] == b"*":
            p, star = p[1:], True
        in_range, i = False, 0
        while i < len(p):
            c = p[i : i + 1]
            if c == b"\\":
                if i + 1 < len(p):
                    i += 1
            elif c == b"[":
                in_range = True
            elif c == b"]":
                in_range = False
            elif c == b"*" and not in_range:
                return star, p[:i], p[i:]
            i += 1
        return star, p, b""

    def decode_rune(s: bytes) -> tuple[int, int]:
        for n in (1, 2, 3, 4):
            try:
                return ord(s[:n].decode("utf-8")), n
            except UnicodeDecodeError:
                pass
        return 0xFFFD, 1

    def get_esc(chunk: bytes) -> tuple[int, bytes, bool]:
        if not chunk or chunk[:1] in (b"-", b"]"):
            return 0, chunk, False
        if chunk[:1] == b"\\":
            chunk = chunk[1:]
            if not chunk:
                return 0, chunk, False
        r, n = decode_rune(chunk)
        ok = not (r == 0xFFFD and n == 1)
        rest = chunk[n:]
        return r, rest, ok and bool(rest)

    def match_chunk(chunk: bytes, s: bytes) -> tuple[bytes, bool, bool]:
        failed = False
        while chunk:
            failed = failed or not s
            c = chunk[:1]
            if c == b"[":
                r = 0
                if not failed:
                    r, n = decode_rune(s)
                    s = s[n:]
                chunk = chunk[1:]
                negated = chunk[:1] == b"^"
                if negated:
                    chunk = chunk[1:]
                match, nrange = False, 0
                while True:
                    if chunk[:1] == b"]" and nrange > 0:
                        chunk = chunk[1:]
                        break
                    lo, chunk, ok = get_esc(chunk)
                    if not ok:
                        return b"", False, True
                    hi = lo
                    if chunk[:1] == b"-":
                        hi, chunk, ok = get_esc(chunk[1:])
                        if not ok:
                            return b"", False, True
                    match = match or lo <= r <= hi
                    nrange += 1
                failed = failed or match == negated
            elif c == b"?":
                if not failed:
                    failed = s[:1] == b"/"
                    _, n = decode_rune(s)
                    s = s[n:]
                chunk = chunk[1:]
            else:
                if c == b"\\":
                    chunk = chunk[1:]
                    if not chunk:
                        return b"", False, True
                if not failed:
                    failed = chunk[:1] != s[:1]
                    s = s[1:]
                chunk = chunk[1:]
        if failed:
            return b"", False, False
        return s, True, False

    while pattern:
        star, chunk, pattern = scan_chunk(pattern)
        if star and not chunk:
            return b"/" not in name
        t, ok, err = match_chunk(chunk, name)
        if ok and (not t or pattern):
            name = t
            continue
        if err:
            return None
        if star:
            advanced = False
            for i in range(len(name)):
                if name[i : i + 1] == b"/":
                    break
                t, ok, err = match_chunk(chunk, name[i + 1 :])
                if ok:
                    if not pattern and t:
                        continue
                    name, advanced = t, True
                    break
                if err:
                    return None
            if advanced:
                continue
        while pattern:
            _, chunk, pattern = scan_chunk(pattern)
            if match_chunk(chunk, b"")[2]:
                return None
        return False
    return not name


def go_base(path: bytes) -> bytes:
    if not path:
        return b"."
    path = path.rstrip(b"/")
    return path.rsplit(b"/", 1)[-1] if path else b"/"


def reference_matches(path: str, patterns: Sequence[str]) -> bool:
    """metawsm's matchesForbiddenPattern, a pattern at a time, over bytes as Go sees them."""
    name = os.fsencode(go_trim(path))
    base = go_base(name)
    for raw in patterns:
        pattern = go_trim(raw).encode()
        if not pattern:
            continue
        if go_match(pattern, name) or go_match(pattern, base):
            return True
        prefix = pattern[:-1] if pattern.endswith(b"/") else pattern
        if prefix and (name == prefix or name.startswith(prefix + b"/")):
            return True
    return False


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        pytest.param("*.pem", "key.pem", True, id="glob"),
        pytest.param("*.pem", "deep/dir/key.pem", True, id="glob-by-basename"),
        pytest.param("certs/*.pem", "certs/a/key.pem", False, id="star-does-not-cross-slash"),
        pytest.param("certs/*.pem", "certs/key.pem", True, id="glob-whole-path"),
        pytest.param("*/key.pem", "a/b/key.pem", False, id="star-one-level-only"),
        pytest.param(".env", "app/.env", True, id="literal-basename"),
        pytest.param(".env.*", ".env.local", True, id="dotted-glob"),
        pytest.param(".env.*", ".envrc", False, id="not-a-prefix"),
        pytest.param("secrets/", "secrets/prod/db.txt", True, id="folder-with-slash"),
        pytest.param("secrets", "secrets/prod/db.txt", True, id="folder-without-slash"),
        pytest.param("secrets/", "app/secrets/db.txt", False, id="folder-anchored-at-root"),
        pytest.param("secrets/", "secretsx/db.txt", False, id="folder-whole-name"),
        pytest.param("id_?sa", "id_rsa", True, id="question-mark"),
        pytest.param("[!a]x", "!x", True, id="bang-is-literal-in-class"),
        pytest.param("[^a]x", "bx", True, id="caret-negates"),
        pytest.param("[a-c].key", "b.key", True, id="range"),
        pytest.param("\\*.key", "*.key", True, id="escaped-star"),
        pytest.param("\\*.key", "a.key", False, id="escaped-star-is-literal"),
        pytest.param("[a", "[a", True, id="malformed-still-a-folder-name"),
        pytest.param("[a", "b/[a", False, id="malformed-never-a-glob"),
        pytest.param("*[/a]*x", "a/x", False, id="leftmost-commit-as-go"),
        pytest.param("*??", "€", True, id="go-reads-bytes-inside-a-character"),
        pytest.param("*.pem", " key.pem ", True, id="path-trimmed-as-metawsm"),
    ],
)
def test_forbidden_pattern_semantics(pattern: str, path: str, expected: bool) -> None:
    assert reference_matches(path, [pattern]) is expected
    assert compile_patterns((pattern,)).matches(path) is expected


# Patterns are drawn as sequences of meaningful pieces, and half of the paths are made from the
# pattern itself (each piece replaced by something it may or may not match), so that matches,
# near misses and Go's corner cases (classes that match /, U+FFFD against bytes that are not
# UTF-8, ``*`` followed by ``?`` inside a multi-byte character) all come up often.
INSTANCES: dict[str, list[str]] = {
    "*": ["", "a", "ab", "é", "€", "a/b", "\udce9", "/"],
    "?": ["a", "é", "€", "/", "\udce9", ""],
    "[a/]": ["a", "/", "b"],
    "[/a]": ["/", "a"],
    "[^a]": ["b", "/", "€", "\udce9", "a"],
    "[^/]": ["a", "/"],
    "[a-c]": ["b", "d"],
    "[é-€]": ["é", "€", "ü", "\udce9", "a"],
    "[^é]": ["é", "a", "\udc80"],
    "[\ufffd]": ["\ufffd", "\udce9", "a"],
    "[^\ufffd]": ["\udce9", "a", "\ufffd"],
    "[\ud000-\ue000]": ["\udce9", "\ud7ff", "a"],
    "[b-a]": ["a", "b"],
    "[^b-a]": ["/", "a"],
    "[!a]": ["!", "a", "b"],
    "[\\]]": ["]", "\\"],
    "\\*": ["*", "a"],
    "\\": ["\\", ""],
}
SINGLE_PIECES = [p for p in INSTANCES if p != "*"] + [
    *["a", "x", "/", "?"] * 2,
    *["b", ".", "é", "€", "[", "]", "-", "^", " ", "[a-]", "[]"],
]
PATH_PIECES = ["a", "b", "x", "/", ".", "é", "€", "\udce9", "\udc80", " ", "\n", "*", "[", "]", "!"]


@st.composite
def patterns_and_paths(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Patterns as Go cuts them (single-character pieces separated by stars), and paths."""
    chunk = st.lists(st.sampled_from(SINGLE_PIECES), max_size=2)
    patterns = []
    for _ in range(draw(st.integers(1, 3))):
        pieces = draw(chunk)
        for _ in range(draw(st.integers(0, 3))):
            pieces += ["*", *draw(chunk)]
        patterns.append(pieces or ["*"])
    star = st.lists(st.sampled_from(PATH_PIECES), max_size=3).map("".join)
    paths = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            made = "".join(
                draw(star) if p == "*" else draw(st.sampled_from(INSTANCES.get(p, [p])))
                for p in draw(st.sampled_from(patterns))
            )
            paths.append(draw(st.sampled_from(["", "d/", "a/b/"])) + made)
        else:
            paths.append(draw(star) + draw(star))
    # As git.py hands them over: os.fsdecode of the bytes (raw bytes that happen to form UTF-8
    # are that character, not escapes).
    return ["".join(p) for p in patterns], [os.fsdecode(os.fsencode(path)) for path in paths]


@settings(max_examples=1000, deadline=None)
@given(case=patterns_and_paths())
def test_compiled_matcher_agrees_with_metawsm(case: tuple[list[str], list[str]]) -> None:
    patterns, paths = case
    matcher = compile_patterns(tuple(patterns))
    for path in paths:
        assert matcher.matches(path) is reference_matches(path, patterns), (patterns, path)


def test_forbidden_files_check(committed: Path) -> None:
    write(committed, "config/.env", "SECRET=1\n")
    write(committed, "old.key")
    commit_all(committed, "history")
    git(committed, "rm", "-q", "old.key")  # deleting a forbidden file is never blocked
    write(committed, "certs/server.pem")
    write(committed, "certs/server.pem.txt")
    write(committed, "new\nline.pem")
    write(committed, os.fsdecode(b"caf\xe9.key"))
    git(committed, "add", "-A")
    (committed / "ren").mkdir()
    git(committed, "mv", "config/.env", "ren/renamed.txt")
    git(committed, "mv", "README.md", "id_rsa")
    result = only(
        "forbidden_files", commit_ctx(committed, make_policy(required_checks=("forbidden_files",)))
    )
    assert result == CheckResult(
        "forbidden_files",
        "failed",
        'forbidden files detected: "caf\\351.key", certs/server.pem, id_rsa, "new\\nline.pem"',
        paths=(os.fsdecode(b"caf\xe9.key"), "certs/server.pem", "id_rsa", "new\nline.pem"),
    )


@pytest.mark.parametrize(
    ("patterns", "stage", "detail"),
    [
        pytest.param((), ["a.pem"], "no forbidden file patterns configured", id="no-patterns"),
        pytest.param(("*.pem",), [], "no changed files detected", id="no-changes"),
        pytest.param(
            ("*.pem",),
            ["a.txt", "b.txt"],
            "checked 2 changed file(s); no forbidden matches",
            id="clean",
        ),
    ],
)
def test_forbidden_files_passes(
    committed: Path, patterns: tuple[str, ...], stage: list[str], detail: str
) -> None:
    for name in stage:
        write(committed, name)
    if stage:
        git(committed, "add", *stage)
    policy = make_policy(required_checks=("forbidden_files",), forbidden_file_patterns=patterns)
    assert only("forbidden_files", commit_ctx(committed, policy)) == CheckResult(
        "forbidden_files", "passed", detail
    )


def test_many_stars_do_not_backtrack_exponentially() -> None:
    matcher = compile_patterns(("*a*a*a*a*a*a*b", "x/*a*a*a*a*c"))
    started = time.perf_counter()
    assert not matcher.matches("a" * 3000)
    assert not matcher.matches("x/" + "a" * 3000)
    assert matcher.matches("d/" + "a" * 3000 + "b")
    assert time.perf_counter() - started < 1.0


def test_forbidden_files_on_many_paths_is_fast() -> None:
    matcher = compile_patterns((*default_policy().git_pr.patterns(), "build/", "*[/]x*"))
    paths = [f"d{i % 100}/sub{i % 7}/file{i}.txt" for i in range(20_000)] + ["d1/id_rsa"]
    started = time.perf_counter()
    found = [p for p in paths if matcher.matches(p)]
    assert found == ["d1/id_rsa"]
    assert time.perf_counter() - started < 1.0


# --- tests ---------------------------------------------------------------------------------------


@pytest.fixture
def scratch_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder temporary checkouts go to, to see that they are removed."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def policy_with_commands(*commands: str, timeout: int = 600, tail: int = 20) -> Policy:
    return make_policy(
        required_checks=("tests",),
        test_commands=commands,
        hooks={"test_timeout_seconds": timeout, "output_tail_lines": tail},
    )


def test_tests_without_commands(committed: Path) -> None:
    assert only("tests", commit_ctx(committed, policy_with_commands())) == CheckResult(
        "tests", "passed", "no test commands configured"
    )


def test_tests_run_in_place_when_the_worktree_is_the_index(
    committed: Path, tmp_path: Path, scratch_tmp: Path
) -> None:
    where = tmp_path / "where"
    write(committed, "a.txt")
    git(committed, "add", "a.txt")
    result = only(
        "tests", commit_ctx(committed, policy_with_commands(f"pwd > {where}", "test -f a.txt"))
    )
    assert result == CheckResult("tests", "passed", "all 2 test command(s) passed")
    assert where.read_text().strip() == str(committed)
    assert list(scratch_tmp.iterdir()) == []


def test_tests_run_in_a_temporary_checkout_of_the_index(
    committed: Path, tmp_path: Path, scratch_tmp: Path
) -> None:
    where = tmp_path / "where"
    write(committed, "staged.txt", "staged\n")
    git(committed, "add", "staged.txt")
    write(committed, "staged.txt", "edited, not staged\n")
    write(committed, "untracked.txt")
    commands = (
        f"pwd > {where}",
        'test "$(cat staged.txt)" = staged',
        "test ! -e untracked.txt",
        'test -z "${GIT_INDEX_FILE-}${GIT_DIR-}"',
    )
    ctx = commit_ctx(committed, policy_with_commands(*commands))
    os.environ["GIT_INDEX_FILE"] = str(committed / ".git" / "index")  # as git sets it for hooks
    try:
        result = only("tests", ctx)
    finally:
        del os.environ["GIT_INDEX_FILE"]
    assert result.status == "passed", result.detail
    ran_in = Path(where.read_text().strip())
    assert ran_in.name == committed.name and ran_in.parent.parent == scratch_tmp
    assert list(scratch_tmp.iterdir()) == []


def test_tests_failure_names_command_status_and_tail(committed: Path, scratch_tmp: Path) -> None:
    command = "echo one; echo two; echo three >&2; exit 3"
    result = only(
        "tests", commit_ctx(committed, policy_with_commands("true", command, "touch never", tail=2))
    )
    assert result == CheckResult(
        "tests",
        "failed",
        'command "echo one; echo two; echo three >&2; exit 3" failed with exit status 3;'
        " last 2 line(s) of its output:\ntwo\nthree",
    )
    assert not (committed / "never").exists()


def test_tests_timeout_kills_grandchildren(committed: Path, tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild"
    command = f"sh -c 'sleep 60 & echo $! > {pidfile}; wait' & wait"
    started = time.monotonic()
    result = only("tests", commit_ctx(committed, policy_with_commands(command, timeout=1)))
    assert time.monotonic() - started < 10
    assert result.status == "failed"
    assert result.detail.startswith('command "sh -c ')
    assert "timed out after 1 s" in result.detail
    assert gone(int(pidfile.read_text()))


def test_tests_pass_is_cached_by_tree_and_commands(committed: Path, tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    command = f"echo run >> {counter}"
    cache = MemoryCache()
    ctx = commit_ctx(committed, policy_with_commands(command), cache=cache)
    tree = ctx.tree_id()
    assert only("tests", ctx).detail == "all 1 test command(s) passed"
    assert cache.passes == {tests.cache_key(tree, [command]): (tree, (command,))}
    again = only("tests", commit_ctx(committed, policy_with_commands(command), cache=cache))
    assert again == CheckResult("tests", "passed", f"cached for tree {tree[:7]}")
    assert counter.read_text() == "run\n"
    other = only("tests", commit_ctx(committed, policy_with_commands(command, "true"), cache=cache))
    assert other.detail == "all 2 test command(s) passed"  # other commands: another key
    assert counter.read_text() == "run\nrun\n"


def test_tests_failure_is_not_cached(committed: Path) -> None:
    cache = MemoryCache()
    assert (
        only("tests", commit_ctx(committed, policy_with_commands("false"), cache=cache)).status
        == "failed"
    )
    assert cache.passes == {}


def test_tests_interrupt_removes_the_checkout(
    committed: Path, tmp_path: Path, scratch_tmp: Path
) -> None:
    write(committed, "untracked.txt")  # forces a temporary checkout
    pidfile = tmp_path / "grandchild"
    command = f"sleep 60 & echo $! > {pidfile}; kill -INT {os.getpid()}; wait"
    ctx = commit_ctx(committed, policy_with_commands(command))
    with pytest.raises(KeyboardInterrupt):
        only("tests", ctx)
    assert list(scratch_tmp.iterdir()) == []
    assert gone(int(pidfile.read_text()))


def test_tests_checkout_with_read_only_folders_is_removed(
    committed: Path, scratch_tmp: Path
) -> None:
    write(committed, "untracked.txt")
    command = "mkdir -p cache/inner && touch cache/inner/f && chmod 500 cache/inner cache"
    assert only("tests", commit_ctx(committed, policy_with_commands(command))).status == "passed"
    assert list(scratch_tmp.iterdir()) == []


# --- ticket_workflow -----------------------------------------------------------------------------

TICKET_DIR = "ttmp/2026/02/10/ABC-1--staged-workflow"
COMPLETE = {
    "reference/99-operator-feedback.md": (
        "# Operator Feedback\n\nRequired workflow: Step 1 analyse. Step 2 plan. Step 3 build."
        " Step 4 PR.\n"
    ),
    "reference/01-codebase-relevance-analysis.md": (
        "# Codebase Relevance Analysis\n\n## Relevant Areas\n\n- x\n\n## Feedback Request\n\n"
        "OK?\n\n## Feedback Response\n\nApproved.\n"
    ),
    "design-doc/01-implementation-plan.md": (
        "# Implementation Plan\n\n## Plan\n\n1. x\n\n## Feedback Request\n\nOK?\n\n"
        "## Feedback Response\n\nAPPROVED\n"
    ),
    "reference/02-diary.md": "# Diary\n\n## Step 1: start\n\n### Prompt Context\n\nx\n",
    "tasks.md": "# Tasks\n\n- [x] one\n  - [X] two\n",
    "changelog.md": "# Changelog\n\n- Step 1: done\n",
}


def stage_ticket(root: Path, files: dict[str, str | None], folder: str = TICKET_DIR) -> None:
    for name, content in files.items():
        if content is not None:
            write(root, f"{folder}/{name}", content)
    git(root, "add", "-A")


def workflow(root: Path, ticket: str | None = "abc-1") -> CheckResult:
    return only(
        "ticket_workflow",
        commit_ctx(root, make_policy(required_checks=("ticket_workflow",)), ticket=ticket),
    )


def test_ticket_workflow_satisfied(committed: Path) -> None:
    stage_ticket(committed, COMPLETE)
    assert workflow(committed) == CheckResult(
        "ticket_workflow", "passed", "staged workflow contract satisfied for 1 ticket doc path(s)"
    )


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        pytest.param(
            {"reference/01-codebase-relevance-analysis.md": None},
            "analysis doc with Relevant Areas + Feedback sections",
            id="no-analysis",
        ),
        pytest.param(
            {
                "reference/01-codebase-relevance-analysis.md": COMPLETE[
                    "reference/01-codebase-relevance-analysis.md"
                ].replace("Approved.", "Pending.")
            },
            "analysis feedback response missing approval",
            id="analysis-not-approved",
        ),
        pytest.param(
            {"design-doc/01-implementation-plan.md": None},
            "implementation plan doc with Plan + Feedback sections",
            id="no-plan",
        ),
        pytest.param(
            {
                "design-doc/01-implementation-plan.md": COMPLETE[
                    "design-doc/01-implementation-plan.md"
                ].replace("APPROVED", "waiting")
            },
            "implementation plan feedback response missing approval",
            id="plan-not-approved",
        ),
        pytest.param(
            {"reference/02-diary.md": "# Diary\n\n## Step 1\n"},
            "diary doc with step entries",
            id="diary-without-prompt-context",
        ),
        pytest.param({"tasks.md": None}, "tasks.md missing", id="no-tasks"),
        pytest.param(
            {"tasks.md": "# Tasks\n\nnothing yet\n"},
            "tasks.md has no completed checklist items",
            id="tasks-none-done",
        ),
        pytest.param(
            {"tasks.md": "- [x] one\n- [ ] two\n"},
            "tasks.md still has unchecked items",
            id="tasks-unchecked",
        ),
        pytest.param({"changelog.md": None}, "changelog.md missing", id="no-changelog"),
        pytest.param(
            {"changelog.md": "# Changelog\n\n- started\n"},
            "changelog.md missing step entries",
            id="changelog-without-steps",
        ),
    ],
)
def test_ticket_workflow_each_shortfall_is_named(
    committed: Path, change: dict[str, str | None], missing: str
) -> None:
    stage_ticket(committed, {**COMPLETE, **change})
    assert workflow(committed) == CheckResult(
        "ticket_workflow",
        "failed",
        f"staged workflow contract unmet: ABC-1--staged-workflow ({missing})",
    )


def test_ticket_workflow_names_every_shortfall(committed: Path) -> None:
    stage_ticket(
        committed,
        {
            "reference/99-operator-feedback.md": COMPLETE["reference/99-operator-feedback.md"],
            "tasks.md": "- [ ] todo\n",
        },
    )
    stage_ticket(committed, COMPLETE, folder="ttmp/abc-1--done")
    assert workflow(committed).detail == (
        "staged workflow contract unmet: ABC-1--staged-workflow (analysis doc with Relevant Areas +"
        " Feedback sections; implementation plan doc with Plan + Feedback sections; diary doc with"
        " step entries; tasks.md has no completed checklist items; tasks.md still has unchecked"
        " items; changelog.md missing)"
    )


@pytest.mark.parametrize(
    ("ticket", "files", "detail"),
    [
        pytest.param(
            None, COMPLETE, "ticket unavailable; staged workflow check skipped", id="no-ticket"
        ),
        pytest.param(
            "  ", COMPLETE, "ticket unavailable; staged workflow check skipped", id="blank-ticket"
        ),
        pytest.param(
            "xyz-9",
            COMPLETE,
            "ticket docs not found; no staged workflow contract detected",
            id="other-ticket",
        ),
        pytest.param(
            "abc-1",
            {
                **COMPLETE,
                "reference/99-operator-feedback.md": "Required workflow: Step 1, Step 2, Step 3.\n",
                "tasks.md": None,
            },
            "no staged workflow contract declared in operator feedback",
            id="contract-not-declared",
        ),
    ],
)
def test_ticket_workflow_passes_with_a_note(
    committed: Path, ticket: str | None, files: dict[str, str | None], detail: str
) -> None:
    stage_ticket(committed, files)
    assert workflow(committed, ticket) == CheckResult("ticket_workflow", "passed", detail)


def test_ticket_workflow_reads_the_index_not_the_worktree(committed: Path) -> None:
    stage_ticket(committed, {**COMPLETE, "changelog.md": None})
    write(committed, f"{TICKET_DIR}/changelog.md", COMPLETE["changelog.md"])  # on disk, not staged
    assert workflow(committed).detail.endswith("(changelog.md missing)")


def test_ticket_workflow_docs_only_directly_in_doc_folders(committed: Path) -> None:
    nested = {
        f"reference/sub/{k.split('/')[-1]}"
        if k.startswith(("reference/0", "design-doc/"))
        else k: v
        for k, v in COMPLETE.items()
    }
    stage_ticket(committed, nested)
    detail = workflow(committed).detail
    assert (
        "analysis doc with" in detail
        and "implementation plan doc with" in detail
        and "diary doc" in detail
    )


def test_ticket_folders_stop_at_the_first_match() -> None:
    files = [
        "ttmp/abc-1--outer/inner/abc-1--nested/tasks.md",
        "ttmp/x/ABC-1--upper/tasks.md",
        "ttmp/abc-10--other/tasks.md",
        "ttmp/abc-1--outer/tasks.md",
        "ttmp/abc-1--file.md",
        "elsewhere/abc-1--x/tasks.md",
    ]
    assert ticket_workflow.ticket_folders(files, " ABC-1 ") == {
        "ttmp/abc-1--outer": [
            "ttmp/abc-1--outer/inner/abc-1--nested/tasks.md",
            "ttmp/abc-1--outer/tasks.md",
        ],
        "ttmp/x/ABC-1--upper": ["ttmp/x/ABC-1--upper/tasks.md"],
    }


def test_ticket_workflow_on_a_pushed_commit(committed: Path) -> None:
    stage_ticket(committed, COMPLETE)
    git(committed, "commit", "-q", "--no-verify", "-m", "docs")
    repo = Repository.discover(committed)
    git(committed, "rm", "-q", "-r", "ttmp")  # the working tree and index no longer matter
    ctx = records.replace(
        commit_ctx(
            committed,
            make_policy(required_checks=("ticket_workflow",)),
            ticket="abc-1",
            operation="pr",
        ),
        source=repo.commit_source("HEAD"),
    )
    assert only("ticket_workflow", ctx).status == "passed"


# --- clean_tree ----------------------------------------------------------------------------------


def clean(root: Path) -> CheckResult:
    return only(
        "clean_tree", commit_ctx(root, make_policy(required_checks=("clean_tree",)), operation="pr")
    )


def test_clean_tree(committed: Path) -> None:
    assert clean(committed) == CheckResult("clean_tree", "passed", "working tree is clean")
    for suffix in ("", "-wal", "-shm", "-journal"):
        write(committed, f".metawsm/metawsm.db{suffix}")
    assert clean(committed) == CheckResult("clean_tree", "passed", "working tree is clean")
    write(committed, "README.md", "changed\n")
    for i in range(6):
        write(committed, f"new{i}.txt")
    assert clean(committed) == CheckResult(
        "clean_tree",
        "failed",
        "working tree is dirty: README.md, new0.txt, new1.txt, new2.txt, new3.txt (and 2 more);"
        " commit or stash them, then push again",
    )


def test_clean_tree_ignores_every_file_the_store_keeps(committed: Path) -> None:
    # The store's creation lock (<db>.lock) once counted as user work and blocked every push.
    db = committed / STORE_RELPATH
    Store.open(db).close()
    assert (committed / f"{STORE_RELPATH}.lock").exists()
    for path in store_files(db):
        path.touch()
    assert clean(committed) == CheckResult("clean_tree", "passed", "working tree is clean")


def test_clean_tree_in_a_bare_repository(committed: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(committed), str(bare))
    repo = Repository.discover(bare)
    ctx = CheckContext(
        operation="pr",
        repo=repo,
        changes=[Change("x", "A")],
        source=repo.commit_source("HEAD"),
        tree_id=lambda: repo.tree_id_of("HEAD"),
        run_in_place=lambda: False,
        ticket=None,
        policy=make_policy(required_checks=("clean_tree",)),
        skip={},
        cache=None,
    )
    assert clean_tree.run(ctx) == CheckResult(
        "clean_tree", "passed", "no working tree (bare repository)"
    )


def test_check_modules_declare_where_they_apply() -> None:
    assert (
        tests.APPLIES_TO
        == forbidden_files.APPLIES_TO
        == ticket_workflow.APPLIES_TO
        == {"commit", "pr"}
    )
    assert frozenset({"pr"}) == clean_tree.APPLIES_TO
