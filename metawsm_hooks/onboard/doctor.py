"""``doctor``'s checks: git, libgit2, the policy, the hooks, the store, the git identity and
the operator command, each with how to fix it."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from metawsm_hooks.constants import DB_ENV, DEFAULT_HOOK_TYPES, STORE_BUSY_TIMEOUT
from metawsm_hooks.errors import FatalError
from metawsm_hooks.onboard.scripts import (
    CHAINED_SUFFIX,
    PRE_COMMIT_FRAMEWORK_MARK,
    hook_status,
    is_executable,
    is_ours,
    read_head,
)

if TYPE_CHECKING:
    from metawsm_hooks.layout import Home, ResolvedPolicy


@dataclass(frozen=True)
class DoctorCheck:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # ok, but something is missing that enforcement does not need

    @property
    def status(self) -> str:
        return "failed" if not self.ok else "warning" if self.warning else "passed"

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "ok": self.ok,
            "status": self.status,
            "detail": self.detail,
            "fix": self.fix,
        }


def check_git() -> DoctorCheck:
    import subprocess

    git = shutil.which("git")
    if git is None:
        return DoctorCheck("git", False, "git is not on PATH", "install git and put it on PATH")
    proc = subprocess.run([git, "--version"], capture_output=True, check=False)
    version = proc.stdout.decode(errors="replace").strip()
    if proc.returncode != 0 or not version:
        return DoctorCheck("git", False, f"{git} --version failed", "reinstall git")
    return DoctorCheck("git", True, f"{version} ({git})")


def check_libgit2() -> DoctorCheck:
    from metawsm_hooks.git.runner import libgit2_version

    found = libgit2_version()
    if found is None:
        return DoctorCheck(
            "libgit2",
            False,
            "pygit2 cannot be loaded",
            "reinstall it where metawsm-hooks runs from: pip install --force-reinstall pygit2",
        )
    return DoctorCheck("libgit2", True, found)


def check_hooks(
    hooks_dir: Path, *, hook_types: Sequence[str] = DEFAULT_HOOK_TYPES, root: Path | None = None
) -> list[DoctorCheck]:
    """One check per hook type: is our script installed in ``hooks_dir`` and runnable.

    ``root`` (the worktree root) lets a pre-commit framework hook count as installed when
    ``.pre-commit-config.yaml`` there lists the matching ``metawsm-<hook type>`` hook.
    """
    checks = []
    for hook_type in hook_types:
        hook = hooks_dir / hook_type
        name = f"hook {hook_type}"
        status = hook_status(hooks_dir, hook_type)
        if status == "missing" and hook_type == "reference-transaction":
            # Enforcement does not need it: without it, the ledger records a delivered push at
            # the next push or status instead of at once.
            checks.append(
                DoctorCheck(
                    name,
                    True,
                    f"{hook} is missing, so delivered pushes reach the ledger only at the next"
                    " push or 'metawsm-hooks status'",
                    "run: metawsm-hooks install",
                    warning=True,
                )
            )
        elif status == "missing":
            checks.append(
                DoctorCheck(name, False, f"{hook} is missing", "run: metawsm-hooks install")
            )
        elif status == "foreign":
            legacy = hooks_dir / f"{hook_type}.legacy"
            if PRE_COMMIT_FRAMEWORK_MARK in (read_head(hook) or b"") and is_ours(legacy):
                checks.append(
                    DoctorCheck(
                        name, True, f"{hook} is the pre-commit framework's, which runs {legacy}"
                    )
                )
            elif _runs_through_pre_commit(hook, hook_type, root):
                checks.append(
                    DoctorCheck(
                        name,
                        True,
                        f"{hook} is the pre-commit framework's, which runs metawsm-{hook_type}",
                    )
                )
            else:
                checks.append(
                    DoctorCheck(
                        name,
                        False,
                        f"{hook} is not a metawsm-hooks script",
                        "run: metawsm-hooks install (the existing hook is kept and runs first)",
                    )
                )
        elif not is_executable(hook):
            checks.append(
                DoctorCheck(
                    name,
                    False,
                    f"{hook} is not executable, so git skips it",
                    f"run: chmod +x {hook}",
                )
            )
        elif status == "chained":
            checks.append(
                DoctorCheck(name, True, f"{hook} installed; runs {hook_type}{CHAINED_SUFFIX} first")
            )
        else:
            checks.append(DoctorCheck(name, True, f"{hook} installed"))
    return checks


def _runs_through_pre_commit(hook: Path, hook_type: str, root: Path | None) -> bool:
    head = read_head(hook)
    if root is None or head is None or PRE_COMMIT_FRAMEWORK_MARK not in head:
        return False
    try:
        config = (root / ".pre-commit-config.yaml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    pattern = rf"(?m)^\s*(-\s*)?id:\s*['\"]?metawsm-{re.escape(hook_type)}['\"]?\s*(#.*)?$"
    return re.search(pattern, config) is not None


def check_identity(cwd: Path) -> DoctorCheck:
    """The identity git records on commits (and the store records as the actor)."""
    import subprocess

    # useConfigOnly: an identity git would have to guess from the host does not count.
    proc = subprocess.run(
        ["git", "-c", "user.useConfigOnly=true", "var", "GIT_AUTHOR_IDENT"],
        cwd=cwd,
        capture_output=True,
        check=False,
    )
    fix = (
        'run: git config --global user.name "Your Name"'
        " && git config --global user.email you@example.com"
    )
    if proc.returncode != 0:
        return DoctorCheck("git identity", False, "user.name or user.email is not set", fix)
    # "Name <email> 1700000000 +0000": drop the timestamp.
    ident = proc.stdout.decode(errors="replace").strip().rsplit(" ", 2)[0]
    return DoctorCheck("git identity", True, ident)


def check_store(db_path: Path, *, busy_timeout: float = STORE_BUSY_TIMEOUT) -> DoctorCheck:
    """Open the store when it exists (waiting ``busy_timeout`` seconds for another process's
    write); otherwise make sure it can be created."""
    if not db_path.exists():
        parent = db_path.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if os.access(parent, os.W_OK | os.X_OK):
            return DoctorCheck("store", True, f"{db_path} will be created on first use")
        return DoctorCheck(
            "store",
            False,
            f"{db_path} cannot be created: {parent} is not writable",
            f"make that folder writable, or point --db / {DB_ENV} at a writable file",
        )
    from metawsm_hooks.store import Store

    try:
        with Store.open(db_path, busy_timeout=busy_timeout):
            pass
    except FatalError as exc:
        return DoctorCheck("store", False, f"{db_path} cannot be opened", exc.message)
    return DoctorCheck("store", True, f"{db_path} opens and is writable")


def check_metawsm_tables(db_path: Path, *, busy_timeout: float = STORE_BUSY_TIMEOUT) -> DoctorCheck:
    """Whether the store holds metawsm's own tables (then records use metawsm's identities)."""
    from metawsm_hooks.store import Store

    present: tuple[str, ...] = ()
    if db_path.is_file():
        try:
            with Store.open(db_path, busy_timeout=busy_timeout) as store:
                present = store.metawsm_tables()
        except FatalError:
            present = ()
    return _tables_check(present)


def _tables_check(present: Sequence[str]) -> DoctorCheck:
    from metawsm_hooks.constants import METAWSM_TABLES

    if tuple(present) == METAWSM_TABLES:
        return DoctorCheck(
            "metawsm tables",
            True,
            f"present ({', '.join(METAWSM_TABLES)}): records use metawsm's run, ticket and"
            " workspace",
        )
    missing = [name for name in METAWSM_TABLES if name not in present]
    return DoctorCheck(
        "metawsm tables",
        True,
        f"absent ({', '.join(missing)}): metawsm has not used this store, so records are keyed"
        " by the branch's tokens",
    )


def doctor(
    *,
    cwd: Path,
    hooks_dir: Path,
    policy: ResolvedPolicy | None,
    db_path: Path | None,
    root: Path | None = None,
    hook_types: Sequence[str] = DEFAULT_HOOK_TYPES,
    home: Home | None = None,
) -> list[DoctorCheck]:
    """Check git, libgit2, the metawsm home, the policy, the hooks, the store (and whether it
    holds metawsm's tables), the git identity and the operator command; each failed check says
    how to fix it.

    ``policy`` None means the repository has no policy of its own (a bare repository);
    ``db_path`` None skips the store checks.
    """
    from metawsm_hooks.policy import default_policy

    checks = [check_git(), check_libgit2(), check_home(home)]
    enforced = None
    if policy is None:
        enforced = default_policy()
        checks.append(
            DoctorCheck("policy", True, "no policy file: each push is checked with its own policy")
        )
    else:
        enforced = policy.result.policy if policy.result.valid else None
        checks.append(_policy_check(policy))
    checks += check_hooks(hooks_dir, hook_types=hook_types, root=root)
    if db_path is not None:
        timeout = (
            STORE_BUSY_TIMEOUT if enforced is None else enforced.hooks.store_busy_timeout_seconds
        )
        checks += [
            check_store(db_path, busy_timeout=timeout),
            check_metawsm_tables(db_path, busy_timeout=timeout),
        ]
    checks.append(check_identity(cwd))
    if enforced is None:
        checks.append(
            DoctorCheck("operator command", True, "not checked until the policy is valid")
        )
    else:
        llm = enforced.operator.llm
        checks.append(check_operator_command(llm.effective_mode(), llm.command))
    return checks


def check_home(home: Home | None) -> DoctorCheck:
    """The metawsm home this repository uses, if any (``git config metawsm.home``, else
    ``$METAWSM_HOME``)."""
    if home is None:
        return DoctorCheck(
            "metawsm home",
            True,
            "none: the policy and the store are this repository's own"
            " (metawsm-hooks install --home DIR uses metawsm's)",
        )
    if not home.path.is_dir():
        return DoctorCheck(
            "metawsm home",
            False,
            f"{home.path} (from {home.origin}) is not a folder",
            "run: metawsm-hooks install --home DIR (the folder metawsm runs from)",
        )
    return DoctorCheck("metawsm home", True, f"{home.path} (from {home.origin})")


def _policy_check(policy: ResolvedPolicy) -> DoctorCheck:
    from metawsm_hooks.layout import describe_finding

    result = policy.result
    if not result.valid:
        count = len(result.errors)
        return DoctorCheck(
            "policy",
            False,
            f"{policy.described}: {count} error{'s' if count != 1 else ''}"
            f" (first: {describe_finding(result, result.errors[0])})",
            f"run: metawsm-hooks validate{' ' + str(policy.path) if policy.path else ''}",
        )
    return DoctorCheck("policy", True, f"{policy.described}: valid")


def check_operator_command(mode: str, command: str) -> DoctorCheck:
    """With ``operator.llm.mode`` other than off, the command's first word should be on PATH.
    Without it the hooks still enforce everything (failures just get no suggestion), so a
    missing command is a warning, not a failure."""
    if mode == "off":
        return DoctorCheck("operator command", True, "operator.llm.mode is off")
    words = command.split()
    program = words[0] if words else ""
    found = shutil.which(program) if program else None
    if found is None:
        return DoctorCheck(
            "operator command",
            True,
            f"operator.llm.command {program!r} is not on PATH (mode {mode}),"
            " so failures get no operator suggestion; the hooks still enforce the policy",
            f"install {program or 'the operator command'} and put it on PATH,"
            " or set operator.llm.mode to off",
            warning=True,
        )
    return DoctorCheck("operator command", True, f"{found} (mode {mode})")
