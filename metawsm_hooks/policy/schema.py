"""The policy's schema: one frozen class per JSON object of ``.metawsm/policy.json``, named after
its keys, with metawsm's defaults (``policy.Default()`` in metawsm's Go source).

Everything about a field is said once, where it is declared: its name, its type, its default,
its documentation (the JSON Schema's description) and the rule its value must meet (metawsm's
``Validate``, run by ``rules``; it also gives the JSON Schema's enum and minimum). Rules that
span several fields (unique names, references, conditions) are in ``rules``.

Elements of lists of objects default to Go's zero values, because that is what an element beyond
the default list starts from when metawsm decodes a file.
"""

from __future__ import annotations

from metawsm_hooks.constants import CHECK_NAMES, DEFAULT_BRANCH_TEMPLATE, STORE_BUSY_TIMEOUT
from metawsm_hooks.golang.strings import go_lower, go_trim
from metawsm_hooks.policy.constraints import (
    TRIM,
    TRIM_LOWER,
    AtLeastOne,
    Entries,
    HttpURL,
    IsTrue,
    NotEmpty,
    OneOf,
    Positive,
    ZeroOrMore,
)
from metawsm_hooks.policy.struct import Struct, field

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from collections.abc import Sequence
    from typing import Final

COMMIT_MESSAGE_MODES: Final = ("prefix", "require", "off")
MODES: Final = ("off", "assist", "auto")  # of the operator LLM and of git_pr
UNSUPPORTED_CHECK: Final = "unsupported check {value!r}; use {choices}"


class WorkspacePolicy(Struct):
    """How metawsm creates workspaces."""

    default_strategy: str = field(
        default="create",
        doc="Exactly create, fork or reuse (case matters).",
        rule=OneOf("create", "fork", "reuse"),
    )
    branch_prefix: str = field(default="task", doc="Prefix of workspace branches.")
    base_branch: str = field(
        default="main", doc="Base branch of workspaces; not empty.", rule=NotEmpty()
    )


class DocAPIEndpoint(Struct):
    """A documentation API endpoint."""

    name: str = field(
        default="", doc="Unique across workspace and repo endpoints; not empty.", rule=NotEmpty()
    )
    base_url: str = field(
        default="", doc="http:// or https:// URL with a host.", rule=HttpURL(required=True)
    )
    web_url: str = field(
        default="",
        doc="Optional http:// or https:// URL with a host.",
        rule=HttpURL(required=False),
    )
    repo: str = field(default="", doc="Repository name; not empty.", rule=NotEmpty())
    workspace: str = field(default="", doc="Workspace name; required for workspace endpoints.")


class DocsAPIPolicy(Struct):
    """Documentation API federation."""

    workspace_endpoints: tuple[DocAPIEndpoint, ...] = field(
        default=(), doc="Workspace doc endpoints (each needs workspace)."
    )
    repo_endpoints: tuple[DocAPIEndpoint, ...] = field(default=(), doc="Repository doc endpoints.")
    request_timeout_seconds: int = field(default=3, doc="Must be greater than 0.", rule=Positive())


class DocsPolicy(Struct):
    """Documentation authority and seeding."""

    authority_mode: str = field(
        default="workspace_active",
        doc="Must be workspace_active.",
        rule=OneOf("workspace_active", fold=TRIM, required=True),
    )
    seed_mode: str = field(
        default="copy_from_repo_on_start",
        doc="none or copy_from_repo_on_start.",
        rule=OneOf("none", "copy_from_repo_on_start", fold=TRIM, required=True),
    )
    stale_warning_seconds: int = field(default=900, doc="Must be greater than 0.", rule=Positive())
    api: DocsAPIPolicy = field(default=DocsAPIPolicy(), doc="Doc API federation endpoints.")


class TmuxPolicy(Struct):
    """tmux session naming."""

    session_pattern: str = field(
        default="{agent}-{workspace}", doc="tmux session name pattern; not empty.", rule=NotEmpty()
    )


class ExecutionPolicy(Struct):
    """Step execution."""

    step_retries: int = field(default=1, doc="Retries per step; 0 or more.", rule=ZeroOrMore())


class HealthPolicy(Struct):
    """Agent health thresholds, in seconds."""

    idle_seconds: int = field(default=300, doc="Must be greater than 0.", rule=Positive())
    activity_stalled_seconds: int = field(
        default=900, doc="Must be greater than 0 and >= idle_seconds.", rule=Positive()
    )
    progress_stalled_seconds: int = field(
        default=1200, doc="Must be greater than 0.", rule=Positive()
    )


class ClosePolicy(Struct):
    """Run close behaviour."""

    require_clean_git: bool = field(default=True, doc="Require a clean git tree before close.")


class LLMPolicy(Struct):
    """The operator LLM."""

    mode: str = field(
        default="assist",
        doc="off, assist or auto (white space and case are ignored).",
        rule=OneOf(*MODES, fold=TRIM_LOWER),
    )
    command: str = field(
        default="codex",
        doc="Command run as `<command> exec [--model M] PROMPT`; not empty.",
        rule=NotEmpty(),
    )
    model: str = field(
        default="", doc="Model passed with --model; empty for the command's default."
    )
    timeout_seconds: int = field(default=30, doc="Must be greater than 0.", rule=Positive())
    max_tokens: int = field(default=400, doc="Must be greater than 0.", rule=Positive())

    def effective_mode(self) -> str:
        """``off``, ``assist`` or ``auto`` as metawsm reads the mode (trimmed, lower-cased)."""
        return go_lower(go_trim(self.mode))


class OperatorPolicy(Struct):
    """Operator thresholds."""

    unhealthy_confirmations: int = field(
        default=2, doc="Consecutive failures before the operator acts.", rule=Positive()
    )
    restart_budget: int = field(default=3, doc="Restarts allowed per run.", rule=Positive())
    restart_cooldown_seconds: int = field(
        default=60, doc="Minimum seconds between restarts.", rule=Positive()
    )
    stale_run_age_seconds: int = field(
        default=3600, doc="Age after which a run is stale.", rule=Positive()
    )
    llm: LLMPolicy = field(default=LLMPolicy(), doc="The operator LLM.")


class ForumTopics(Struct):
    """Forum event-bus topic prefixes."""

    command_prefix: str = field(default="forum.commands", doc="Not empty.", rule=NotEmpty())
    event_prefix: str = field(default="forum.events", doc="Not empty.", rule=NotEmpty())
    integration_prefix: str = field(default="forum.integration", doc="Not empty.", rule=NotEmpty())


class ForumRedis(Struct):
    """Forum Redis transport."""

    url: str = field(default="redis://127.0.0.1:6379/0", doc="Not empty.", rule=NotEmpty())
    stream: str = field(default="metawsm-forum", doc="Not empty.", rule=NotEmpty())
    group: str = field(default="metawsm-forum", doc="Not empty.", rule=NotEmpty())
    consumer: str = field(default="operator", doc="Not empty.", rule=NotEmpty())


class ForumSLA(Struct):
    """Forum escalation SLA."""

    escalation_minutes: int = field(default=30, doc="Must be greater than 0.", rule=Positive())


class ForumDocsSync(Struct):
    """Forum answers synced into docs."""

    enabled: bool = field(default=True, doc="Sync forum answers into docs.")


class ForumPolicy(Struct):
    """The Q&A forum."""

    enabled: bool = field(default=True, doc="Enable the forum.")
    topics: ForumTopics = field(default=ForumTopics())
    redis: ForumRedis = field(default=ForumRedis())
    sla: ForumSLA = field(default=ForumSLA())
    docs_sync: ForumDocsSync = field(default=ForumDocsSync())


class ReviewFeedbackPolicy(Struct):
    """Pull request review feedback sync."""

    enabled: bool = field(default=False, doc="Enable review feedback sync.")
    mode: str = field(
        default="assist",
        doc="assist or auto (white space and case are ignored).",
        rule=OneOf("assist", "auto", fold=TRIM_LOWER),
    )
    include_review_comments: bool = field(default=True, doc="Must be true.", rule=IsTrue())
    ignore_authors: tuple[str, ...] = field(
        default=(), doc="Comment authors to ignore.", rule=Entries(NotEmpty())
    )
    max_items_per_sync: int = field(default=50, doc="Must be greater than 0.", rule=Positive())
    auto_dispatch_cap_per_interval: int = field(
        default=1, doc="Must be greater than 0.", rule=Positive()
    )


class GitPRPolicy(Struct):
    """Branches, required checks and pull requests."""

    mode: str = field(
        default="assist",
        doc="off, assist or auto (white space and case are ignored); off turns enforcement off.",
        rule=OneOf(*MODES, fold=TRIM_LOWER),
    )
    credential_mode: str = field(
        default="local_user_auth",
        doc="Must be local_user_auth (white space and case are ignored).",
        rule=OneOf("local_user_auth", fold=TRIM_LOWER),
    )
    branch_template: str = field(
        default=DEFAULT_BRANCH_TEMPLATE,
        doc="Branch name template with {ticket}, {repo}, {run}.",
        rule=NotEmpty(),
    )
    require_all: bool = field(
        default=True, doc="Every applicable check must pass (else at least one)."
    )
    required_checks: tuple[str, ...] = field(
        default=CHECK_NAMES,
        doc=f"Checks run before commit and push: {', '.join(CHECK_NAMES)}.",
        rule=Entries(
            OneOf(*CHECK_NAMES, fold=TRIM_LOWER, required=True, message=UNSUPPORTED_CHECK)
        ),
    )
    test_commands: tuple[str, ...] = field(
        default=(), doc="Shell commands run by the tests check.", rule=Entries(NotEmpty())
    )
    forbidden_file_patterns: tuple[str, ...] = field(
        default=(
            ".env",
            ".env.*",
            "*.pem",
            "*.key",
            "*.p12",
            "*.pfx",
            "id_rsa",
            "id_ed25519",
        ),
        doc="Patterns no changed file may match: Go's filepath.Match against the whole path or"
        " its base name, or the pattern (less a trailing /) is the path or one of its parent"
        " folders from the repository root (config/creds covers config/creds/x, not"
        " app/config/creds/x).",
        rule=Entries(NotEmpty()),
    )
    allowed_repos: tuple[str, ...] = field(
        default=(),
        doc="Repositories pushes may go to (owner/name or name); empty means any.",
        rule=Entries(NotEmpty()),
    )
    default_labels: tuple[str, ...] = field(
        default=(), doc="Labels for new pull requests.", rule=Entries(NotEmpty())
    )
    default_reviewers: tuple[str, ...] = field(
        default=(), doc="Reviewers for new pull requests.", rule=Entries(NotEmpty())
    )
    review_feedback: ReviewFeedbackPolicy = field(
        default=ReviewFeedbackPolicy(), doc="Pull request review feedback sync."
    )

    def effective_mode(self) -> str:
        """``off``, ``assist`` or ``auto`` as metawsm reads the mode (trimmed, lower-cased)."""
        return go_lower(go_trim(self.mode))

    def checks(self) -> tuple[str, ...]:
        """Required check names as metawsm uses them at run time (lower-cased)."""
        return runtime_entries(self.required_checks, lower=True)

    def commands(self) -> tuple[str, ...]:
        return runtime_entries(self.test_commands)

    def patterns(self) -> tuple[str, ...]:
        return runtime_entries(self.forbidden_file_patterns)

    def repos(self) -> tuple[str, ...]:
        return runtime_entries(self.allowed_repos)


class RunnerOptions(Struct):
    """Options of an agent runner."""

    full_auto: bool = field(default=False, doc="Run codex with --full-auto.")
    command: str = field(default="", doc="Command for the shell runner.")


class AgentProfile(Struct):
    """An agent profile: how an agent is run."""

    name: str = field(default="", doc="Unique profile name; not empty.", rule=NotEmpty())
    runner: str = field(
        default="",
        doc="codex (needs base_prompt) or shell (needs runner_options.command).",
        rule=OneOf("codex", "shell", fold=TRIM_LOWER),
    )
    base_prompt: str = field(default="", doc="Prompt for the codex runner.")
    skills: tuple[str, ...] = field(
        default=(), doc="Skill names; none empty.", rule=Entries(NotEmpty())
    )
    runner_options: RunnerOptions = field(default=RunnerOptions(), doc="Runner options.")


class Agent(Struct):
    """An agent and the profile it runs with."""

    name: str = field(default="", doc="Agent name; not empty.", rule=NotEmpty())
    profile: str = field(default="", doc="Name of an agent profile.", rule=NotEmpty())


class AgentSettings(Struct):
    """How the hooks treat coding agents (``hooks.agents``)."""

    allow_skip: bool = field(
        default=False, doc="Agents may use METAWSM_SKIP (refused and recorded when false)."
    )


class HooksSettings(Struct):
    """Settings of metawsm-hooks itself; metawsm ignores the ``hooks`` block."""

    commit_message: str = field(
        default="prefix",
        doc="commit-msg behaviour: prefix (add the branch's ticket), "
        "require (block a message without it) or off.",
        rule=OneOf(*COMMIT_MESSAGE_MODES, fold=TRIM_LOWER),
    )
    test_timeout_seconds: int = field(
        default=600, doc="Timeout of each test command, in seconds.", rule=Positive()
    )
    output_tail_lines: int = field(
        default=20, doc="Lines of a failing command's output to show.", rule=Positive()
    )
    exempt_branches: tuple[str, ...] = field(
        default=(),
        doc="fnmatch patterns of branch names that skip the branch-template check.",
        rule=Entries(NotEmpty()),
    )
    store_busy_timeout_seconds: float = field(
        default=STORE_BUSY_TIMEOUT,
        doc="How long a hook waits for the store while another process writes it, in seconds.",
        rule=Positive(),
    )
    agents: AgentSettings = field(default=AgentSettings(), doc="How the hooks treat coding agents.")


class Policy(Struct):
    """metawsm policy (.metawsm/policy.json). Keys match case-insensitively; unknown keys are
    ignored by metawsm; a partial file is laid over these defaults."""

    version: int = field(
        default=2,
        doc="Policy format version; must be greater than 0.",
        rule=Positive("must be a positive integer, not {}"),
    )
    workspace: WorkspacePolicy = field(default=WorkspacePolicy(), doc="How workspaces are created.")
    docs: DocsPolicy = field(
        default=DocsPolicy(), doc="Documentation authority, seeding and doc API endpoints."
    )
    tmux: TmuxPolicy = field(default=TmuxPolicy(), doc="tmux session naming.")
    execution: ExecutionPolicy = field(default=ExecutionPolicy(), doc="Step execution.")
    health: HealthPolicy = field(default=HealthPolicy(), doc="Agent health thresholds, in seconds.")
    close: ClosePolicy = field(default=ClosePolicy(), doc="Run close behaviour.")
    operator: OperatorPolicy = field(
        default=OperatorPolicy(), doc="Operator thresholds and the operator LLM."
    )
    forum: ForumPolicy = field(default=ForumPolicy(), doc="Q&A forum event bus.")
    git_pr: GitPRPolicy = field(
        default=GitPRPolicy(), doc="Branches, required checks and pull requests."
    )
    agent_profiles: tuple[AgentProfile, ...] = field(
        default=(
            AgentProfile(
                name="default-shell", runner="shell", runner_options=RunnerOptions(command="bash")
            ),
        ),
        doc="Agent profiles; at least one, names unique. A list given here "
        "replaces the default list.",
        rule=AtLeastOne("must contain at least one profile"),
    )
    agents: tuple[Agent, ...] = field(
        default=(Agent(name="agent", profile="default-shell"),),
        doc="Agents; at least one, each naming an agent profile.",
        rule=AtLeastOne("must contain at least one agent"),
    )
    hooks: HooksSettings = field(
        default=HooksSettings(), doc="metawsm-hooks settings (metawsm ignores this block)."
    )


def default_policy() -> Policy:
    """metawsm's ``policy.Default()``, plus the default ``hooks`` settings."""
    return Policy()


def runtime_entries(values: Sequence[str], *, lower: bool = False) -> tuple[str, ...]:
    """How metawsm reads list entries at run time: split on commas, trim, drop empties and
    duplicates (first occurrence wins)."""
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        for part in value.split(","):
            entry = go_trim(part)
            if lower:
                entry = go_lower(entry)
            if entry and entry not in seen:
                seen.add(entry)
                out.append(entry)
    return tuple(out)
