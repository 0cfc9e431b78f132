"""The policy's schema: one frozen class per JSON object of ``.metawsm/policy.json``, named after
its keys, with metawsm's defaults (``policy.Default()`` in metawsm's Go source).

Elements of lists of objects default to Go's zero values, because that is what an element beyond
the default list starts from when metawsm decodes a file.
"""

from __future__ import annotations

from dataclasses import dataclass

from metawsm_hooks.constants import CHECK_NAMES
from metawsm_hooks.golang.strings import go_lower, go_trim

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from collections.abc import Sequence
    from typing import Final

COMMIT_MESSAGE_MODES: Final = ("prefix", "require", "off")


@dataclass(frozen=True)
class WorkspacePolicy:
    """How metawsm creates workspaces."""

    default_strategy: str = "create"
    branch_prefix: str = "task"
    base_branch: str = "main"


@dataclass(frozen=True)
class DocAPIEndpoint:
    """A documentation API endpoint."""

    name: str = ""
    base_url: str = ""
    web_url: str = ""
    repo: str = ""
    workspace: str = ""


@dataclass(frozen=True)
class DocsAPIPolicy:
    """Documentation API federation."""

    workspace_endpoints: tuple[DocAPIEndpoint, ...] = ()
    repo_endpoints: tuple[DocAPIEndpoint, ...] = ()
    request_timeout_seconds: int = 3


@dataclass(frozen=True)
class DocsPolicy:
    """Documentation authority and seeding."""

    authority_mode: str = "workspace_active"
    seed_mode: str = "copy_from_repo_on_start"
    stale_warning_seconds: int = 900
    api: DocsAPIPolicy = DocsAPIPolicy()


@dataclass(frozen=True)
class TmuxPolicy:
    """tmux session naming."""

    session_pattern: str = "{agent}-{workspace}"


@dataclass(frozen=True)
class ExecutionPolicy:
    """Step execution."""

    step_retries: int = 1


@dataclass(frozen=True)
class HealthPolicy:
    """Agent health thresholds, in seconds."""

    idle_seconds: int = 300
    activity_stalled_seconds: int = 900
    progress_stalled_seconds: int = 1200


@dataclass(frozen=True)
class ClosePolicy:
    """Run close behaviour."""

    require_clean_git: bool = True


@dataclass(frozen=True)
class LLMPolicy:
    """The operator LLM."""

    mode: str = "assist"
    command: str = "codex"
    model: str = ""
    timeout_seconds: int = 30
    max_tokens: int = 400

    def effective_mode(self) -> str:
        """``off``, ``assist`` or ``auto`` as metawsm reads the mode (trimmed, lower-cased)."""
        return go_lower(go_trim(self.mode))


@dataclass(frozen=True)
class OperatorPolicy:
    """Operator thresholds."""

    unhealthy_confirmations: int = 2
    restart_budget: int = 3
    restart_cooldown_seconds: int = 60
    stale_run_age_seconds: int = 3600
    llm: LLMPolicy = LLMPolicy()


@dataclass(frozen=True)
class ForumTopics:
    """Forum event-bus topic prefixes."""

    command_prefix: str = "forum.commands"
    event_prefix: str = "forum.events"
    integration_prefix: str = "forum.integration"


@dataclass(frozen=True)
class ForumRedis:
    """Forum Redis transport."""

    url: str = "redis://127.0.0.1:6379/0"
    stream: str = "metawsm-forum"
    group: str = "metawsm-forum"
    consumer: str = "operator"


@dataclass(frozen=True)
class ForumSLA:
    """Forum escalation SLA."""

    escalation_minutes: int = 30


@dataclass(frozen=True)
class ForumDocsSync:
    """Forum answers synced into docs."""

    enabled: bool = True


@dataclass(frozen=True)
class ForumPolicy:
    """The Q&A forum."""

    enabled: bool = True
    topics: ForumTopics = ForumTopics()
    redis: ForumRedis = ForumRedis()
    sla: ForumSLA = ForumSLA()
    docs_sync: ForumDocsSync = ForumDocsSync()


@dataclass(frozen=True)
class ReviewFeedbackPolicy:
    """Pull request review feedback sync."""

    enabled: bool = False
    mode: str = "assist"
    include_review_comments: bool = True
    ignore_authors: tuple[str, ...] = ()
    max_items_per_sync: int = 50
    auto_dispatch_cap_per_interval: int = 1


@dataclass(frozen=True)
class GitPRPolicy:
    """Branches, required checks and pull requests."""

    mode: str = "assist"
    credential_mode: str = "local_user_auth"
    branch_template: str = "{ticket}/{repo}/{run}"
    require_all: bool = True
    required_checks: tuple[str, ...] = CHECK_NAMES
    test_commands: tuple[str, ...] = ()
    forbidden_file_patterns: tuple[str, ...] = (
        ".env",
        ".env.*",
        "*.pem",
        "*.key",
        "*.p12",
        "*.pfx",
        "id_rsa",
        "id_ed25519",
    )
    allowed_repos: tuple[str, ...] = ()
    default_labels: tuple[str, ...] = ()
    default_reviewers: tuple[str, ...] = ()
    review_feedback: ReviewFeedbackPolicy = ReviewFeedbackPolicy()

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


@dataclass(frozen=True)
class RunnerOptions:
    """Options of an agent runner."""

    full_auto: bool = False
    command: str = ""


@dataclass(frozen=True)
class AgentProfile:
    """An agent profile: how an agent is run."""

    name: str = ""
    runner: str = ""
    base_prompt: str = ""
    skills: tuple[str, ...] = ()
    runner_options: RunnerOptions = RunnerOptions()


@dataclass(frozen=True)
class Agent:
    """An agent and the profile it runs with."""

    name: str = ""
    profile: str = ""


@dataclass(frozen=True)
class HooksSettings:
    """Settings of metawsm-hooks itself; metawsm ignores the ``hooks`` block."""

    commit_message: str = "prefix"
    test_timeout_seconds: int = 600
    output_tail_lines: int = 20
    exempt_branches: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """metawsm policy (.metawsm/policy.json)."""

    version: int = 2
    workspace: WorkspacePolicy = WorkspacePolicy()
    docs: DocsPolicy = DocsPolicy()
    tmux: TmuxPolicy = TmuxPolicy()
    execution: ExecutionPolicy = ExecutionPolicy()
    health: HealthPolicy = HealthPolicy()
    close: ClosePolicy = ClosePolicy()
    operator: OperatorPolicy = OperatorPolicy()
    forum: ForumPolicy = ForumPolicy()
    git_pr: GitPRPolicy = GitPRPolicy()
    agent_profiles: tuple[AgentProfile, ...] = (
        AgentProfile(
            name="default-shell", runner="shell", runner_options=RunnerOptions(command="bash")
        ),
    )
    agents: tuple[Agent, ...] = (Agent(name="agent", profile="default-shell"),)
    hooks: HooksSettings = HooksSettings()


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
