"""The metawsm policy (``.metawsm/policy.json``): schema, defaults, loading and validation.

A policy is valid here exactly when metawsm's Go ``Load`` + ``Validate`` accept it. The file is
read as Go's ``encoding/json`` reads it into metawsm's ``Config`` (laid over the defaults, arrays
decoded into the default elements, case-insensitive keys, duplicate keys applied in order), then
metawsm's rules run. Unlike metawsm, every problem is reported, each with its JSON path and the
line that set the value, and unknown keys are flagged (warnings, or errors with ``strict``).

The top-level ``hooks`` block holds settings of this tool that metawsm ignores; problems there
never change the verdict unless ``strict`` is set, and a bad setting falls back to its default.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import stat
import sys
from dataclasses import dataclass, fields, replace

from metawsm_hooks import __version__, gojson
from metawsm_hooks.constants import CHECK_NAMES, POLICY_ENV

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing and pathlib cost a measurable share of a hook's start-up
    from collections.abc import Callable, Iterator, Sequence
    from pathlib import Path
    from typing import Any, Final

MAX_POLICY_BYTES: Final = 5 * 1024 * 1024
DEFAULTS_SOURCE: Final = "built-in defaults"
COMMIT_MESSAGE_MODES: Final = ("prefix", "require", "off")

# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Finding:
    """One problem: ``path`` is a JSON path such as ``git_pr.required_checks[2]``; ``""`` means
    the file as a whole. ``line``/``column`` are 1-based and ``None`` when the file has no value
    there (for instance a default that breaks a rule together with a value the file sets)."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"path": self.path, "message": self.message, "line": self.line}
        if self.column is not None:
            out["column"] = self.column
        return out


# --------------------------------------------------------------------------------------------
# Schema: one frozen dataclass per JSON object, named after its keys, with metawsm's defaults.
# Elements of lists of objects default to Go's zero values, because that is what an element
# beyond the default list starts from when metawsm decodes a file.


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


@dataclass(frozen=True)
class PolicyResult:
    """The outcome of loading one policy. ``policy`` is ``None`` only when the file could not be
    read or is not JSON; with other errors it holds the values as metawsm would have decoded them.
    """

    source: str
    policy: Policy | None
    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    defaults_used: bool

    @property
    def valid(self) -> bool:
        return not self.errors


def default_policy() -> Policy:
    """metawsm's ``policy.Default()``, plus the default ``hooks`` settings."""
    return Policy()


def named_policy_path(given: Path | None) -> Path | None:
    """The policy file the user named: ``--policy PATH``, else ``$METAWSM_POLICY``; None when
    the repository's own ``.metawsm/policy.json`` (or the tree being checked) decides."""
    if given is not None:
        return given
    env = os.environ.get(POLICY_ENV, "")
    if not env:
        return None
    from pathlib import Path  # pathlib stays off the import path of this module

    return Path(env)


def defaults_result() -> PolicyResult:
    """What a repository without a policy file gets."""
    return PolicyResult(
        source=DEFAULTS_SOURCE, policy=Policy(), errors=(), warnings=(), defaults_used=True
    )


# --------------------------------------------------------------------------------------------
# Go's string functions, as metawsm applies them.

# unicode.IsSpace: ASCII white space, U+0085, U+00A0 and the White_Space property. Python's
# str.strip() also removes U+001C..U+001F, which Go keeps.
_GO_SPACE: Final = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def go_trim(s: str) -> str:
    """Go's ``strings.TrimSpace``."""
    return s.strip(_GO_SPACE)


def _go_lower_rune(c: str) -> str:
    if c == "\u0130":  # simple lower case of İ is plain i; Python's full mapping adds U+0307
        return "i"
    lowered = c.lower()
    return lowered if len(lowered) == 1 else c


def go_lower(s: str) -> str:
    """Go's ``strings.ToLower``: per-rune simple lower case, no final-sigma rule."""
    if s.isascii():
        return s.lower()
    return "".join(_go_lower_rune(c) for c in s)


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


# --------------------------------------------------------------------------------------------
# Go's net/url.Parse, reduced to what metawsm asks of it: does the URL parse with scheme http
# or https and a non-empty host. Bracketed hosts are checked as Go 1.25 checks them (only an
# IPv6 address, optionally with a %25-escaped zone, may stand in brackets).

_ALNUM: Final = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HEX: Final = frozenset(b"0123456789abcdefABCDEF")
_HOST_OK: Final = _ALNUM | frozenset(b"!$&'()*+,;=:[]<>\"-_.~")
_USERINFO_OK: Final = _ALNUM | frozenset(b"-._:~!$&'()*+,;=%@")


def _unescape_ok(s: bytes, mode: str) -> bool:
    """Go's ``unescape`` error checks for ``mode`` in path, fragment, user, host, zone."""
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == 0x25:  # %
            if i + 2 >= n or s[i + 1] not in _HEX or s[i + 2] not in _HEX:
                return False
            escape = s[i : i + 3]
            if mode == "host" and int(chr(s[i + 1]), 16) < 8 and escape != b"%25":
                return False
            if mode == "zone":
                value = int(escape[1:], 16)
                if escape != b"%25" and value != 0x20 and value not in _HOST_OK:
                    return False
            i += 3
        else:
            if mode in ("host", "zone") and c < 0x80 and c not in _HOST_OK:
                return False
            i += 1
    return True


def _valid_port(port: bytes) -> bool:
    return port == b"" or (port[:1] == b":" and all(0x30 <= b <= 0x39 for b in port[1:]))


def _ipv4_fields_ok(s: bytes) -> bool:
    value = digits = dots = 0
    for i, c in enumerate(s):
        if 0x30 <= c <= 0x39:
            if digits == 1 and value == 0:
                return False
            value = value * 10 + c - 0x30
            digits += 1
            if value > 255:
                return False
        elif c == 0x2E:
            if i == 0 or i == len(s) - 1 or s[i - 1] == 0x2E or dots == 3:
                return False
            dots += 1
            value = digits = 0
        else:
            return False
    return dots == 3


def _ipv6_ok(address: bytes) -> bool:
    """Go's ``netip.ParseAddr`` success for an address that it parses as IPv6."""
    s = address
    cut = s.find(b"%")
    if cut >= 0:
        if cut == len(s) - 1:
            return False
        s = s[:cut]
    ellipsis = -1
    if s[:2] == b"::":
        ellipsis = 0
        s = s[2:]
        if not s:
            return True
    i = 0
    while i < 16:
        off = 0
        while off < len(s) and s[off] in _HEX:
            off += 1
            if off > 4:
                return False
        if off == 0:
            return False
        if off < len(s) and s[off] == 0x2E:
            if (ellipsis < 0 and i != 12) or i + 4 > 16 or not _ipv4_fields_ok(s):
                return False
            s = b""
            i += 4
            break
        i += 2
        s = s[off:]
        if not s:
            break
        if s[0] != 0x3A or len(s) == 1:
            return False
        s = s[1:]
        if s[0] == 0x3A:
            if ellipsis >= 0:
                return False
            ellipsis = i
            s = s[1:]
            if not s:
                break
    if s:
        return False
    if i < 16:
        return ellipsis >= 0
    return ellipsis < 0


def _ip_literal_ok(address: bytes) -> bool:
    """``netip.ParseAddr(address)`` succeeds and is not IPv4."""
    for c in address:
        if c == 0x2E:  # parsed as IPv4: either an error or an IPv4 address, both rejected
            return False
        if c == 0x3A:
            return _ipv6_ok(address)
        if c == 0x25:
            return False
    return False


def _host_ok(host: bytes) -> bool:
    """Go's ``parseHost`` succeeds and yields a non-empty host."""
    open_bracket = host.rfind(b"[")
    if open_bracket >= 0:
        close_bracket = host.rfind(b"]")
        if close_bracket < 0:
            return False
        colon_port = host[close_bracket + 1 :]
        if not _valid_port(colon_port) or not _unescape_ok(colon_port, "host"):
            return False
        hostname = host[open_bracket + 1 : close_bracket]
        zone = hostname.find(b"%25")
        if zone >= 0:
            if not _unescape_ok(hostname[:zone], "host"):
                return False
            if not _unescape_ok(hostname[zone:], "zone"):
                return False
            unescaped = _percent_decode(hostname[:zone]) + _percent_decode(hostname[zone:])
        else:
            if not _unescape_ok(hostname, "host"):
                return False
            unescaped = _percent_decode(hostname)
        return _ip_literal_ok(unescaped)
    colon = host.rfind(b":")
    if colon >= 0 and not _valid_port(host[colon:]):
        return False
    return _unescape_ok(host, "host") and host != b""


def _percent_decode(s: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == 0x25:
            out.append(int(s[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(s[i])
            i += 1
    return bytes(out)


def is_http_url(raw: str) -> bool:
    """metawsm's endpoint URL test: ``url.Parse`` succeeds, the scheme (lower-cased) is http or
    https and the host is not empty. ``raw`` is taken as given (metawsm trims it first)."""
    data = raw.encode("utf-8", "surrogatepass")
    before_fragment, hash_sign, fragment = data.partition(b"#")
    if any(b < 0x20 or b == 0x7F for b in before_fragment):
        return False
    colon = -1
    for i, c in enumerate(before_fragment):
        if c in _ALNUM and not (i == 0 and 0x30 <= c <= 0x39):
            continue
        if c in b"+-." and i > 0:
            continue
        if c == 0x3A and i > 0:
            colon = i
        break
    if colon < 0 or before_fragment[:colon].lower() not in (b"http", b"https"):
        return False
    rest = before_fragment[colon + 1 :]
    # Go: a single trailing "?" is an empty forced query, else the query starts at the first "?"
    single_trailing = rest.endswith(b"?") and rest.count(b"?") == 1
    rest = rest[:-1] if single_trailing else rest.partition(b"?")[0]
    if not rest.startswith(b"//"):
        return False
    authority, slash, path = rest[2:].partition(b"/")
    at = authority.rfind(b"@")
    if not _host_ok(authority[at + 1 :]):
        return False
    if at >= 0:
        userinfo = authority[:at]
        if not _valid_userinfo(userinfo):
            return False
        for part in userinfo.split(b":", 1):
            if not _unescape_ok(part, "user"):
                return False
    if not _unescape_ok(slash + path, "path"):
        return False
    return not hash_sign or _unescape_ok(fragment, "fragment")


def _valid_userinfo(userinfo: bytes) -> bool:
    return all(c in _USERINFO_OK for c in userinfo)


# --------------------------------------------------------------------------------------------
# Decoding: Go's encoding/json rules for decoding into metawsm's Config, over the defaults.
#
# The decoded state mirrors Go's memory: a struct is a dict of field values and a slice is a
# backing list plus a length. Go keeps a slice's backing array when a shorter JSON array cuts
# the slice, so a later duplicate key that lengthens it again finds the old elements there;
# `[]` and `null` drop the backing array.

_STR, _INT, _BOOL, _OBJ, _LIST = range(5)
_INT_MIN: Final = -(2**63)
_INT_MAX: Final = 2**63 - 1


class _Slice:
    __slots__ = ("items", "length")

    def __init__(self, items: list[Any], length: int) -> None:
        self.items = items
        self.length = length


class _Field:
    __slots__ = ("cls", "elem", "kind", "name")

    def __init__(self, name: str, kind: int, elem: int, cls: type | None) -> None:
        self.name = name
        self.kind = kind
        self.elem = elem
        self.cls = cls


class _Struct:
    __slots__ = ("by_fold", "by_name", "fields", "names")

    def __init__(self, spec: list[_Field]) -> None:
        self.fields = spec
        self.names = [f.name for f in spec]
        self.by_name = {f.name: f for f in spec}
        self.by_fold = {_fold_key(f.name): f for f in spec}


_SCALARS: Final = {"str": _STR, "int": _INT, "bool": _BOOL}
_STRUCTS: dict[type, _Struct] = {}


def _struct(cls: type) -> _Struct:
    known = _STRUCTS.get(cls)
    if known is not None:
        return known
    spec: list[_Field] = []
    for f in fields(cls):
        annotation = str(f.type)
        if annotation.startswith("tuple["):
            inner = annotation[len("tuple[") :].split(",")[0].strip()
            if inner in _SCALARS:
                spec.append(_Field(f.name, _LIST, _SCALARS[inner], None))
            else:
                spec.append(_Field(f.name, _LIST, _OBJ, _CLASSES[inner]))
        elif annotation in _SCALARS:
            spec.append(_Field(f.name, _SCALARS[annotation], 0, None))
        else:
            spec.append(_Field(f.name, _OBJ, 0, _CLASSES[annotation]))
    table = _Struct(spec)
    _STRUCTS[cls] = table
    return table


_CLASSES: Final[dict[str, type]] = {
    cls.__name__: cls
    for cls in (
        WorkspacePolicy,
        DocAPIEndpoint,
        DocsAPIPolicy,
        DocsPolicy,
        TmuxPolicy,
        ExecutionPolicy,
        HealthPolicy,
        ClosePolicy,
        LLMPolicy,
        OperatorPolicy,
        ForumTopics,
        ForumRedis,
        ForumSLA,
        ForumDocsSync,
        ForumPolicy,
        ReviewFeedbackPolicy,
        GitPRPolicy,
        RunnerOptions,
        AgentProfile,
        Agent,
        HooksSettings,
        Policy,
    )
}


def _fold_key(key: str) -> str:
    """A key under Go's case-insensitive field matching (``bytes.EqualFold``).

    Every rune maps to the smallest rune of its simple case-folding orbit. The only non-ASCII
    runes whose orbit holds an ASCII letter are the Kelvin sign (k) and the long s (s); others
    fold to non-ASCII runes, which can never match metawsm's ASCII field names, so they are
    kept as they are.
    """
    if key.isascii():
        return key.upper()
    return "".join(_FOLD_SPECIAL.get(c, c.upper() if c.isascii() else c) for c in key)


_FOLD_SPECIAL: Final = {"\u212a": "K", "\u017f": "S"}


def _state_of(value: Any) -> Any:
    """Go-memory state of a dataclass value (used for the defaults)."""
    if isinstance(value, tuple):
        items = [_state_of(item) for item in value]
        return _Slice(items, len(items))
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _state_of(getattr(value, f.name)) for f in fields(value)}
    return value


def _zero(kind: int, cls: type | None) -> Any:
    if kind == _STR:
        return ""
    if kind == _INT:
        return 0
    if kind == _BOOL:
        return False
    if kind == _LIST:
        return _Slice([], 0)
    assert cls is not None
    return {f.name: _zero(f.kind, f.cls) for f in _struct(cls).fields}


def _build(cls: type, state: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for f in _struct(cls).fields:
        value = state[f.name]
        if f.kind == _OBJ:
            assert f.cls is not None
            value = _build(f.cls, value)
        elif f.kind == _LIST:
            visible = value.items[: value.length]
            if f.elem == _OBJ:
                assert f.cls is not None
                cls_ = f.cls
                value = tuple(_build(cls_, item) for item in visible)
            else:
                value = tuple(visible)
        kwargs[f.name] = value
    return cls(**kwargs)


_KIND_WORDS: Final = {
    _STR: "a string",
    _INT: "an integer",
    _BOOL: "true or false",
    _OBJ: "an object",
}
_NODE_WORDS: Final = {
    gojson.OBJECT: "an object",
    gojson.ARRAY: "a list",
    gojson.STRING: "a string",
    gojson.NUMBER: "a number",
    gojson.BOOL: "a boolean",
    gojson.NULL: "null",
}


def _join(path: str, key: str) -> str:
    if key.isascii() and key.replace("_", "a").replace("-", "a").isalnum():
        return f"{path}.{key}" if path else key
    import json

    return f"{path}[{json.dumps(key)}]"


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rfind("[")]
    cut = path.rfind(".")
    return path[:cut] if cut > 0 else ""


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.columns = gojson.Columns(data)
        self.type_errors: list[Finding] = []  # metawsm cannot load the file
        self.hook_problems: list[Finding] = []  # inside the hooks block
        self.unknown: list[Finding] = []
        self.notes: list[Finding] = []  # duplicate keys
        self.nodes: dict[str, gojson.Node] = {}  # the node that last set each path
        self.beneath: dict[str, list[str]] = {}  # list path -> paths recorded under it

    def at(self, path: str, message: str, where: gojson.Node | gojson.Member) -> Finding:
        return Finding(path, message, where.line, self.columns.of(where.line_start, where.offset))

    def decode_root(self, root: gojson.Node, state: dict[str, Any]) -> None:
        if root.kind == gojson.OBJECT:
            self.decode_struct(root, Policy, state, "", (), self.type_errors)
        elif root.kind != gojson.NULL:  # Go leaves the defaults alone for a top-level null
            word = _NODE_WORDS[root.kind]
            message = f"the policy must be a JSON object, not {word}"
            self.type_errors.append(self.at("", message, root))

    def decode_struct(
        self,
        node: gojson.Node,
        cls: type,
        state: dict[str, Any],
        path: str,
        lists: tuple[str, ...],
        sink: list[Finding],
    ) -> None:
        table = _struct(cls)
        seen: dict[str, int] = {}
        for member in node.members:
            f = table.by_name.get(member.key) or table.by_fold.get(_fold_key(member.key))
            if f is None:
                self.unknown_key(member, table.names, path, sink)
                continue
            field_path = _join(path, f.name)
            if f.name in seen:
                message = (
                    f'"{f.name}" is set more than once in this object (first at line '
                    f"{seen[f.name]}); metawsm applies them in order, so the last one wins"
                )
                self.notes.append(self.at(field_path, message, member))
            else:
                seen[f.name] = member.line
            target_sink = self.hook_problems if cls is Policy and f.name == "hooks" else sink
            self.decode_value(
                member.value, f, f.kind, state, f.name, field_path, lists, target_sink
            )

    def unknown_key(
        self, member: gojson.Member, names: list[str], path: str, sink: list[Finding]
    ) -> None:
        import difflib

        close = difflib.get_close_matches(member.key.lower(), names, n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        if sink is self.hook_problems or path.startswith("hooks"):
            ignored = "it is ignored"
        else:
            ignored = "metawsm ignores it"
        message = f'unknown key "{member.key}"{hint}; {ignored}'
        self.unknown.append(self.at(_join(path, member.key), message, member))

    def decode_value(
        self,
        node: gojson.Node,
        f: _Field,
        kind: int,
        container: Any,
        slot: Any,
        path: str,
        lists: tuple[str, ...],
        sink: list[Finding],
    ) -> None:
        """Decode ``node`` into ``container[slot]``, of ``kind`` (``f.kind``, or ``f.elem`` for
        an element of the list field ``f``); ``lists`` are the enclosing list paths."""
        self.nodes[path] = node
        for owner in lists:
            self.beneath.setdefault(owner, []).append(path)
        got = node.kind
        if got == gojson.NULL:
            # Go: null empties a slice and leaves every other kind as it was.
            if kind == _LIST:
                self.reset(container[slot], path)
            return
        if kind == _OBJ:
            if got == gojson.OBJECT:
                assert f.cls is not None
                self.decode_struct(node, f.cls, container[slot], path, lists, sink)
                return
        elif kind == _LIST:
            if got == gojson.ARRAY:
                self.decode_array(node, f, container[slot], path, (*lists, path), sink)
                return
        elif kind == _STR:
            if got == gojson.STRING:
                container[slot] = node.text
                return
        elif kind == _BOOL:
            if got == gojson.BOOL:
                container[slot] = node.flag
                return
        elif got == gojson.NUMBER:
            text = node.text
            if "." in text or "e" in text or "E" in text:
                message = f"must be a whole number, not {text}"
            else:
                number = int(text)
                if _INT_MIN <= number <= _INT_MAX:
                    container[slot] = number
                    return
                message = f"{text} does not fit in a 64-bit integer"
            sink.append(self.at(path, message, node))
            return
        if kind == _LIST:
            expected = "a list of objects" if f.elem == _OBJ else "a list of strings"
        else:
            expected = _KIND_WORDS[kind]
        message = f"must be {expected}, not {_NODE_WORDS[got]}"
        sink.append(self.at(path, message, node))

    def decode_array(
        self,
        node: gojson.Node,
        f: _Field,
        target: _Slice,
        path: str,
        lists: tuple[str, ...],
        sink: list[Finding],
    ) -> None:
        elements = node.items
        if not elements:
            self.reset(target, path)
            return
        for i, element in enumerate(elements):
            if i >= len(target.items):
                target.items.append(_zero(f.elem, f.cls))
            if i >= target.length:
                target.length = i + 1
            self.decode_value(element, f, f.elem, target.items, i, f"{path}[{i}]", lists, sink)
        if len(elements) < target.length:
            target.length = len(elements)

    def reset(self, target: _Slice, path: str) -> None:
        """Go drops the backing array: forget the lines recorded for its old elements."""
        target.items = []
        target.length = 0
        for recorded in self.beneath.pop(path, ()):
            self.nodes.pop(recorded, None)

    def locate(self, path: str) -> tuple[int | None, int | None]:
        """Line and column of the value that set ``path``, else of its nearest set ancestor."""
        probe = path
        while probe:
            node = self.nodes.get(probe)
            if node is not None:
                return node.line, self.columns.of(node.line_start, node.offset)
            probe = _parent(probe)
        return None, None


# --------------------------------------------------------------------------------------------
# metawsm's Validate, reporting every broken rule instead of the first.


def _rule_findings(p: Policy) -> Iterator[tuple[str, str]]:
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


def _checked_hooks(raw: HooksSettings, problem: Callable[[str, str], None]) -> HooksSettings:
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


def _evaluate(data: bytes, *, source: str, strict: bool) -> PolicyResult:
    try:
        root = gojson.parse(data)
    except gojson.GoJSONError as exc:
        finding = Finding("", f"invalid JSON: {exc.message}", exc.line, exc.column)
        return PolicyResult(source, None, (finding,), (), defaults_used=False)

    decoder = _Decoder(data)
    state = _state_of(Policy())
    decoder.decode_root(root, state)
    decoded: Policy = _build(Policy, state)

    def located(path: str, message: str) -> Finding:
        line, column = decoder.locate(path)
        return Finding(path, message, line, column)

    rule_errors = [located(path, message) for path, message in _rule_findings(decoded)]
    hook_findings = list(decoder.hook_problems)
    hooks = _checked_hooks(
        decoded.hooks, lambda path, message: hook_findings.append(located(path, message))
    )
    policy = replace(decoded, hooks=hooks)

    errors = decoder.type_errors + rule_errors
    warnings = list(decoder.notes)
    if strict:
        errors += decoder.unknown + hook_findings
    else:
        warnings += decoder.unknown + hook_findings
    warnings.sort(key=lambda f: (f.line or 0, f.column or 0))
    return PolicyResult(source, policy, tuple(errors), tuple(warnings), defaults_used=False)


# --------------------------------------------------------------------------------------------
# Loading, with a cache of validated results keyed by the file's bytes.


def _cache_dir() -> str:
    explicit = os.environ.get("METAWSM_CACHE_DIR")
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return os.path.join(xdg, "metawsm-hooks")
    return os.path.join(os.path.expanduser("~"), ".cache", "metawsm-hooks")


_code_stamp: bytes | None = None


def _code_fingerprint() -> bytes:
    """Changes whenever this module or the JSON reader changes, so stale results are never used."""
    global _code_stamp
    if _code_stamp is None:
        parts = [__version__]
        for module_file in (__file__, gojson.__file__):
            try:
                st = os.stat(module_file)
                parts.append(f"{st.st_size}:{st.st_mtime_ns}")
            except (OSError, TypeError):
                parts.append("?")
        _code_stamp = "|".join(parts).encode()
    return _code_stamp


def _first_module(*names: str) -> Any:
    """The first importable module of ``names``: the C accelerators come first, because hashlib
    (OpenSSL) and pickle take about a millisecond each to import, several times a cache hit."""
    for name in names[:-1]:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return importlib.import_module(names[-1])


def _cache_file(data: bytes, strict: bool) -> str:
    sha = _first_module("_sha2" if sys.version_info >= (3, 12) else "_sha256", "hashlib")
    digest = sha.sha256()
    digest.update(b"metawsm-hooks policy v1\0")
    digest.update(_code_fingerprint())
    digest.update(b"\0strict\0" if strict else b"\0lenient\0")
    digest.update(data)
    return os.path.join(_cache_dir(), "policy", f"{digest.hexdigest()}.pickle")


def _cache_read(path: str) -> PolicyResult | None:
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
        result = _first_module("_pickle", "pickle").loads(blob)
    except Exception:  # a missing, unreadable or corrupt cache entry is just a miss
        return None
    return result if isinstance(result, PolicyResult) else None


def _cache_write(path: str, result: PolicyResult) -> None:
    temp = f"{path}.{os.getpid()}.{id(result):x}.tmp"
    try:
        import pickle

        blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, blob)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except Exception:  # the cache only saves time; failing to write it changes nothing
        with contextlib.suppress(OSError):
            os.unlink(temp)


def load_policy_bytes(data: bytes, *, source: str, strict: bool = False) -> PolicyResult:
    """Load and validate a policy from its bytes; never raises for bad content."""
    data = bytes(data)
    cache_path = _cache_file(data, strict)
    cached = _cache_read(cache_path)
    if cached is not None:
        return cached if cached.source == source else replace(cached, source=source)
    result = _evaluate(data, source=source, strict=strict)
    _cache_write(cache_path, result)
    return result


def _unreadable(source: str, message: str) -> PolicyResult:
    return PolicyResult(source, None, (Finding("", message),), (), defaults_used=False)


def load_policy_path(path: Path, *, strict: bool = False, missing_ok: bool = True) -> PolicyResult:
    """Load the policy file at ``path``. A missing file means the defaults when ``missing_ok``
    (as in metawsm), else an error. Directories, fifos, devices, unreadable files and files over
    5 MiB give an error finding; nothing here blocks or reads an oversized file."""
    source = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if missing_ok:
            return defaults_result()
        return _unreadable(source, "file not found")
    except OSError as exc:
        return _unreadable(source, f"cannot read the policy file: {exc.strerror or exc}")
    problem = _file_type_problem(st)
    if problem:
        return _unreadable(source, problem)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    chunks: list[bytes] = []
    try:
        fd = os.open(path, flags)
        try:
            # The path may have been swapped since the stat; judge what was actually opened.
            problem = _file_type_problem(os.fstat(fd))
            if problem:
                return _unreadable(source, problem)
            remaining = MAX_POLICY_BYTES + 1
            while remaining > 0:
                chunk = os.read(fd, min(remaining, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        return _unreadable(source, f"cannot read the policy file: {exc.strerror or exc}")
    data = b"".join(chunks)
    if len(data) > MAX_POLICY_BYTES:
        return _unreadable(source, _too_large(len(data)))
    return load_policy_bytes(data, source=source, strict=strict)


def _file_type_problem(st: os.stat_result) -> str | None:
    if stat.S_ISDIR(st.st_mode):
        return "is a directory, not a policy file"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file (a fifo, socket or device cannot be a policy file)"
    if st.st_size > MAX_POLICY_BYTES:
        return _too_large(st.st_size)
    return None


def _too_large(size: int) -> str:
    return f"is larger than 5 MiB ({size} bytes or more); a policy file is a few kilobytes"


# --------------------------------------------------------------------------------------------
# JSON Schema for editors.

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
                prop["maximum"] = _INT_MAX
    schema["properties"]["agent_profiles"]["minItems"] = 1
    schema["properties"]["agents"]["minItems"] = 1
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "metawsm policy"
    return {"$schema": schema.pop("$schema"), **schema}
