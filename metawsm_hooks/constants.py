"""Facts the whole package shares, each defined once and imported where it is used.

Nothing here imports anything at run time: every hook process loads this module.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from typing import Final

# The git hooks this tool runs as (``metawsm-hooks run STAGE``, ``install --hook-type``).
HOOK_TYPES: Final = (
    "pre-commit",
    "prepare-commit-msg",
    "commit-msg",
    "pre-push",
    "pre-receive",
    "reference-transaction",
)
# What ``install`` sets up in a repository with a working tree. reference-transaction sees git
# move remote-tracking branches after a push: the ledger then records what was delivered.
DEFAULT_HOOK_TYPES: Final = ("pre-commit", "commit-msg", "pre-push", "reference-transaction")
# git feeds these hooks a list of refs on stdin.
STDIN_HOOK_TYPES: Final = frozenset({"pre-push", "pre-receive", "reference-transaction"})

# Bounds on path arguments, checked before anything uses them (a usage error, exit 2): file
# names as the file system takes them.
MAX_NAME_BYTES: Final = 255
MAX_PATH_BYTES: Final = 4096

# Coding agents whose project settings ``install --agent`` merges the PreToolUse guard into.
AGENTS: Final = ("claude", "codex")

# metawsm's default git_pr.branch_template (RenderGitBranch uses it for an empty template too).
DEFAULT_BRANCH_TEMPLATE: Final = "{ticket}/{repo}/{run}"

# metawsm's required checks (``git_pr.required_checks``), each a module of ``checks``.
CHECK_NAMES: Final = ("tests", "forbidden_files", "ticket_workflow", "clean_tree")

# States of a row of metawsm's ``run_pull_requests`` table.
PR_STATES: Final = ("open", "closed", "merged", "draft")

# Where metawsm keeps its policy and its store, relative to the folder it runs in.
POLICY_RELPATH: Final = ".metawsm/policy.json"
STORE_RELPATH: Final = ".metawsm/metawsm.db"
# The store's creation lock, <store>.lock.
STORE_LOCK_SUFFIX: Final = ".lock"
# Files SQLite and the store keep beside the database; none of them is the user's work.
STORE_SIDE_SUFFIXES: Final = ("-wal", "-shm", "-journal", STORE_LOCK_SUFFIX)
# The store and its side files as one git exclude pattern.
STORE_EXCLUDE: Final = STORE_RELPATH + "*"
# The ignore file the store writes into its folder (metawsm's .metawsm/) when it creates it, so
# that its files stay out of git however the tool was installed; it ignores itself too.
STORE_IGNORE_FILE: Final = ".gitignore"
STORE_IGNORE_MARK: Final = "# metawsm-hooks: the store and its side files stay out of git"
# How long the store waits for another process's write, in seconds, when no policy sets
# hooks.store_busy_timeout_seconds (its default).
STORE_BUSY_TIMEOUT: Final = 10.0
# The first lines of every hook script the tool writes.
HOOK_SCRIPT_MARKER: Final = "# managed-by: metawsm-hooks"
# The suffix of a file the tool writes beside the one it replaces, before renaming it over it.
NEW_FILE_SUFFIX: Final = ".metawsm-new"

# metawsm's own tables (internal/store/sqlite.go). run_pull_requests is created by the hooks
# too, so only all four together say that metawsm uses a store.
METAWSM_TABLES: Final = ("runs", "run_tickets", "steps", "run_pull_requests")
# The git setting naming metawsm's home folder (install --home, onboard --home).
HOME_CONFIG_KEY: Final = "metawsm.home"

# Environment variables naming the policy file, the store and metawsm's home folder.
POLICY_ENV: Final = "METAWSM_POLICY"
DB_ENV: Final = "METAWSM_DB"
HOME_ENV: Final = "METAWSM_HOME"
# Set by hook scripts installed into a hooks folder outside the repository (a global
# core.hooksPath, ``install --shared``): that folder serves every repository using it, so a
# repository with no metawsm policy anywhere is not enforced.
SHARED_HOOKS_ENV: Final = "METAWSM_HOOKS_SHARED"
# Set by a hook script while the hook it chains runs: reached again from inside it (a hook
# manager running our script as its own legacy hook), the script leaves the work to the outer run.
CHAINING_ENV: Final = "METAWSM_HOOKS_CHAINING"
# METAWSM_SKIP=check1,check2 skips those checks for one run (recorded with who asked).
SKIP_ENV: Final = "METAWSM_SKIP"
# METAWSM_DEBUG=1 lets an unexpected error through as a traceback instead of one line.
DEBUG_ENV: Final = "METAWSM_DEBUG"
# Where validated policies are cached (else $XDG_CACHE_HOME/metawsm-hooks, ~/.cache/...).
CACHE_DIR_ENV: Final = "METAWSM_CACHE_DIR"
# Who runs a hook: metawsm sets the first for an agent's session, the second for a run's commands.
AGENT_ENV: Final = "METAWSM_AGENT"
RUN_ID_ENV: Final = "METAWSM_RUN_ID"
# Comma-separated names of further variables the operator command may see.
OPERATOR_EXTRA_ENV: Final = "METAWSM_OPERATOR_ENV"

# Go's time.RFC3339 of a UTC time to the second, as metawsm writes it: 2026-02-08T11:22:26Z.
RFC3339_UTC: Final = "%Y-%m-%dT%H:%M:%SZ"
# The time in the run id of a branch example: run-20260208-112226.
RUN_ID_TIME: Final = "%Y%m%d-%H%M%S"
