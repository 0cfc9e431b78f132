"""Who started a hook: a coding agent or a person, from the markers agents leave in the
environment of the commands they run.

Markers, first match wins:

| variable | set by | actor |
|---|---|---|
| ``METAWSM_AGENT`` | metawsm (or the user) for an agent's session | agent named by its value |
| ``METAWSM_RUN_ID`` | metawsm, for the commands of a run | agent ``metawsm`` |
| ``CLAUDECODE`` (``1``) | Claude Code, in every shell command it runs | agent ``claude`` |
| ``CODEX_THREAD_ID``, ``CODEX_SANDBOX``, ``CODEX_SANDBOX_NETWORK_DISABLED``, ``CODEX_CI`` |
  Codex, in the shells it spawns (``CODEX_CI`` in Codex cloud) | agent ``codex`` |

Nothing set means a person. Pure and cheap: nothing but ``records`` and ``constants`` is
imported.
"""

from __future__ import annotations

from metawsm_hooks.constants import AGENT_ENV, RUN_ID_ENV
from metawsm_hooks.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs a measurable share of a hook's start-up; annotations only
    from collections.abc import Mapping

AGENT = "agent"
PERSON = "person"
_CODEX_MARKERS = ("CODEX_THREAD_ID", "CODEX_SANDBOX", "CODEX_SANDBOX_NETWORK_DISABLED", "CODEX_CI")


class Actor(Record):
    kind: str  # "agent" or "person"
    agent: str  # the agent's name ('' for a person)

    @property
    def is_agent(self) -> bool:
        return self.kind == AGENT

    def describe(self) -> str:
        return f"agent {self.agent}" if self.is_agent else PERSON


def actor_from(environ: Mapping[str, str]) -> Actor:
    """The actor ``environ`` (normally ``os.environ``) says started this process."""
    named = environ.get(AGENT_ENV, "").strip()
    if named:
        return Actor(AGENT, named)
    if environ.get(RUN_ID_ENV, "").strip():
        return Actor(AGENT, "metawsm")
    if environ.get("CLAUDECODE", "").strip() not in ("", "0"):
        return Actor(AGENT, "claude")
    if any(environ.get(name, "").strip() for name in _CODEX_MARKERS):
        return Actor(AGENT, "codex")
    return Actor(PERSON, "")
