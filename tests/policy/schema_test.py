"""policy.schema: metawsm's defaults, the example policy, and how metawsm reads lists at run
time."""

from __future__ import annotations

import pytest

from metawsm_hooks import policy
from metawsm_hooks.policy import (
    Agent,
    AgentProfile,
    DocAPIEndpoint,
    HooksSettings,
    Policy,
    PolicyResult,
    RunnerOptions,
    asdict,
    default_policy,
    defaults_result,
    replace,
    runtime_entries,
)
from testing.policy import EXAMPLE, load

# ---------------------------------------------------------------------------------------------
# Defaults and the example policy


def test_defaults_are_metawsms() -> None:
    p = default_policy()
    assert p.version == 2
    assert (p.workspace.default_strategy, p.workspace.branch_prefix, p.workspace.base_branch) == (
        "create",
        "task",
        "main",
    )
    assert p.docs.authority_mode == "workspace_active"
    assert p.docs.seed_mode == "copy_from_repo_on_start"
    assert p.docs.stale_warning_seconds == 900
    assert p.docs.api.request_timeout_seconds == 3
    assert p.docs.api.workspace_endpoints == p.docs.api.repo_endpoints == ()
    assert p.tmux.session_pattern == "{agent}-{workspace}"
    assert p.execution.step_retries == 1
    assert tuple(asdict(p.health).values()) == (300, 900, 1200)
    assert p.close.require_clean_git is True
    assert tuple(asdict(p.operator).values())[:4] == (2, 3, 60, 3600)
    assert tuple(asdict(p.operator.llm).values()) == ("assist", "codex", "", 30, 400)
    assert p.forum.enabled is True
    assert tuple(asdict(p.forum.topics).values()) == (
        "forum.commands",
        "forum.events",
        "forum.integration",
    )
    assert tuple(asdict(p.forum.redis).values()) == (
        "redis://127.0.0.1:6379/0",
        "metawsm-forum",
        "metawsm-forum",
        "operator",
    )
    assert p.forum.sla.escalation_minutes == 30
    assert p.forum.docs_sync.enabled is True
    g = p.git_pr
    assert (g.mode, g.credential_mode, g.branch_template, g.require_all) == (
        "assist",
        "local_user_auth",
        "{ticket}/{repo}/{run}",
        True,
    )
    assert g.required_checks == ("tests", "forbidden_files", "ticket_workflow", "clean_tree")
    assert g.test_commands == g.allowed_repos == g.default_labels == g.default_reviewers == ()
    assert g.forbidden_file_patterns == (
        ".env",
        ".env.*",
        "*.pem",
        "*.key",
        "*.p12",
        "*.pfx",
        "id_rsa",
        "id_ed25519",
    )
    assert tuple(asdict(g.review_feedback).values()) == (False, "assist", True, (), 50, 1)
    assert p.agent_profiles == (
        AgentProfile(
            name="default-shell", runner="shell", runner_options=RunnerOptions(command="bash")
        ),
    )
    assert p.agent_profiles[0].skills == () and p.agent_profiles[0].base_prompt == ""
    assert p.agents == (Agent(name="agent", profile="default-shell"),)
    assert p.hooks == HooksSettings("prefix", 600, 20, ())


def test_defaults_result() -> None:
    result = defaults_result()
    assert result == PolicyResult("built-in defaults", Policy(), (), (), defaults_used=True)
    assert result.valid


@pytest.mark.parametrize(
    "text", ["{}", " null ", "{\n}\n"], ids=["empty-object", "null", "newlines"]
)
def test_an_empty_policy_is_the_defaults(text: str) -> None:
    result = load(text)
    assert result.valid and result.warnings == ()
    assert result.policy == default_policy()
    assert result.defaults_used is False


def test_example_policy_is_valid_and_decoded_over_the_defaults() -> None:
    result = load(EXAMPLE.read_bytes())
    assert result.valid and result.errors == () and result.warnings == ()
    p = result.policy
    assert p is not None
    assert p.docs.api.workspace_endpoints == (
        DocAPIEndpoint(
            "workspace-metawsm",
            "http://127.0.0.1:8787",
            "http://127.0.0.1:8787",
            "metawsm",
            "metawsm-001",
        ),
    )
    assert p.docs.api.repo_endpoints == (
        DocAPIEndpoint("repo-metawsm", "http://127.0.0.1:8790", "http://127.0.0.1:8790", "metawsm"),
    )
    assert p.git_pr.test_commands == ("go test ./... -count=1",)
    assert p.git_pr.review_feedback == policy.ReviewFeedbackPolicy()
    (profile,) = p.agent_profiles
    assert (profile.name, profile.runner, profile.skills) == (
        "codex-default",
        "codex",
        ("docmgr", "diary"),
    )
    assert profile.base_prompt.startswith("You are the implementation agent")
    # Decoded INTO the default profile: the default's runner_options.command stays.
    assert profile.runner_options == RunnerOptions(full_auto=True, command="bash")
    assert p.agents == (Agent("agent", "codex-default"),)
    assert p.forum == policy.ForumPolicy()  # absent from the file: defaults
    assert p.hooks == HooksSettings()
    assert replace(p, docs=Policy().docs, git_pr=Policy().git_pr) != Policy()


# ---------------------------------------------------------------------------------------------
# metawsm's run-time reading of lists


def test_runtime_entries() -> None:
    assert runtime_entries(["tests, clean_tree", " ", "tests", "a,,b"]) == (
        "tests",
        "clean_tree",
        "a",
        "b",
    )
    assert runtime_entries(["Tests", "tests"], lower=True) == ("tests",)
    git_pr = policy.GitPRPolicy(
        mode=" Auto ",
        required_checks=("Tests, clean_tree",),
        test_commands=("make test", "make lint, make vet"),
        forbidden_file_patterns=("*.pem",),
        allowed_repos=("o/n",),
    )
    assert git_pr.checks() == ("tests", "clean_tree")
    assert git_pr.commands() == ("make test", "make lint", "make vet")
    assert git_pr.patterns() == ("*.pem",)
    assert git_pr.repos() == ("o/n",)
    assert git_pr.effective_mode() == "auto"
    assert policy.LLMPolicy(mode="\u00a0OFF").effective_mode() == "off"
