"""Loading a policy: from a file (bounded, never blocking), from bytes (through the cache), or
the built-in defaults when there is no file."""

from __future__ import annotations

import os
import stat

from metawsm_hooks.constants import POLICY_ENV
from metawsm_hooks.policy.cache import cache_file, cache_read, cache_write
from metawsm_hooks.policy.result import Finding, PolicyResult
from metawsm_hooks.policy.schema import Policy
from metawsm_hooks.policy.struct import replace

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing and pathlib cost a measurable share of a hook's start-up
    from pathlib import Path
    from typing import Final

MAX_POLICY_BYTES: Final = 5 * 1024 * 1024
DEFAULTS_SOURCE: Final = "built-in defaults"


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


def _evaluate(data: bytes, *, source: str, strict: bool) -> PolicyResult:
    # Only a cache miss decodes and validates: a hook that saw this policy before never imports
    # the JSON reader or the rules.
    from metawsm_hooks.golang import encoding_json
    from metawsm_hooks.policy.decode import Decoder, build, state_of
    from metawsm_hooks.policy.rules import checked_hooks, pattern_warnings, rule_findings

    try:
        root = encoding_json.parse(data)
    except encoding_json.GoJSONError as exc:
        finding = Finding("", f"invalid JSON: {exc.message}", exc.line, exc.column)
        return PolicyResult(source, None, (finding,), (), defaults_used=False)

    decoder = Decoder(data)
    state = state_of(Policy())
    decoder.decode_root(root, state)
    decoded: Policy = build(Policy, state)

    def located(path: str, message: str) -> Finding:
        line, column = decoder.locate(path)
        return Finding(path, message, line, column)

    rule_errors = [located(path, message) for path, message in rule_findings(decoded)]
    hook_findings = list(decoder.hook_problems)
    hooks = checked_hooks(
        decoded.hooks, lambda path, message: hook_findings.append(located(path, message))
    )
    policy = replace(decoded, hooks=hooks)

    errors = decoder.type_errors + rule_errors
    warnings = list(decoder.notes)
    # Accepted by metawsm, matching nothing: a warning whatever --strict says about unknown keys.
    warnings += [located(path, message) for path, message in pattern_warnings(decoded)]
    if strict:
        errors += decoder.unknown + hook_findings
    else:
        warnings += decoder.unknown + hook_findings
    warnings.sort(key=lambda f: (f.line or 0, f.column or 0))
    return PolicyResult(source, policy, tuple(errors), tuple(warnings), defaults_used=False)


def load_policy_bytes(data: bytes, *, source: str, strict: bool = False) -> PolicyResult:
    """Load and validate a policy from its bytes; never raises for bad content."""
    data = bytes(data)
    cache_path = cache_file(data, strict)
    cached = cache_read(cache_path)
    if cached is not None:
        return cached if cached.source == source else replace(cached, source=source)
    result = _evaluate(data, source=source, strict=strict)
    cache_write(cache_path, result)
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
