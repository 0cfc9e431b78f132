"""metawsm's ``Validate``, reporting every broken rule instead of the first, and the checks of
this tool's own ``hooks`` settings."""

from __future__ import annotations

from metawsm_hooks.constants import CHECK_NAMES
from metawsm_hooks.golang.net_url import is_http_url
from metawsm_hooks.golang.strings import go_lower, go_trim
from metawsm_hooks.policy.schema import COMMIT_MESSAGE_MODES, HooksSettings

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from collections.abc import Callable, Iterator

    from metawsm_hooks.policy.schema import Policy


def rule_findings(p: Policy) -> Iterator[tuple[str, str]]:
    if p.version <= 0:
        yield "version", f"must be a positive integer, not {p.version}"
    if p.workspace.default_strategy not in ("create", "fork", "reuse"):
        yield (
            "workspace.default_strategy",
            f"must be exactly create, fork or reuse, not {p.workspace.default_strategy!r}",
        )
    if not go_trim(p.tmux.session_pattern):
        yield "tmux.session_pattern", "cannot be empty"

    authority = go_trim(p.docs.authority_mode)
    if not authority:
        yield "docs.authority_mode", "cannot be empty"
    elif authority != "workspace_active":
        yield "docs.authority_mode", f'must be "workspace_active", not {authority!r}'
    seed = go_trim(p.docs.seed_mode)
    if not seed:
        yield "docs.seed_mode", "cannot be empty"
    elif seed not in ("none", "copy_from_repo_on_start"):
        yield "docs.seed_mode", f"must be none or copy_from_repo_on_start, not {seed!r}"
    if p.docs.stale_warning_seconds <= 0:
        yield "docs.stale_warning_seconds", _positive(p.docs.stale_warning_seconds)
    if p.docs.api.request_timeout_seconds <= 0:
        yield "docs.api.request_timeout_seconds", _positive(p.docs.api.request_timeout_seconds)

    seen_endpoints: dict[str, str] = {}
    for kind, endpoints in (
        ("workspace", p.docs.api.workspace_endpoints),
        ("repo", p.docs.api.repo_endpoints),
    ):
        for i, endpoint in enumerate(endpoints):
            base = f"docs.api.{kind}_endpoints[{i}]"
            name = go_trim(endpoint.name)
            if not name:
                yield f"{base}.name", "cannot be empty"
            elif name in seen_endpoints:
                yield (
                    f"{base}.name",
                    f"duplicate endpoint name {name!r} (also {seen_endpoints[name]})",
                )
            else:
                seen_endpoints[name] = base
            if not go_trim(endpoint.base_url):
                yield f"{base}.base_url", "cannot be empty"
            elif not is_http_url(go_trim(endpoint.base_url)):
                yield f"{base}.base_url", _bad_url(endpoint.base_url)
            if go_trim(endpoint.web_url) and not is_http_url(go_trim(endpoint.web_url)):
                yield f"{base}.web_url", _bad_url(endpoint.web_url)
            if not go_trim(endpoint.repo):
                yield f"{base}.repo", "cannot be empty"
            if kind == "workspace" and not go_trim(endpoint.workspace):
                yield f"{base}.workspace", "cannot be empty for a workspace endpoint"

    if not go_trim(p.workspace.base_branch):
        yield "workspace.base_branch", "cannot be empty"

    health = p.health
    for key in ("idle_seconds", "activity_stalled_seconds", "progress_stalled_seconds"):
        value = getattr(health, key)
        if value <= 0:
            yield f"health.{key}", _positive(value)
    if health.activity_stalled_seconds < health.idle_seconds:
        yield (
            "health.activity_stalled_seconds",
            f"must be >= health.idle_seconds ({health.activity_stalled_seconds} < "
            f"{health.idle_seconds})",
        )

    operator = p.operator
    for key in (
        "unhealthy_confirmations",
        "restart_budget",
        "restart_cooldown_seconds",
        "stale_run_age_seconds",
    ):
        value = getattr(operator, key)
        if value <= 0:
            yield f"operator.{key}", _positive(value)
    llm = operator.llm
    if llm.effective_mode() not in ("off", "assist", "auto"):
        yield "operator.llm.mode", f"must be off, assist or auto, not {llm.mode!r}"
    if not go_trim(llm.command):
        yield "operator.llm.command", "cannot be empty"
    if llm.timeout_seconds <= 0:
        yield "operator.llm.timeout_seconds", _positive(llm.timeout_seconds)
    if llm.max_tokens <= 0:
        yield "operator.llm.max_tokens", _positive(llm.max_tokens)

    forum = p.forum
    for key in ("command_prefix", "event_prefix", "integration_prefix"):
        if not go_trim(getattr(forum.topics, key)):
            yield f"forum.topics.{key}", "cannot be empty"
    for key in ("url", "stream", "group", "consumer"):
        if not go_trim(getattr(forum.redis, key)):
            yield f"forum.redis.{key}", "cannot be empty"
    if forum.sla.escalation_minutes <= 0:
        yield "forum.sla.escalation_minutes", _positive(forum.sla.escalation_minutes)

    git_pr = p.git_pr
    if git_pr.effective_mode() not in ("off", "assist", "auto"):
        yield "git_pr.mode", f"must be off, assist or auto, not {git_pr.mode!r}"
    if go_lower(go_trim(git_pr.credential_mode)) != "local_user_auth":
        yield (
            "git_pr.credential_mode",
            f'must be "local_user_auth", not {git_pr.credential_mode!r}',
        )
    if not go_trim(git_pr.branch_template):
        yield "git_pr.branch_template", "cannot be empty"
    for i, check in enumerate(git_pr.required_checks):
        name = go_lower(go_trim(check))
        if not name:
            yield f"git_pr.required_checks[{i}]", "cannot be empty"
        elif name not in CHECK_NAMES:
            yield (
                f"git_pr.required_checks[{i}]",
                f"unsupported check {check!r}; use {', '.join(CHECK_NAMES)}",
            )
    for key in (
        "test_commands",
        "forbidden_file_patterns",
        "allowed_repos",
        "default_labels",
        "default_reviewers",
    ):
        for i, entry in enumerate(getattr(git_pr, key)):
            if not go_trim(entry):
                yield f"git_pr.{key}[{i}]", "cannot be empty"

    feedback = git_pr.review_feedback
    if go_lower(go_trim(feedback.mode)) not in ("assist", "auto"):
        yield "git_pr.review_feedback.mode", f"must be assist or auto, not {feedback.mode!r}"
    if not feedback.include_review_comments:
        yield "git_pr.review_feedback.include_review_comments", "must be true"
    for i, author in enumerate(feedback.ignore_authors):
        if not go_trim(author):
            yield f"git_pr.review_feedback.ignore_authors[{i}]", "cannot be empty"
    if feedback.max_items_per_sync <= 0:
        yield "git_pr.review_feedback.max_items_per_sync", _positive(feedback.max_items_per_sync)
    if feedback.auto_dispatch_cap_per_interval <= 0:
        yield (
            "git_pr.review_feedback.auto_dispatch_cap_per_interval",
            _positive(feedback.auto_dispatch_cap_per_interval),
        )

    if p.execution.step_retries < 0:
        yield "execution.step_retries", f"must be 0 or more, not {p.execution.step_retries}"

    if not p.agent_profiles:
        yield "agent_profiles", "must contain at least one profile"
    profiles: dict[str, str] = {}
    for i, profile in enumerate(p.agent_profiles):
        base = f"agent_profiles[{i}]"
        name = go_trim(profile.name)
        if not name:
            yield f"{base}.name", "cannot be empty"
        elif name in profiles:
            yield f"{base}.name", f"duplicate profile name {name!r} (also {profiles[name]})"
        else:
            profiles[name] = base
        runner = go_lower(go_trim(profile.runner))
        if runner == "codex":
            if not go_trim(profile.base_prompt):
                yield f"{base}.base_prompt", "cannot be empty for the codex runner"
        elif runner == "shell":
            if not go_trim(profile.runner_options.command):
                yield f"{base}.runner_options.command", "cannot be empty for the shell runner"
        else:
            yield f"{base}.runner", f"must be codex or shell, not {profile.runner!r}"
        for j, skill in enumerate(profile.skills):
            if not go_trim(skill):
                yield f"{base}.skills[{j}]", "cannot be empty"

    if not p.agents:
        yield "agents", "must contain at least one agent"
    for i, agent in enumerate(p.agents):
        base = f"agents[{i}]"
        if not go_trim(agent.name):
            yield f"{base}.name", "cannot be empty"
        wanted = go_trim(agent.profile)
        if not wanted:
            yield f"{base}.profile", "cannot be empty"
        elif wanted not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            yield f"{base}.profile", f"names no agent profile: {wanted!r} (profiles: {known})"


def _positive(value: int) -> str:
    return f"must be greater than 0, not {value}"


def _bad_url(value: str) -> str:
    return f"must be an http:// or https:// URL with a host, not {value!r}"


def checked_hooks(raw: HooksSettings, problem: Callable[[str, str], None]) -> HooksSettings:
    """Settings that fail their own checks fall back to the default, with a finding each."""
    default = HooksSettings()
    mode = go_lower(go_trim(raw.commit_message))
    if mode not in COMMIT_MESSAGE_MODES:
        problem(
            "hooks.commit_message",
            f"must be prefix, require or off, not {raw.commit_message!r}; "
            f"using {default.commit_message!r}",
        )
        mode = default.commit_message
    timeout = raw.test_timeout_seconds
    if timeout <= 0:
        problem(
            "hooks.test_timeout_seconds",
            f"{_positive(timeout)}; using {default.test_timeout_seconds}",
        )
        timeout = default.test_timeout_seconds
    tail = raw.output_tail_lines
    if tail <= 0:
        problem("hooks.output_tail_lines", f"{_positive(tail)}; using {default.output_tail_lines}")
        tail = default.output_tail_lines
    branches: list[str] = []
    for i, pattern in enumerate(raw.exempt_branches):
        if go_trim(pattern):
            branches.append(go_trim(pattern))
        else:
            problem(f"hooks.exempt_branches[{i}]", "cannot be empty; entry ignored")
    return HooksSettings(
        commit_message=mode,
        test_timeout_seconds=timeout,
        output_tail_lines=tail,
        exempt_branches=tuple(branches),
    )
