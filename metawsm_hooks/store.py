"""The SQLite store shared with metawsm: its ``run_pull_requests`` table plus the hook's own
``hook_*`` tables (audit of every hook run, test cache, operator-assist state and replies).

The only module that speaks SQL. A store that cannot be opened or written raises ``FatalError``
(exit code 1) naming the file and the way out: a record is never dropped silently.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from metawsm_hooks.constants import (
    DB_ENV,
    METAWSM_TABLES,
    PR_STATES,
    RFC3339_UTC,
    STORE_BUSY_TIMEOUT,
    STORE_IGNORE_FILE,
    STORE_IGNORE_MARK,
    STORE_LOCK_SUFFIX,
    STORE_RELPATH,
    STORE_SIDE_SUFFIXES,
)
from metawsm_hooks.errors import EXIT_BLOCKED, FatalError
from metawsm_hooks.records import Record, asdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from typing import TypeVar

    _T = TypeVar("_T")

_BUSY_SLICE = 0.1  # seconds SQLite may wait for a lock in one go
_TEST_CACHE_KEEP = 2000
_clock = time.time  # the one source of "now" for records (tests may replace it)

# metawsm's own table, exactly as metawsm creates it (internal/store/sqlite.go).
_RUN_PULL_REQUESTS = """
CREATE TABLE IF NOT EXISTS run_pull_requests (
  run_id TEXT NOT NULL,
  ticket TEXT NOT NULL,
  repo TEXT NOT NULL,
  workspace_name TEXT NOT NULL DEFAULT '',
  head_branch TEXT NOT NULL DEFAULT '',
  base_branch TEXT NOT NULL DEFAULT '',
  remote_name TEXT NOT NULL DEFAULT '',
  commit_sha TEXT NOT NULL DEFAULT '',
  pr_number INTEGER NOT NULL DEFAULT 0,
  pr_url TEXT NOT NULL DEFAULT '',
  pr_state TEXT NOT NULL DEFAULT '',
  credential_mode TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT '',
  validation_json TEXT NOT NULL DEFAULT '',
  error_text TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (run_id, ticket, repo)
)"""

PR_COLUMNS = (
    "run_id",
    "ticket",
    "repo",
    "workspace_name",
    "head_branch",
    "base_branch",
    "remote_name",
    "commit_sha",
    "pr_number",
    "pr_url",
    "pr_state",
    "credential_mode",
    "actor",
    "validation_json",
    "error_text",
    "created_at",
    "updated_at",
)
HOOK_RUN_COLUMNS = (
    "id",
    "stage",
    "branch",
    "ticket",
    "repo",
    "run_id",
    "verdict",
    "report_json",
    "skipped",
    "actor",
    "actor_kind",
    "agent",
    "detail",
    "created_at",
)
ASSIST_COLUMNS = (
    "id",
    "run_key",
    "branch",
    "kind",
    "mode",
    "context_json",
    "reply",
    "intent",
    "decision",
    "note",
    "created_at",
)


class PRKey(Record):
    run_id: str
    ticket: str
    repo: str


class HookRun(Record):
    stage: str
    branch: str | None
    ticket: str | None
    repo: str | None
    run_id: str | None
    verdict: str
    report_json: str
    skipped: str
    actor: str
    detail: str
    actor_kind: str = ""  # "agent" or "person" (agent.actor); '' in rows written before it
    agent: str = ""  # the agent's name when actor_kind is "agent"


class PullRequestPush(Record):
    key: PRKey
    head_branch: str
    base_branch: str
    remote_name: str
    commit_sha: str
    credential_mode: str
    actor: str
    validation_json: str
    workspace_name: str = ""


class PendingPush(Record):
    """A push every hook check passed, not yet seen delivered: ``push`` is the row to write once
    it is. ``tracking`` names the remote whose remote-tracking branch git moves on delivery (a
    push to a named remote; empty for a push by URL, checked with ``git ls-remote``);
    ``pusher_pid`` is the ``git push`` that carried it, so a later run knows it is over."""

    push: PullRequestPush
    remote_url: str
    remote_ref: str
    tracking: tuple[str, ...]
    pusher_pid: int
    created_at: str = ""


class FailureStreak(Record):
    """Consecutive failures of one kind on one branch, as the store counted them."""

    branch: str
    kind: str
    count: int
    first_seen: str
    last_seen: str


class AssistClaim(Record):
    """Whether a run may consult the operator now; ``used`` counts this one when granted."""

    granted: bool
    used: int
    reason: str  # "" when granted, else "budget" or "cooldown"
    retry_in: int  # seconds until the cooldown ends (0 unless reason is "cooldown")


class AssistRecord(Record):
    run_key: str
    branch: str
    kind: str
    mode: str
    context_json: str
    reply: str
    intent: str
    decision: str
    note: str


def store_path(
    *,
    override: str | None,
    main_root: Path | None,
    git_dir: Path,
    is_bare: bool,
    home: Path | None = None,
) -> Path:
    """``--db`` else ``$METAWSM_DB`` else ``<home>/.metawsm/metawsm.db`` when a metawsm home is
    configured (the store metawsm reads), else metawsm's ``.metawsm/metawsm.db`` under the main
    worktree, else (bare repositories, server side) ``<git_dir>/metawsm/metawsm.db``."""
    if override:
        return Path(override)
    env = os.environ.get(DB_ENV, "")
    if env:
        return Path(env)
    if home is not None:
        return home / STORE_RELPATH
    if main_root is not None and not is_bare:
        return main_root / STORE_RELPATH
    return git_dir / "metawsm" / "metawsm.db"


def store_files(path: Path) -> tuple[Path, ...]:
    """The database and every file kept beside it (WAL, shared memory, journal, creation lock)."""
    return (path, *(path.with_name(path.name + suffix) for suffix in STORE_SIDE_SUFFIXES))


def ignore_lines(path: Path) -> bytes:
    """The ignore file that keeps the store ``path`` and its side files out of git, itself
    included (git reads an ignore file that ignores itself)."""
    names = [STORE_IGNORE_FILE, *(p.name for p in store_files(path))]
    return (STORE_IGNORE_MARK + "\n" + "".join(f"/{name}\n" for name in names)).encode()


def keep_out_of_git(path: Path) -> None:
    """Write ``<store folder>/.gitignore`` for the store at ``path`` when the folder is
    metawsm's ``.metawsm`` and has no ignore file of the user's: the store never dirties the
    work tree nor enters git, whether or not ``install`` wrote an exclude line (the pre-commit
    framework, copied scripts and ``ci`` alone never run it). An ignore file of the user's is
    left alone."""
    folder = path.parent
    if folder.name != Path(STORE_RELPATH).parent.name:
        return
    ignore = folder / STORE_IGNORE_FILE
    wanted = ignore_lines(path)
    try:
        with open(ignore, "rb") as handle:
            current = handle.read()
    except FileNotFoundError:
        current = None
    except OSError:
        return  # unreadable: not ours to replace
    if current == wanted or (
        current is not None and not current.startswith(STORE_IGNORE_MARK.encode())
    ):
        return
    with contextlib.suppress(OSError):  # a read-only folder: the store reports that itself
        tmp = folder / f".{STORE_IGNORE_FILE}.{os.getpid()}.tmp"
        tmp.write_bytes(wanted)
        os.replace(tmp, ignore)


def rfc3339(epoch: float) -> str:
    """UTC time as Go writes a ``time.Time`` with second precision: ``2026-02-08T11:22:26Z``."""
    return time.strftime(RFC3339_UTC, time.gmtime(int(epoch)))


_STAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z\Z")


def _epoch(text: str) -> int | None:
    """Seconds since the epoch for a stamp written by ``rfc3339`` (None for anything else)."""
    found = _STAMP.match(text)
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in found.groups())
    # Days from the civil date (proleptic Gregorian), without importing calendar/datetime.
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    return days * 86400 + hour * 3600 + minute * 60 + second


_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(\.\d+)?(?:([Zz])|([+-])(\d\d):(\d\d))\Z"
)


def rfc3339_epoch(text: str) -> float | None:
    """Seconds since the epoch for an RFC 3339 time as metawsm (Go) writes it, with ``Z`` or an
    offset and optional fractional seconds (``2026-02-08T11:22:26-08:00``); None otherwise."""
    found = _RFC3339.match(text.strip())
    if found is None:
        return None
    utc = f"{found.group(1)}-{found.group(2)}-{found.group(3)}T{found.group(4)}:{found.group(5)}:"
    whole = _epoch(f"{utc}{found.group(6)}Z")
    if whole is None:
        return None
    fraction = float(found.group(7)) if found.group(7) else 0.0
    offset = 0
    if found.group(9):
        offset = (int(found.group(10)) * 60 + int(found.group(11))) * 60
        offset = offset if found.group(9) == "+" else -offset
    return whole + fraction - offset


def _text(value: str) -> str:
    """``value`` as SQLite can store it: undecodable bytes (surrogateescape) become ``\\xNN``."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        pass
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def _opt_text(value: str | None) -> str | None:
    return None if value is None else _text(value)


def _json_list(values: Sequence[str]) -> str:
    import json

    return json.dumps([_text(v) for v in values])


def _int(value: object) -> int:
    return value if isinstance(value, int) else int(str(value))


# --- migrations: one function per step; user_version counts the steps applied -------------------


def _migrate_1(db: sqlite3.Connection) -> None:
    db.execute(_RUN_PULL_REQUESTS)
    db.execute(
        """CREATE TABLE IF NOT EXISTS hook_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stage TEXT NOT NULL,
  branch TEXT,
  ticket TEXT,
  repo TEXT,
  run_id TEXT,
  verdict TEXT NOT NULL,
  report_json TEXT NOT NULL DEFAULT '',
  skipped TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
)"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS hook_runs_by_ticket ON hook_runs (ticket, id)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS hook_test_cache (
  key TEXT PRIMARY KEY,
  tree_id TEXT NOT NULL,
  commands_json TEXT NOT NULL,
  created_at TEXT NOT NULL
)"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS hook_assist_failures (
  branch TEXT NOT NULL,
  kind TEXT NOT NULL,
  consecutive INTEGER NOT NULL DEFAULT 0,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  PRIMARY KEY (branch, kind)
)"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS hook_assist_runs (
  run_key TEXT PRIMARY KEY,
  assists_used INTEGER NOT NULL DEFAULT 0,
  last_assist_at TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL
)"""
    )
    db.execute(
        """CREATE TABLE IF NOT EXISTS hook_assists (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_key TEXT NOT NULL,
  branch TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL DEFAULT '',
  context_json TEXT NOT NULL,
  reply TEXT NOT NULL DEFAULT '',
  intent TEXT NOT NULL DEFAULT '',
  decision TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL
)"""
    )


def _migrate_2(db: sqlite3.Connection) -> None:
    """Who ran each hook: an agent or a person. Rows written before stay '' (unknown)."""
    db.execute("ALTER TABLE hook_runs ADD COLUMN actor_kind TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE hook_runs ADD COLUMN agent TEXT NOT NULL DEFAULT ''")


def _migrate_3(db: sqlite3.Connection) -> None:
    # Pushes the hooks passed and git has not yet been seen to deliver (the ledger moves only for
    # delivered commits).
    db.execute(
        """CREATE TABLE IF NOT EXISTS hook_pending_pushes (
  run_id TEXT NOT NULL,
  ticket TEXT NOT NULL,
  repo TEXT NOT NULL,
  push_json TEXT NOT NULL,
  remote_url TEXT NOT NULL DEFAULT '',
  remote_ref TEXT NOT NULL,
  tracking_json TEXT NOT NULL DEFAULT '[]',
  commit_sha TEXT NOT NULL,
  pusher_pid INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  PRIMARY KEY (run_id, ticket, repo)
)"""
    )


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migrate_1,
    _migrate_2,
    _migrate_3,
)
SCHEMA_VERSION = len(MIGRATIONS)


# --- errors --------------------------------------------------------------------------------------


def _cause(exc: BaseException, timeout: float, path: Path | None = None) -> tuple[str, str]:
    """(what happened, the way out) for an error from SQLite or the file system."""
    text = str(exc).lower()
    if isinstance(exc, OSError) and not str(exc).startswith("database"):
        text = (exc.strerror or str(exc)).lower()
    if "locked" in text or "busy" in text:
        return (
            f"database is locked by another process for more than {timeout:g} s",
            f"retry, or set {DB_ENV} to another path",
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return (
            "the file is not a SQLite database or is corrupt",
            f"move it aside (its records stay in the moved file) and retry,"
            f" or set {DB_ENV} to another path",
        )
    # SQLite reports a -shm file it cannot grow as a bare "disk I/O error": when the file
    # system has no room left, that is what the user needs to hear.
    full = "disk i/o error" in text and path is not None and _no_space_left(path)
    if full or "full" in text or "no space" in text or "quota" in text:
        return ("the disk is full", f"free some space, or set {DB_ENV} to a path on another disk")
    if "readonly" in text or "read-only" in text or "permission" in text or "not permitted" in text:
        return (
            "the file or its folder is read-only",
            f"make both writable for this user, or set {DB_ENV} to a writable path",
        )
    if (
        "unable to open" in text
        or "no such file" in text
        or "not a directory" in text
        or "file exists" in text  # a file where its folder should be
    ):
        return (
            "the file cannot be opened or created",
            f"check that its folder exists and is writable, or set {DB_ENV} to a writable path",
        )
    detail = " ".join(str(exc).split()) or type(exc).__name__
    return (detail, f"check the file, or set {DB_ENV} to another path")


def _no_space_left(path: Path) -> bool:
    statvfs = getattr(os, "statvfs", None)
    if statvfs is None:
        return False
    try:
        return bool(statvfs(path.parent).f_bavail == 0)
    except OSError:
        return False


def _fatal(path: Path, verb: str, exc: BaseException, timeout: float) -> FatalError:
    what, way_out = _cause(exc, timeout, path)
    return FatalError(f"cannot {verb} the store {path} ({what}); {way_out}", exit_code=EXIT_BLOCKED)


# --- the store -----------------------------------------------------------------------------------


class Store:
    """One open store. Implements ``checks.TestCache``. Use as a context manager or ``close()``."""

    def __init__(self, path: Path, db: sqlite3.Connection, busy_timeout: float) -> None:
        self.path = path
        self._db = db
        self._timeout = busy_timeout

    @classmethod
    def open(cls, path: Path, *, busy_timeout: float = STORE_BUSY_TIMEOUT) -> Store:
        """Open (creating it if needed) the store at ``path``: WAL, busy timeout, migrations.

        Creation is serialised by an exclusive lock on ``<path>.lock`` so that many hooks opening a
        fresh store at the same moment never race on the journal mode or the schema; an existing,
        current store is opened without taking that lock.
        """
        import sqlite3

        from metawsm_hooks.fs import refuse_symlink

        # A repository can commit the store, its side files or its folder as symlinks; SQLite
        # would follow them into another program's database or folder.
        refuse_symlink(path.parent, what="the store")
        for name in store_files(path):
            refuse_symlink(name, what="the store")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _fatal(path, "create", exc, busy_timeout) from exc
        keep_out_of_git(path)
        # SQLite would open a read-only file read-only and fail only at the first write.
        try:
            target = path if path.exists() else path.parent
        except OSError as exc:  # a name the file system cannot take (over 255 bytes)
            raise _fatal(path, "open", exc, busy_timeout) from exc
        if not os.access(target, os.W_OK):
            raise _fatal(path, "write", PermissionError("read-only"), busy_timeout)
        db: sqlite3.Connection | None = None
        try:
            # SQLite waits for a lock in C, deaf to Ctrl-C: it waits in short slices, and the
            # loops here (_begin_immediate, _initialise) make up the whole busy timeout.
            slice_ = min(busy_timeout, _BUSY_SLICE)
            db = connection = sqlite3.connect(path, timeout=slice_, isolation_level=None)
            if not _patiently(lambda: _is_current(connection), busy_timeout):
                with _creation_lock(path, busy_timeout):
                    _initialise(connection, busy_timeout)
            store = cls(path, connection, busy_timeout)
            db = None
            return store
        except (sqlite3.Error, OSError) as exc:
            raise _fatal(path, "open", exc, busy_timeout) from exc
        finally:
            if db is not None:
                db.close()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing --

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so read-modify-write is atomic."""
        import sqlite3

        db = self._db
        try:
            _begin_immediate(db, self._timeout)
            with db:
                yield db
        except (sqlite3.Error, OSError) as exc:
            if db.in_transaction:  # a failed COMMIT leaves the transaction open
                with contextlib.suppress(sqlite3.Error):
                    db.rollback()
            raise _fatal(self.path, "write", exc, self._timeout) from exc

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        import sqlite3

        try:
            return _patiently(
                lambda: list(self._db.execute(sql, tuple(params)).fetchall()), self._timeout
            )
        except sqlite3.Error as exc:
            raise _fatal(self.path, "read", exc, self._timeout) from exc

    # -- audit --

    def record_hook_run(self, run: HookRun, *, now: float | None = None) -> None:
        stamp = rfc3339(_clock() if now is None else now)
        with self._write() as db:
            db.execute(
                "INSERT INTO hook_runs (stage, branch, ticket, repo, run_id, verdict, report_json,"
                " skipped, actor, actor_kind, agent, detail, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _text(run.stage),
                    _opt_text(run.branch),
                    _opt_text(run.ticket),
                    _opt_text(run.repo),
                    _opt_text(run.run_id),
                    _text(run.verdict),
                    _text(run.report_json),
                    _text(run.skipped),
                    _text(run.actor),
                    _text(run.actor_kind),
                    _text(run.agent),
                    _text(run.detail),
                    stamp,
                ),
            )

    def hook_runs(
        self, *, tickets: Sequence[str] | None = None, limit: int = 20
    ) -> list[dict[str, object]]:
        """Recent hook runs whose ticket is one of ``tickets`` (None: all), most recent first
        (the order they were written in, which is the order of their times)."""
        columns = ", ".join(HOOK_RUN_COLUMNS)
        if tickets is None:
            rows = self._read(f"SELECT {columns} FROM hook_runs ORDER BY id DESC LIMIT ?", (limit,))
        else:
            marks = ", ".join("?" for _ in tickets)
            rows = self._read(
                f"SELECT {columns} FROM hook_runs WHERE ticket IN ({marks})"
                " ORDER BY id DESC LIMIT ?",
                (*(_text(t) for t in tickets), limit),
            )
        return [dict(zip(HOOK_RUN_COLUMNS, row, strict=True)) for row in rows]

    # -- metawsm's run_pull_requests --

    def upsert_pull_request(self, pr: PullRequestPush, *, now: float | None = None) -> None:
        """A successful push: the row as metawsm's commit flow leaves it (``pr_state`` ``draft``
        unless a PR state is recorded, ``error_text`` cleared, ``created_at`` kept)."""
        stamp = rfc3339(_clock() if now is None else now)
        key = pr.key
        with self._write() as db:
            db.execute(
                "INSERT INTO run_pull_requests (run_id, ticket, repo, workspace_name,"
                " head_branch, base_branch, remote_name, commit_sha, pr_number, pr_url, pr_state,"
                " credential_mode, actor, validation_json, error_text, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, '', 'draft', ?, ?, ?, '', ?, ?)"
                " ON CONFLICT (run_id, ticket, repo) DO UPDATE SET"
                " workspace_name = CASE WHEN excluded.workspace_name <> ''"
                " THEN excluded.workspace_name ELSE workspace_name END,"
                " head_branch = excluded.head_branch, base_branch = excluded.base_branch,"
                " remote_name = excluded.remote_name, commit_sha = excluded.commit_sha,"
                " pr_state = CASE WHEN pr_state = '' THEN 'draft' ELSE pr_state END,"
                " credential_mode = excluded.credential_mode, actor = excluded.actor,"
                " validation_json = excluded.validation_json, error_text = '',"
                " updated_at = excluded.updated_at",
                (
                    _text(key.run_id),
                    _text(key.ticket),
                    _text(key.repo),
                    _text(pr.workspace_name),
                    _text(pr.head_branch),
                    _text(pr.base_branch),
                    _text(pr.remote_name),
                    _text(pr.commit_sha),
                    _text(pr.credential_mode),
                    _text(pr.actor),
                    _text(pr.validation_json),
                    stamp,
                    stamp,
                ),
            )

    def record_pending_push(self, pending: PendingPush, *, now: float | None = None) -> None:
        """Remember a push every hook check passed until git is seen to deliver it (one per row
        key: a newer push of the same run, ticket and repo replaces an older one)."""
        import json

        stamp = rfc3339(_clock() if now is None else now)
        push = pending.push
        values = {name: _text(str(value)) for name, value in asdict(push).items() if name != "key"}
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO hook_pending_pushes (run_id, ticket, repo, push_json,"
                " remote_url, remote_ref, tracking_json, commit_sha, pusher_pid, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _text(push.key.run_id),
                    _text(push.key.ticket),
                    _text(push.key.repo),
                    json.dumps(values, sort_keys=True),
                    _text(pending.remote_url),
                    _text(pending.remote_ref),
                    _json_list(pending.tracking),
                    _text(push.commit_sha),
                    int(pending.pusher_pid),
                    stamp,
                ),
            )

    def pending_pushes(self) -> list[PendingPush]:
        """Every push not yet seen delivered, oldest first."""
        import json

        rows = self._read(
            "SELECT run_id, ticket, repo, push_json, remote_url, remote_ref, tracking_json,"
            " pusher_pid, created_at FROM hook_pending_pushes ORDER BY created_at"
        )
        found = []
        for run_id, ticket, repo, push_json, url, ref, tracking, pid, created in rows:
            values = json.loads(str(push_json))
            key = PRKey(run_id=str(run_id), ticket=str(ticket), repo=str(repo))
            found.append(
                PendingPush(
                    push=PullRequestPush(key=key, **values),
                    remote_url=str(url),
                    remote_ref=str(ref),
                    tracking=tuple(json.loads(str(tracking))),
                    pusher_pid=_int(pid),
                    created_at=str(created),
                )
            )
        return found

    def settle_push(self, pending: PendingPush, *, delivered: bool, error_text: str = "") -> bool:
        """Close a pending push: delivered, its row moves to the pushed commit; not delivered,
        the row records ``error_text`` and keeps its commit. False when another run settled it
        first (or a newer push replaced it)."""
        key = pending.push.key
        with self._write() as db:
            cursor = db.execute(
                "DELETE FROM hook_pending_pushes WHERE run_id = ? AND ticket = ? AND repo = ?"
                " AND commit_sha = ? AND created_at = ?",
                (key.run_id, key.ticket, key.repo, pending.push.commit_sha, pending.created_at),
            )
            if cursor.rowcount == 0:
                return False
        push = pending.push
        if delivered:
            self.upsert_pull_request(push)
        else:
            self.record_push_failure(
                key,
                error_text=error_text,
                head_branch=push.head_branch,
                base_branch=push.base_branch,
                remote_name=push.remote_name,
                credential_mode=push.credential_mode,
                actor=push.actor,
                validation_json=push.validation_json,
            )
        return True

    def record_push_failure(
        self,
        key: PRKey,
        *,
        error_text: str,
        head_branch: str,
        base_branch: str,
        remote_name: str,
        credential_mode: str,
        actor: str,
        validation_json: str,
        workspace_name: str = "",
    ) -> None:
        """A blocked or failed push: ``error_text``, ``validation_json`` and ``updated_at`` change;
        ``commit_sha`` stays what the last successful push recorded ('' for a new row), and an
        existing ``workspace_name`` is kept."""
        stamp = rfc3339(_clock())
        with self._write() as db:
            db.execute(
                "INSERT INTO run_pull_requests (run_id, ticket, repo, workspace_name, head_branch,"
                " base_branch, remote_name, credential_mode, actor, validation_json, error_text,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (run_id, ticket, repo) DO UPDATE SET"
                " workspace_name = CASE WHEN workspace_name = ''"
                " THEN excluded.workspace_name ELSE workspace_name END,"
                " error_text = excluded.error_text, validation_json = excluded.validation_json,"
                " updated_at = excluded.updated_at",
                (
                    _text(key.run_id),
                    _text(key.ticket),
                    _text(key.repo),
                    _text(workspace_name),
                    _text(head_branch),
                    _text(base_branch),
                    _text(remote_name),
                    _text(credential_mode),
                    _text(actor),
                    _text(validation_json),
                    _text(error_text) or "push failed",
                    stamp,
                    stamp,
                ),
            )

    def record_pr(
        self,
        key: PRKey,
        *,
        url: str,
        number: int,
        state: str,
        workspace_name: str = "",
        now: float | None = None,
    ) -> None:
        """The PR itself (``pr record``). ``number`` 0 keeps a number already recorded;
        ``workspace_name`` is written into a new row only (an existing row keeps its own)."""
        state = state.strip().lower()
        if state not in PR_STATES:
            raise FatalError(f"PR state '{state}' is not one of {', '.join(PR_STATES)}")
        if number < 0:
            raise FatalError(f"PR number {number} is negative; give the number GitHub shows")
        stamp = rfc3339(_clock() if now is None else now)
        with self._write() as db:
            db.execute(
                "INSERT INTO run_pull_requests (run_id, ticket, repo, workspace_name, pr_number,"
                " pr_url, pr_state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (run_id, ticket, repo) DO UPDATE SET"
                " workspace_name = CASE WHEN workspace_name = ''"
                " THEN excluded.workspace_name ELSE workspace_name END,"
                " pr_number = CASE WHEN excluded.pr_number <> 0"
                " THEN excluded.pr_number ELSE pr_number END,"
                " pr_url = excluded.pr_url, pr_state = excluded.pr_state,"
                " updated_at = excluded.updated_at",
                (
                    _text(key.run_id),
                    _text(key.ticket),
                    _text(key.repo),
                    _text(workspace_name),
                    number,
                    _text(url),
                    state,
                    stamp,
                    stamp,
                ),
            )

    def pull_requests(self, *, tickets: Sequence[str] | None = None) -> list[dict[str, object]]:
        """Rows of ``run_pull_requests`` (metawsm's column names) whose ticket is one of
        ``tickets`` (None: all), most recently updated first: ``updated_at`` compared as a time
        (metawsm writes RFC 3339 with any offset), rows whose stamp does not parse last."""
        columns = ", ".join(PR_COLUMNS)
        if tickets is None:
            rows = self._read(f"SELECT {columns} FROM run_pull_requests")
        else:
            marks = ", ".join("?" for _ in tickets)
            rows = self._read(
                f"SELECT {columns} FROM run_pull_requests WHERE ticket IN ({marks})",
                tuple(_text(t) for t in tickets),
            )
        found = [dict(zip(PR_COLUMNS, row, strict=True)) for row in rows]
        found.sort(key=lambda r: (str(r["run_id"]), str(r["ticket"]), str(r["repo"])))
        found.sort(key=lambda r: -(rfc3339_epoch(str(r["updated_at"])) or float("-inf")))
        return found

    def ticket_spellings(self) -> list[str]:
        """Every ticket the store names (PR rows, hook runs, metawsm's run tickets), as written."""
        sql = "SELECT ticket FROM run_pull_requests UNION SELECT ticket FROM hook_runs"
        if "run_tickets" in self.metawsm_tables():
            sql += " UNION SELECT ticket FROM run_tickets"
        return [str(row[0]) for row in self._read(sql) if row[0] is not None]

    # -- metawsm's own records (read only) --

    def metawsm_tables(self) -> tuple[str, ...]:
        """Which of metawsm's tables (``METAWSM_TABLES``, in that order) the store holds."""
        marks = ", ".join("?" for _ in METAWSM_TABLES)
        rows = self._read(
            f"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ({marks})",
            METAWSM_TABLES,
        )
        present = {str(row[0]) for row in rows}
        return tuple(name for name in METAWSM_TABLES if name in present)

    def metawsm_run_ids(self) -> list[str]:
        """metawsm's run ids (``runs.run_id``)."""
        return [str(row[0]) for row in self._read("SELECT run_id FROM runs ORDER BY run_id")]

    def metawsm_tickets(self, run_id: str) -> list[str]:
        """The tickets of metawsm's run ``run_id`` as metawsm spells them: ``run_tickets``, and
        the tickets its steps name."""
        rows = self._read(
            "SELECT ticket FROM run_tickets WHERE run_id = ?"
            " UNION SELECT ticket FROM steps WHERE run_id = ? AND ticket <> ''",
            (_text(run_id), _text(run_id)),
        )
        return sorted(str(row[0]) for row in rows)

    def metawsm_run_tickets(self) -> set[tuple[str, str]]:
        """Every ``(run_id, ticket)`` metawsm knows (empty without its tables)."""
        if self.metawsm_tables() != METAWSM_TABLES:
            return set()
        rows = self._read("SELECT run_id, ticket FROM run_tickets")
        return {(str(run), str(ticket)) for run, ticket in rows}

    def pull_request_repos(self, run_id: str, ticket: str) -> list[tuple[str, str]]:
        """``(repo, workspace_name)`` of every ``run_pull_requests`` row of a run and ticket."""
        rows = self._read(
            "SELECT repo, workspace_name FROM run_pull_requests WHERE run_id = ? AND ticket = ?"
            " ORDER BY repo",
            (_text(run_id), _text(ticket)),
        )
        return [(str(repo), str(workspace or "")) for repo, workspace in rows]

    def step_workspace(self, run_id: str, ticket: str) -> str:
        """The workspace of the first step of a run and ticket that names one ('' when none),
        as metawsm maps a workspace to its ticket."""
        rows = self._read(
            "SELECT workspace_name FROM steps WHERE run_id = ? AND ticket = ?"
            " AND workspace_name <> '' ORDER BY step_index LIMIT 1",
            (_text(run_id), _text(ticket)),
        )
        return str(rows[0][0]) if rows else ""

    # -- test cache (checks.TestCache) --

    def has_passed(self, key: str) -> bool:
        return bool(self._read("SELECT 1 FROM hook_test_cache WHERE key = ?", (_text(key),)))

    def remember_pass(
        self, key: str, *, tree_id: str, commands: Sequence[str], now: float | None = None
    ) -> None:
        stamp = rfc3339(_clock() if now is None else now)
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO hook_test_cache (key, tree_id, commands_json, created_at)"
                " VALUES (?, ?, ?, ?)",
                (_text(key), _text(tree_id), _json_list(commands), stamp),
            )
            db.execute(
                "DELETE FROM hook_test_cache WHERE key NOT IN"
                " (SELECT key FROM hook_test_cache ORDER BY created_at DESC, rowid DESC LIMIT ?)",
                (_TEST_CACHE_KEEP,),
            )

    # -- operator-assist state --

    def note_failure(
        self, branch: str, kind: str, *, stale_after: float, now: float | None = None
    ) -> FailureStreak:
        """Count one more failure of ``kind`` on ``branch``. A different kind, or a streak whose
        last failure is older than ``stale_after`` seconds, starts again at 1."""
        when = int(_clock() if now is None else now)
        stamp = rfc3339(when)
        branch, kind = _text(branch), _text(kind)
        with self._write() as db:
            row = db.execute(
                "SELECT consecutive, first_seen, last_seen FROM hook_assist_failures"
                " WHERE branch = ? AND kind = ?",
                (branch, kind),
            ).fetchone()
            db.execute(
                "DELETE FROM hook_assist_failures WHERE branch = ? AND kind <> ?", (branch, kind)
            )
            count, first = 1, stamp
            if row is not None:
                last = _epoch(str(row[2]))
                if last is not None and when - last <= stale_after:
                    count, first = _int(row[0]) + 1, str(row[1])
            db.execute(
                "INSERT OR REPLACE INTO hook_assist_failures"
                " (branch, kind, consecutive, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)",
                (branch, kind, count, first, stamp),
            )
        return FailureStreak(
            branch=branch, kind=kind, count=count, first_seen=first, last_seen=stamp
        )

    def note_success(self, branch: str) -> None:
        """The branch passed: its failure streak ends."""
        # A read first: most passing runs have no streak to end, and a write transaction
        # costs a WAL sync (about 1 ms a hook) even when it deletes nothing.
        if not self._read(
            "SELECT 1 FROM hook_assist_failures WHERE branch = ? LIMIT 1", (_text(branch),)
        ):
            return
        with self._write() as db:
            db.execute("DELETE FROM hook_assist_failures WHERE branch = ?", (_text(branch),))

    def failure_streak(self, branch: str) -> FailureStreak | None:
        rows = self._read(
            "SELECT kind, consecutive, first_seen, last_seen FROM hook_assist_failures"
            " WHERE branch = ?",
            (_text(branch),),
        )
        if not rows:
            return None
        kind, count, first, last = rows[0]
        return FailureStreak(
            branch=branch,
            kind=str(kind),
            count=_int(count),
            first_seen=str(first),
            last_seen=str(last),
        )

    def claim_assist(
        self,
        run_key: str,
        *,
        budget: int,
        cooldown: float,
        stale_after: float,
        now: float | None = None,
    ) -> AssistClaim:
        """Take one assist for ``run_key`` when the run has budget left and the last assist is at
        least ``cooldown`` seconds old; a run idle for more than ``stale_after`` starts afresh."""
        when = int(_clock() if now is None else now)
        run_key = _text(run_key)
        with self._write() as db:
            row = db.execute(
                "SELECT assists_used, last_assist_at FROM hook_assist_runs WHERE run_key = ?",
                (run_key,),
            ).fetchone()
            used, last = 0, None
            if row is not None:
                used, last = _int(row[0]), _epoch(str(row[1]))
                if last is None or when - last > stale_after:
                    used, last = 0, None
            if used >= budget:
                return AssistClaim(granted=False, used=used, reason="budget", retry_in=0)
            if last is not None:
                elapsed = max(0, when - last)
                if elapsed < cooldown:
                    wait = int(cooldown - elapsed + 0.999)
                    return AssistClaim(granted=False, used=used, reason="cooldown", retry_in=wait)
            stamp = rfc3339(when)
            db.execute(
                "INSERT OR REPLACE INTO hook_assist_runs"
                " (run_key, assists_used, last_assist_at, updated_at) VALUES (?, ?, ?, ?)",
                (run_key, used + 1, stamp, stamp),
            )
        return AssistClaim(granted=True, used=used + 1, reason="", retry_in=0)

    def record_assist(self, record: AssistRecord, *, now: float | None = None) -> None:
        stamp = rfc3339(_clock() if now is None else now)
        with self._write() as db:
            db.execute(
                "INSERT INTO hook_assists (run_key, branch, kind, mode, context_json, reply,"
                " intent, decision, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _text(record.run_key),
                    _text(record.branch),
                    _text(record.kind),
                    _text(record.mode),
                    _text(record.context_json),
                    _text(record.reply),
                    _text(record.intent),
                    _text(record.decision),
                    _text(record.note),
                    stamp,
                ),
            )

    def assists(self, *, limit: int = 20) -> list[dict[str, object]]:
        """Recorded operator consultations, most recent first."""
        columns = ", ".join(ASSIST_COLUMNS)
        rows = self._read(f"SELECT {columns} FROM hook_assists ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(zip(ASSIST_COLUMNS, row, strict=True)) for row in rows]


# --- opening -------------------------------------------------------------------------------------


def _is_current(db: sqlite3.Connection) -> bool:
    """Already in WAL mode with every migration applied (the common, lock-free case)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version < SCHEMA_VERSION:
        return False
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    return str(mode).lower() == "wal"


def _patiently(attempt: Callable[[], _T], timeout: float) -> _T:
    """``attempt()``, retried while the database is locked, for up to ``timeout`` seconds; each
    attempt waits at most _BUSY_SLICE inside SQLite, so Ctrl-C acts within that."""
    import sqlite3

    deadline = time.monotonic() + timeout
    while True:
        try:
            return attempt()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise


def _begin_immediate(db: sqlite3.Connection, timeout: float) -> None:
    """BEGIN IMMEDIATE, retried while another writer holds the lock (see _patiently)."""
    _patiently(lambda: db.execute("BEGIN IMMEDIATE"), timeout)


def _initialise(db: sqlite3.Connection, timeout: float) -> None:
    """WAL once, then the pending migrations in one immediate transaction (creation lock held).

    Switching the journal mode can report "locked" at once, without waiting, while another
    connection still reads the file in its old mode: retried until ``timeout``.
    """
    import sqlite3

    deadline = time.monotonic() + timeout
    while True:
        try:
            _apply_migrations(db)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _apply_migrations(db: sqlite3.Connection) -> None:
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    if str(mode).lower() != "wal":
        db.execute("PRAGMA journal_mode=WAL").fetchone()
    db.execute("BEGIN IMMEDIATE")
    with db:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        for step in range(version, SCHEMA_VERSION):
            MIGRATIONS[step](db)
        if version < SCHEMA_VERSION:
            # PRAGMA takes no parameters; SCHEMA_VERSION is an int constant of this module.
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")


@contextlib.contextmanager
def _creation_lock(path: Path, timeout: float) -> Iterator[None]:
    """An exclusive ``flock`` on ``<path>.lock``, waited for up to ``timeout`` seconds."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): BEGIN IMMEDIATE under the busy timeout serialises
        yield
        return
    lock_path = path.with_name(path.name + STORE_LOCK_SUFFIX)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OSError("database is locked") from None
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
