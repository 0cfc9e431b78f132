"""``validate``: check policy files against metawsm's rules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from metawsm_hooks.commands.common import explicit_policy, find_repository, resolved_policy
from metawsm_hooks.errors import EXIT_BLOCKED, EXIT_PASS, FatalError
from metawsm_hooks.output import Output


def validate(out: Output, paths: Sequence[Path], *, strict: bool, policy: Path | None) -> int:
    """Validate ``paths`` (default: the policy the hooks use here, resolved as they resolve it);
    1 when any is invalid."""
    from metawsm_hooks.layout import NAMED, ResolvedPolicy
    from metawsm_hooks.policy import load_policy_path
    from metawsm_hooks.stages.common import policy_json, show_policy

    if paths:
        resolved = []
        for path in paths:
            result = load_policy_path(path, strict=strict, missing_ok=False)
            resolved.append(ResolvedPolicy(result, NAMED, path, f"{result.source} (named)"))
    else:
        repo = None
        if explicit_policy(policy) is None:
            repo = find_repository()
            if repo.is_bare:
                raise FatalError(
                    "a bare repository has no policy file to validate; name one: validate PATH"
                )
        resolved = [resolved_policy(policy, strict=strict, repo=repo)]
    if out.json_mode:
        files = []
        for item in resolved:
            doc = policy_json(item)
            out.note(f"policy: {item.described}")
            files.append(
                {
                    "path": item.result.source,
                    "kind": item.kind,
                    "valid": doc["valid"],
                    "errors": doc["errors"],
                    "warnings": doc["warnings"],
                }
            )
        out.document({"files": files})
    else:
        for item in resolved:
            result = item.result
            show_policy(out, item)
            if result.valid:
                extra = (
                    f" ({len(result.warnings)} warning{'s' if len(result.warnings) != 1 else ''})"
                )
                out.line(f"{result.source}: valid{extra if result.warnings else ''}")
            else:
                count = len(result.errors)
                out.line(f"{result.source}: invalid ({count} problem{'s' if count != 1 else ''})")
    return EXIT_PASS if all(item.result.valid for item in resolved) else EXIT_BLOCKED
