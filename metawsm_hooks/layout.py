"""Where metawsm keeps things for a repository: its *home*, the policy that governs a commit or a
push, and the store metawsm reads.

metawsm runs from one folder, its home, and keeps ``.metawsm/policy.json`` and
``.metawsm/metawsm.db`` there; ``.metawsm/`` is git-ignored (metawsm's own ``.gitignore``), and its
agents commit in wsm workspaces elsewhere (``<workspace>/<repo>``). So a checkout usually holds no
policy of its own: the home's governs it, and the home's store is the one metawsm reads.

A client (a hook stage, ``validate``, ``doctor``, ``branch``, ``pr record``) resolves the policy in
one order, here and nowhere else:

1. ``--policy PATH``, else ``$METAWSM_POLICY``;
2. the metawsm home (``git config metawsm.home`` in any scope, else ``$METAWSM_HOME``):
   ``HOME/.metawsm/policy.json``, metawsm's defaults when that file does not exist;
3. ``.metawsm/policy.json`` tracked in the tree being committed or pushed;
4. ``.metawsm/policy.json`` present in the work tree but not tracked (ignored or untracked): the
   current worktree's, else the main worktree's, read from disk as metawsm reads it;
5. metawsm's built-in defaults.

The server and CI (``pre-receive``, ``ci``) use their own, authoritative order, here too
(``resolve_server_policy``): ``--policy``/``$METAWSM_POLICY``; else the file the server
repository's ``git config metawsm.policy`` names; else ``.metawsm/policy.json`` on the default
branch as it was before the push (in CI: at ``--base``); else the defaults. A pushed (or head)
policy never replaces it; it can only add restrictions (``stages.common.tighten``).
"""

from __future__ import annotations

import os
from pathlib import Path

from metawsm_hooks.constants import DB_ENV, HOME_CONFIG_KEY, HOME_ENV, POLICY_ENV, POLICY_RELPATH
from metawsm_hooks.policy import (
    Finding,
    PolicyResult,
    defaults_result,
    load_policy_bytes,
    load_policy_path,
    named_policy_path,
)
from metawsm_hooks.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from metawsm_hooks.git.repository import Repository
    from metawsm_hooks.git.types import TreeSource


# What kind of source a resolved policy came from (the order of the module docstring).
NAMED = "named"
HOME = "metawsm home"
TRACKED = "tracked"
UNTRACKED = "untracked"
DEFAULTS = "defaults"
SERVER = "server config"
KINDS = (NAMED, HOME, TRACKED, UNTRACKED, DEFAULTS, SERVER)
SERVER_POLICY_KEY = "metawsm.policy"
# The most of a policy read from pushed content (a pushed commit, the default branch, --base):
# metawsm's policies are a few kilobytes; a larger one is refused in one line, never parsed.
MAX_TREE_POLICY_BYTES = 256 * 1024


class Home(Record):
    """A configured metawsm home: the folder and where the setting came from."""

    path: Path
    origin: str  # "git config metawsm.home" or "$METAWSM_HOME"

    @property
    def policy_path(self) -> Path:
        return self.path / POLICY_RELPATH


class ResolvedPolicy(Record):
    """The policy a client uses and where it came from.

    ``result.source`` is the file as the user knows it (the ``PATH`` of ``PATH:LINE:COLUMN``);
    ``path`` is the file read from disk (None when read from a git tree or for the defaults);
    ``described`` is the one line every stage and command prints about it.
    """

    result: PolicyResult
    kind: str
    path: Path | None
    described: str

    def to_json(self) -> dict[str, object]:
        return {"source": self.result.source, "kind": self.kind, "described": self.described}


_homes: dict[tuple[str, str], Home | None] = {}


def configured_home(repo: Repository | None) -> Home | None:
    """The metawsm home for ``repo``: ``git config metawsm.home`` (any scope; a relative value is
    taken from the main worktree's root, ``~`` is expanded), else ``$METAWSM_HOME`` (relative to
    the current folder); None when neither is set. Asked of git once per repository and run."""
    env = os.environ.get(HOME_ENV, "")
    key = (str(repo.common_dir) if repo is not None else "", env)
    if key not in _homes:
        _homes[key] = _find_home(repo, env)
    return _homes[key]


def forget_homes() -> None:
    """Drop what ``configured_home`` remembered (after ``install --home`` changed it)."""
    _homes.clear()


def _find_home(repo: Repository | None, env: str) -> Home | None:
    if repo is not None:
        value = repo.config_value(HOME_CONFIG_KEY)
        if value:
            base = repo.main_root() or repo.common_dir
            return Home(_absolute(value, base), f"git config {HOME_CONFIG_KEY}")
    if env:
        return Home(_absolute(env, Path.cwd()), f"${HOME_ENV}")
    return None


def _absolute(value: str, base: Path) -> Path:
    return Path(os.path.normpath(base / os.path.expanduser(value)))


def named_policy(given: Path | None) -> tuple[Path, str] | None:
    """The policy file the user named and how: ``--policy PATH``, else ``$METAWSM_POLICY``."""
    path = named_policy_path(given)
    if path is None:
        return None
    return path, "--policy" if given is not None else f"${POLICY_ENV}"


def shown_path(path: Path, cwd: Path | None = None) -> str:
    """``path`` as the user knows it: relative to the current folder when inside it, else as is."""
    try:
        here = cwd if cwd is not None else Path.cwd()
        relative = path.relative_to(here)
    except (OSError, ValueError):
        return str(path)
    return str(relative)


def resolve_policy(
    *,
    repo: Repository | None,
    named: Path | None,
    tree: TreeSource | None,
    where: str,
    client: bool = True,
    strict: bool = False,
    cwd: Path | None = None,
) -> ResolvedPolicy:
    """The policy that governs ``repo`` (see the module docstring for the order).

    ``named`` is ``--policy`` (None: ``$METAWSM_POLICY`` decides); ``tree`` is the tree being
    committed or pushed (None: none, e.g. outside a repository) and ``where`` says which one
    (``staged``, ``commit 1a2b3c4d5e6f``). Never raises for a bad file: its problems are findings.
    """
    chosen = named_policy(named)
    if chosen is not None:
        path, how = chosen
        result = load_policy_path(path, strict=strict, missing_ok=False)
        return ResolvedPolicy(result, NAMED, path, f"{result.source} ({how})")
    if client:
        home = configured_home(repo)
        if home is not None:
            return _home_policy(home, strict=strict, cwd=cwd)
    tracked = _tracked_policy(repo, tree, where, strict=strict, cwd=cwd)
    if tracked is not None:
        return tracked
    if client and repo is not None:
        for root in _work_trees(repo):
            path = root / POLICY_RELPATH
            if os.path.lexists(path):
                shown = shown_path(path, cwd)
                result = load_policy_path(path, strict=strict, missing_ok=False)
                result = _with_source(result, shown)
                return ResolvedPolicy(
                    result,
                    UNTRACKED,
                    path,
                    f"{shown} (not tracked by git: read from the work tree, as metawsm reads it)",
                )
    looked = "the tree, the work tree or a metawsm home" if client else "the tree"
    return ResolvedPolicy(
        defaults_result(),
        DEFAULTS,
        None,
        f"metawsm's built-in defaults (no {POLICY_RELPATH} in {looked})",
    )


class ServerPolicy(Record):
    """The policy the server (pre-receive) or CI enforces, whatever is pushed."""

    resolved: ResolvedPolicy
    trusted: bool  # its commands may run here: a file the server or CI names, not pushed content
    baseline: str | None  # the commit the policy came from (the default branch, or --base)


def resolve_server_policy(
    *,
    repo: Repository,
    named: Path | None,
    baseline: str | None,
    where: str,
    nothing: str,
    ci: bool,
) -> ServerPolicy:
    """The authoritative policy on the server and in CI (the module docstring's order).

    ``baseline`` is the default branch's commit before the push (or ``--base``), ``where`` says
    which; ``nothing`` says why there is none when it is None (the defaults are then used). A
    policy read from a commit runs its commands only in CI, never on the server.
    """
    chosen = named_policy(named)
    if chosen is not None:
        path, how = chosen
        result = load_policy_path(path, missing_ok=False)
        return ServerPolicy(ResolvedPolicy(result, NAMED, path, f"{path} ({how})"), True, baseline)
    configured = repo.config_value(SERVER_POLICY_KEY)
    if configured:
        path = _absolute(configured, repo.common_dir)
        result = load_policy_path(path, missing_ok=False)
        described = f"{path} (git config {SERVER_POLICY_KEY})"
        return ServerPolicy(ResolvedPolicy(result, SERVER, path, described), True, baseline)
    if baseline is not None:
        data = read_tree_policy(repo, baseline)
        source = f"{POLICY_RELPATH} ({where})"
        if isinstance(data, Finding):
            result = PolicyResult(source, None, (data,), (), defaults_used=False)
            return ServerPolicy(ResolvedPolicy(result, TRACKED, None, source), False, baseline)
        if data is not None:
            result = load_policy_bytes(data, source=source)
            return ServerPolicy(ResolvedPolicy(result, TRACKED, None, source), ci, baseline)
    why = f"no {POLICY_RELPATH} at {where}" if baseline is not None else nothing
    described = f"metawsm's built-in defaults ({why})"
    return ServerPolicy(
        ResolvedPolicy(defaults_result(), DEFAULTS, None, described), True, baseline
    )


def read_tree_policy(repo: Repository, commit: str) -> bytes | Finding | None:
    """``.metawsm/policy.json`` of ``commit`` within MAX_TREE_POLICY_BYTES; a Finding when it
    cannot be a policy (a folder, a symlink out of the tree, too large), None when absent."""
    from metawsm_hooks.errors import FatalError

    try:
        tree = repo.commit_source(commit)
        data = tree.read(POLICY_RELPATH, limit=MAX_TREE_POLICY_BYTES)
        if data is None:
            return missing_policy_problem(tree)
    except FatalError as exc:
        return Finding("", exc.message)
    return data


def missing_policy_problem(tree: TreeSource) -> Finding | None:
    """Why ``tree`` holds something at the policy's path that reads as nothing, or None when
    nothing is there: a folder (metawsm cannot read it either), or a symlink that leads out of
    the tree, nowhere or round in a loop (read only within the tree, never outside)."""
    found = tree.list_files(POLICY_RELPATH)
    if found == [POLICY_RELPATH]:
        return Finding(
            "",
            "is a symlink that leads outside the tree, nowhere or in a loop; a symlinked policy"
            " is read only as a file inside the tree",
        )
    if found:
        return Finding("", "is a directory, not a policy file")
    return None


def _home_policy(home: Home, *, strict: bool, cwd: Path | None) -> ResolvedPolicy:
    path = home.policy_path
    shown = shown_path(path, cwd)
    if not home.path.is_dir():
        problem = Finding("", _home_problem(home))
        result = PolicyResult(str(home.path), None, (problem,), (), defaults_used=False)
        return ResolvedPolicy(result, HOME, None, f"{home.path} (metawsm home, {home.origin})")
    if not os.path.lexists(path):
        return ResolvedPolicy(
            defaults_result(),
            HOME,
            None,
            f"metawsm's built-in defaults: {shown} does not exist"
            f" (metawsm home {home.path}, from {home.origin})",
        )
    result = _with_source(load_policy_path(path, strict=strict, missing_ok=False), shown)
    return ResolvedPolicy(result, HOME, path, f"{shown} (metawsm home, from {home.origin})")


def describe_finding(result: PolicyResult, finding: Finding) -> str:
    """``PATH:LINE:COLUMN: json.path: message``, the form editors and CI annotations parse; a
    problem the file has no place for (a default breaking a rule) points at its start."""
    line, column = finding.place()
    where = f"{result.source}:{line}:{column}"
    return f"{where}: {finding.path or '(document)'}: {finding.message}"


def _home_problem(home: Home) -> str:
    return (
        f"the metawsm home {home.path} (from {home.origin}) is not a folder; point it at"
        " metawsm's folder: metawsm-hooks install --home DIR"
    )


def _tracked_policy(
    repo: Repository | None, tree: TreeSource | None, where: str, *, strict: bool, cwd: Path | None
) -> ResolvedPolicy | None:
    if tree is None:
        return None
    data = tree.read(POLICY_RELPATH)
    root = repo.workdir if repo is not None else None
    shown = shown_path(root / POLICY_RELPATH, cwd) if root is not None else POLICY_RELPATH
    described = f"{shown} (tracked: {where})"
    if data is None:
        problem = missing_policy_problem(tree)
        if problem is not None:
            result = PolicyResult(shown, None, (problem,), (), defaults_used=False)
            return ResolvedPolicy(result, TRACKED, None, described)
        return None
    result = load_policy_bytes(data, source=shown, strict=strict)
    return ResolvedPolicy(result, TRACKED, None, described)


def _work_trees(repo: Repository) -> list[Path]:
    """The current worktree's root, then the main worktree's (when it is another)."""
    roots = [root for root in (repo.workdir, repo.main_root()) if root is not None]
    return list(dict.fromkeys(roots))


def _with_source(result: PolicyResult, source: str) -> PolicyResult:
    from metawsm_hooks.policy import replace

    return result if result.source == source else replace(result, source=source)


def store_location(repo: Repository | None, override: str | None) -> Path:
    """The store: ``--db``, else ``$METAWSM_DB``, else ``HOME/.metawsm/metawsm.db`` when a metawsm
    home is configured (the store metawsm reads), else ``.metawsm/metawsm.db`` under the main
    worktree's root (``$GIT_DIR/metawsm/metawsm.db`` in a bare repository)."""
    from metawsm_hooks.store import store_path

    home = configured_home(repo)
    if home is not None and not (override or os.environ.get(DB_ENV)) and not home.path.is_dir():
        # Creating the store would create the home: a mistyped setting would go unnoticed.
        from metawsm_hooks.errors import EXIT_BLOCKED, FatalError

        raise FatalError(f"{_home_problem(home)} (its store lives there)", exit_code=EXIT_BLOCKED)
    if repo is None:
        if override or os.environ.get(DB_ENV) or home is not None:
            return store_path(
                override=override,
                main_root=None,
                git_dir=Path(),
                is_bare=True,
                home=home.path if home else None,
            )
        raise _no_store()
    return store_path(
        override=override,
        main_root=repo.main_root(),
        git_dir=repo.common_dir,
        is_bare=repo.is_bare,
        home=home.path if home is not None else None,
    )


def _no_store() -> Exception:
    from metawsm_hooks.errors import FatalError

    return FatalError(
        "no store here: run this inside a repository, or name one with --db PATH"
        f" (or {DB_ENV}, or a metawsm home: {HOME_ENV})"
    )
