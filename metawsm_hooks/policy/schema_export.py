"""The policy's JSON Schema (draft 2020-12), for editors: ``metawsm-hooks schema``.

pydantic builds it from the schema's classes; it is imported only here, inside the function, so
it never loads on a hook's path.
"""

from __future__ import annotations

from metawsm_hooks.golang.encoding_json import INT_MAX
from metawsm_hooks.policy.schema import COMMIT_MESSAGE_MODES, Policy

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from typing import Any, Final

_DOCS: Final[dict[str, str]] = {
    "Policy": "metawsm policy (.metawsm/policy.json). Keys match case-insensitively; unknown "
    "keys are ignored by metawsm; a partial file is laid over these defaults.",
    "Policy.version": "Policy format version; must be greater than 0.",
    "Policy.workspace": "How workspaces are created.",
    "Policy.docs": "Documentation authority, seeding and doc API endpoints.",
    "Policy.tmux": "tmux session naming.",
    "Policy.execution": "Step execution.",
    "Policy.health": "Agent health thresholds, in seconds.",
    "Policy.close": "Run close behaviour.",
    "Policy.operator": "Operator thresholds and the operator LLM.",
    "Policy.forum": "Q&A forum event bus.",
    "Policy.git_pr": "Branches, required checks and pull requests.",
    "Policy.agent_profiles": "Agent profiles; at least one, names unique. A list given here "
    "replaces the default list.",
    "Policy.agents": "Agents; at least one, each naming an agent profile.",
    "Policy.hooks": "metawsm-hooks settings (metawsm ignores this block).",
    "WorkspacePolicy.default_strategy": "Exactly create, fork or reuse (case matters).",
    "WorkspacePolicy.branch_prefix": "Prefix of workspace branches.",
    "WorkspacePolicy.base_branch": "Base branch of workspaces; not empty.",
    "DocsPolicy.authority_mode": "Must be workspace_active.",
    "DocsPolicy.seed_mode": "none or copy_from_repo_on_start.",
    "DocsPolicy.stale_warning_seconds": "Must be greater than 0.",
    "DocsPolicy.api": "Doc API federation endpoints.",
    "DocsAPIPolicy.workspace_endpoints": "Workspace doc endpoints (each needs workspace).",
    "DocsAPIPolicy.repo_endpoints": "Repository doc endpoints.",
    "DocsAPIPolicy.request_timeout_seconds": "Must be greater than 0.",
    "DocAPIEndpoint.name": "Unique across workspace and repo endpoints; not empty.",
    "DocAPIEndpoint.base_url": "http:// or https:// URL with a host.",
    "DocAPIEndpoint.web_url": "Optional http:// or https:// URL with a host.",
    "DocAPIEndpoint.repo": "Repository name; not empty.",
    "DocAPIEndpoint.workspace": "Workspace name; required for workspace endpoints.",
    "TmuxPolicy.session_pattern": "tmux session name pattern; not empty.",
    "ExecutionPolicy.step_retries": "Retries per step; 0 or more.",
    "HealthPolicy.idle_seconds": "Must be greater than 0.",
    "HealthPolicy.activity_stalled_seconds": "Must be greater than 0 and >= idle_seconds.",
    "HealthPolicy.progress_stalled_seconds": "Must be greater than 0.",
    "ClosePolicy.require_clean_git": "Require a clean git tree before close.",
    "OperatorPolicy.unhealthy_confirmations": "Consecutive failures before the operator acts.",
    "OperatorPolicy.restart_budget": "Restarts allowed per run.",
    "OperatorPolicy.restart_cooldown_seconds": "Minimum seconds between restarts.",
    "OperatorPolicy.stale_run_age_seconds": "Age after which a run is stale.",
    "OperatorPolicy.llm": "The operator LLM.",
    "LLMPolicy.mode": "off, assist or auto (white space and case are ignored).",
    "LLMPolicy.command": "Command run as `<command> exec [--model M] PROMPT`; not empty.",
    "LLMPolicy.model": "Model passed with --model; empty for the command's default.",
    "LLMPolicy.timeout_seconds": "Must be greater than 0.",
    "LLMPolicy.max_tokens": "Must be greater than 0.",
    "ForumPolicy.enabled": "Enable the forum.",
    "ForumTopics.command_prefix": "Not empty.",
    "ForumTopics.event_prefix": "Not empty.",
    "ForumTopics.integration_prefix": "Not empty.",
    "ForumRedis.url": "Not empty.",
    "ForumRedis.stream": "Not empty.",
    "ForumRedis.group": "Not empty.",
    "ForumRedis.consumer": "Not empty.",
    "ForumSLA.escalation_minutes": "Must be greater than 0.",
    "ForumDocsSync.enabled": "Sync forum answers into docs.",
    "GitPRPolicy.mode": "off, assist or auto (white space and case are ignored); off turns "
    "enforcement off.",
    "GitPRPolicy.credential_mode": "Must be local_user_auth (white space and case are ignored).",
    "GitPRPolicy.branch_template": "Branch name template with {ticket}, {repo}, {run}.",
    "GitPRPolicy.require_all": "Every applicable check must pass (else at least one).",
    "GitPRPolicy.required_checks": "Checks run before commit and push: tests, "
    "forbidden_files, ticket_workflow, clean_tree.",
    "GitPRPolicy.test_commands": "Shell commands run by the tests check.",
    "GitPRPolicy.forbidden_file_patterns": "Globs no changed file may match.",
    "GitPRPolicy.allowed_repos": "Repositories pushes may go to (owner/name or name); empty "
    "means any.",
    "GitPRPolicy.default_labels": "Labels for new pull requests.",
    "GitPRPolicy.default_reviewers": "Reviewers for new pull requests.",
    "GitPRPolicy.review_feedback": "Pull request review feedback sync.",
    "ReviewFeedbackPolicy.enabled": "Enable review feedback sync.",
    "ReviewFeedbackPolicy.mode": "assist or auto (white space and case are ignored).",
    "ReviewFeedbackPolicy.include_review_comments": "Must be true.",
    "ReviewFeedbackPolicy.ignore_authors": "Comment authors to ignore.",
    "ReviewFeedbackPolicy.max_items_per_sync": "Must be greater than 0.",
    "ReviewFeedbackPolicy.auto_dispatch_cap_per_interval": "Must be greater than 0.",
    "AgentProfile.name": "Unique profile name; not empty.",
    "AgentProfile.runner": "codex (needs base_prompt) or shell (needs runner_options.command).",
    "AgentProfile.base_prompt": "Prompt for the codex runner.",
    "AgentProfile.skills": "Skill names; none empty.",
    "AgentProfile.runner_options": "Runner options.",
    "RunnerOptions.full_auto": "Run codex with --full-auto.",
    "RunnerOptions.command": "Command for the shell runner.",
    "Agent.name": "Agent name; not empty.",
    "Agent.profile": "Name of an agent profile.",
    "HooksSettings.commit_message": "commit-msg behaviour: prefix (add the branch's ticket), "
    "require (block a message without it) or off.",
    "HooksSettings.test_timeout_seconds": "Timeout of each test command, in seconds.",
    "HooksSettings.output_tail_lines": "Lines of a failing command's output to show.",
    "HooksSettings.exempt_branches": "fnmatch patterns of branch names that skip the "
    "branch-template check.",
}
_ENUMS: Final[dict[str, tuple[str, ...]]] = {
    "WorkspacePolicy.default_strategy": ("create", "fork", "reuse"),
    "DocsPolicy.authority_mode": ("workspace_active",),
    "DocsPolicy.seed_mode": ("none", "copy_from_repo_on_start"),
    "LLMPolicy.mode": ("off", "assist", "auto"),
    "GitPRPolicy.mode": ("off", "assist", "auto"),
    "GitPRPolicy.credential_mode": ("local_user_auth",),
    "ReviewFeedbackPolicy.mode": ("assist", "auto"),
    "AgentProfile.runner": ("codex", "shell"),
    "HooksSettings.commit_message": COMMIT_MESSAGE_MODES,
}
_ZERO_OR_MORE: Final = frozenset({"ExecutionPolicy.step_retries"})


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the policy, with descriptions and enumerations."""
    import pydantic

    schema: dict[str, Any] = pydantic.TypeAdapter(Policy).json_schema()
    definitions: dict[str, Any] = schema.setdefault("$defs", {})
    for name, definition in [("Policy", schema), *definitions.items()]:
        if name in _DOCS:
            definition["description"] = _DOCS[name]
        for key, prop in definition.get("properties", {}).items():
            qualified = f"{name}.{key}"
            if qualified in _DOCS:
                prop["description"] = _DOCS[qualified]
            if qualified in _ENUMS:
                prop["enum"] = list(_ENUMS[qualified])
            if prop.get("type") == "integer":
                prop["minimum"] = 0 if qualified in _ZERO_OR_MORE else 1
                prop["maximum"] = INT_MAX
    schema["properties"]["agent_profiles"]["minItems"] = 1
    schema["properties"]["agents"]["minItems"] = 1
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "metawsm policy"
    return {"$schema": schema.pop("$schema"), **schema}
