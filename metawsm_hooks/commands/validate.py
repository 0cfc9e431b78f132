"""``validate``: check policy files against metawsm's rules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from metawsm_hooks.commands.common import explicit_policy, find_repository
from metawsm_hooks.errors import EXIT_BLOCKED, EXIT_PASS, FatalError
from metawsm_hooks.output import Output


def validate(out: Output, paths: Sequence[Path], *, strict: bool, policy: Path | None) -> int:
    """Validate ``paths`` (default: the named policy, else the repository's); 1 when any is
    invalid."""
    from metawsm_hooks.constants import POLICY_RELPATH
    from metawsm_hooks.policy import load_policy_path
    from metawsm_hooks.stages.common import policy_json, show_policy

    if paths:
        results = [load_policy_path(path, strict=strict, missing_ok=False) for path in paths]
    else:
        explicit = explicit_policy(policy)
        if explicit is not None:
            results = [load_policy_path(explicit, strict=strict, missing_ok=False)]
        else:
            repo = find_repository()
            if repo.workdir is None:
                raise FatalError(
                    "a bare repository has no policy file to validate; name one: validate PATH"
                )
            results = [
                load_policy_path(repo.workdir / POLICY_RELPATH, strict=strict, missing_ok=True)
            ]
    if out.json_mode:
        files = []
        for result in results:
            doc = policy_json(result)
            files.append(
                {
                    "path": result.source,
                    "valid": doc["valid"],
                    "errors": doc["errors"],
                    "warnings": doc["warnings"],
                }
            )
            if result.defaults_used:
                out.note(f"no {POLICY_RELPATH} found; metawsm's built-in defaults apply")
        out.document({"files": files})
    else:
        for result in results:
            show_policy(out, result)
            if result.valid:
                extra = (
                    f" ({len(result.warnings)} warning{'s' if len(result.warnings) != 1 else ''})"
                )
                out.line(f"{result.source}: valid{extra if result.warnings else ''}")
            else:
                count = len(result.errors)
                out.line(f"{result.source}: invalid ({count} problem{'s' if count != 1 else ''})")
    return EXIT_PASS if all(r.valid for r in results) else EXIT_BLOCKED
