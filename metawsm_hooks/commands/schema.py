"""``schema``: print the policy's JSON Schema."""

from __future__ import annotations

import json

from metawsm_hooks.errors import EXIT_PASS
from metawsm_hooks.output import Output


def schema(out: Output) -> int:
    from metawsm_hooks.policy.schema_export import json_schema

    out.raw(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return EXIT_PASS
