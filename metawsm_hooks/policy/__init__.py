"""The metawsm policy (``.metawsm/policy.json``): schema, defaults, loading and validation.

A policy is valid here exactly when metawsm's Go ``Load`` + ``Validate`` accept it. The file is
read as Go's ``encoding/json`` reads it into metawsm's ``Config`` (laid over the defaults, arrays
decoded into the default elements, case-insensitive keys, duplicate keys applied in order), then
metawsm's rules run. Unlike metawsm, every problem is reported, each with its JSON path and the
line that set the value, and unknown keys are flagged (warnings, or errors with ``strict``).

The top-level ``hooks`` block holds settings of this tool that metawsm ignores; problems there
never change the verdict unless ``strict`` is set, and a bad setting falls back to its default.

The package, one module per concern: ``schema`` (each field's type, default, documentation and
rule, with metawsm's defaults), ``constraints`` (the kinds of rule), ``struct`` (the cheap frozen
records the schema is made of), ``result`` (findings and results), ``load`` (files, bytes,
defaults), ``decode`` (Go's decoding over the defaults), ``rules`` (metawsm's ``Validate``),
``cache`` (validated results by content) and ``schema_export`` (JSON Schema, through
pydantic). Only ``load`` and what it needs on a cache hit are imported here; decoding and the
rules load on a cache miss, pydantic only for the schema.
"""

from metawsm_hooks.policy.load import (
    DEFAULTS_SOURCE,
    MAX_POLICY_BYTES,
    defaults_result,
    load_policy_bytes,
    load_policy_path,
    named_policy_path,
)
from metawsm_hooks.policy.result import Finding, PolicyResult
from metawsm_hooks.policy.schema import (
    COMMIT_MESSAGE_MODES,
    Agent,
    AgentProfile,
    AgentSettings,
    ClosePolicy,
    DocAPIEndpoint,
    DocsAPIPolicy,
    DocsPolicy,
    ExecutionPolicy,
    ForumDocsSync,
    ForumPolicy,
    ForumRedis,
    ForumSLA,
    ForumTopics,
    GitPRPolicy,
    HealthPolicy,
    HooksSettings,
    LLMPolicy,
    OperatorPolicy,
    Policy,
    ReviewFeedbackPolicy,
    RunnerOptions,
    TmuxPolicy,
    WorkspacePolicy,
    default_policy,
    runtime_entries,
)
from metawsm_hooks.policy.struct import asdict, replace

__all__ = [
    "COMMIT_MESSAGE_MODES",
    "DEFAULTS_SOURCE",
    "MAX_POLICY_BYTES",
    "Agent",
    "AgentProfile",
    "AgentSettings",
    "ClosePolicy",
    "DocAPIEndpoint",
    "DocsAPIPolicy",
    "DocsPolicy",
    "ExecutionPolicy",
    "Finding",
    "ForumDocsSync",
    "ForumPolicy",
    "ForumRedis",
    "ForumSLA",
    "ForumTopics",
    "GitPRPolicy",
    "HealthPolicy",
    "HooksSettings",
    "LLMPolicy",
    "OperatorPolicy",
    "Policy",
    "PolicyResult",
    "ReviewFeedbackPolicy",
    "RunnerOptions",
    "TmuxPolicy",
    "WorkspacePolicy",
    "asdict",
    "default_policy",
    "defaults_result",
    "load_policy_bytes",
    "load_policy_path",
    "named_policy_path",
    "replace",
    "runtime_entries",
]
