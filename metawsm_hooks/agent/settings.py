"""The agents' own hook files: the guard merged into Claude Code's ``.claude/settings.json`` and
Codex's ``.codex/config.toml`` of a repository, taken out again, and reported on.

Formats (source: the hook documentation of Claude Code and of Codex): both run a command hook
for the ``PreToolUse`` event whose ``matcher`` names the shell tool (``Bash`` in both), with the
tool call as JSON on stdin.

- Claude Code, JSON: ``{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type":
  "command", "command": "…", "timeout": 30}]}]}}``.
- Codex, TOML: ``[[hooks.PreToolUse]]`` with ``matcher = "Bash"`` and a
  ``[[hooks.PreToolUse.hooks]]`` table ``type = "command"``, ``command``, ``timeout``,
  ``statusMessage``.

Merging keeps everything of the user's, in its order (TOML through ``tomlkit``, which keeps
comments and layout); installing twice changes nothing; uninstalling removes exactly the
entries (and the containers left empty) that install added. The guard's command is an absolute
path, because Codex runs hooks through the user's login shell whose PATH may lack the
virtualenv the tool lives in.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from metawsm_hooks.constants import AGENTS, NEW_FILE_SUFFIX
from metawsm_hooks.errors import FatalError

if TYPE_CHECKING:
    from metawsm_hooks.onboard.doctor import DoctorCheck

GUARD_COMMAND = ("agent", "pre-tool-use")
EVENT = "PreToolUse"
MATCHER = "Bash"
TIMEOUT_SECONDS = 30
STATUS_MESSAGE = "metawsm-hooks: checking the command against the repository's policy"
SETTINGS_FILES = {
    "claude": Path(".claude") / "settings.json",
    "codex": Path(".codex") / "config.toml",
}


class AgentHookState(NamedTuple):
    """What a repository's hook file for ``agent`` holds: ``installed`` (our entry is there),
    the ``command`` it runs ('' when not installed) and whether that command's program exists."""

    agent: str
    path: Path
    installed: bool
    command: str
    runnable: bool


def guard_command(agent: str, cli: Sequence[str]) -> str:
    """The shell command the agent runs: ``cli`` (absolute words that start metawsm-hooks)
    followed by ``agent pre-tool-use --agent AGENT``, quoted for any POSIX shell."""
    return shlex.join([*cli, *GUARD_COMMAND, "--agent", agent])


def is_ours(command: object, agent: str) -> bool:
    """Whether a hook's command is the guard for ``agent`` (whatever path it was written with)."""
    if not isinstance(command, str):
        return False
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    tail = [*GUARD_COMMAND, "--agent", agent]
    return len(words) > len(tail) and words[-len(tail) :] == tail and "metawsm" in command


def settings_path(root: Path, agent: str) -> Path:
    _check_agent(agent)
    return root / SETTINGS_FILES[agent]


def _check_agent(agent: str) -> None:
    if agent not in AGENTS:
        raise FatalError(f"unknown agent {agent!r}: choose from {', '.join(AGENTS)}")


def install(root: Path, agent: str, cli: Sequence[str]) -> str:
    """Merge the guard into ``root``'s hook file for ``agent``; returns one message."""
    path = settings_path(root, agent)
    command = guard_command(agent, cli)
    text = _read(path)
    if agent == "claude":
        new_text, changed = _claude_install(text, command, path)
    else:
        new_text, changed = _codex_install(text, command, path)
    if changed == "same":
        return f"{path} is up to date (runs {command})"
    _write(path, new_text)
    return (
        f"{'updated' if changed == 'updated' else 'added'} the {agent} PreToolUse guard in {path}"
    )


def uninstall(root: Path, agent: str) -> str:
    """Take the guard out of ``root``'s hook file for ``agent``; returns one message."""
    path = settings_path(root, agent)
    text = _read(path)
    if text is None:
        return f"no {path}; nothing to remove"
    if agent == "claude":
        new_text, removed = _claude_uninstall(text, path)
    else:
        new_text, removed = _codex_uninstall(text, path)
    if not removed:
        return f"no metawsm-hooks guard in {path}"
    if new_text is None:
        _remove(path)
        return f"removed {path} (it held only the metawsm-hooks guard)"
    _write(path, new_text)
    return f"removed the {agent} PreToolUse guard from {path}"


def state(root: Path, agent: str) -> AgentHookState:
    """Whether the guard is in ``root``'s hook file for ``agent``, and can run."""
    path = settings_path(root, agent)
    text = _read(path)
    commands: list[str] = []
    if text is not None:
        try:
            commands = (
                _claude_commands(text, path) if agent == "claude" else _codex_commands(text, path)
            )
        except FatalError:
            commands = []
    ours = [c for c in commands if is_ours(c, agent)]
    if not ours:
        return AgentHookState(agent, path, False, "", False)
    program = shlex.split(ours[0])[0]
    runnable = os.path.isabs(program) and os.access(program, os.X_OK)
    return AgentHookState(agent, path, True, ours[0], runnable)


# --- files ------------------------------------------------------------------------------------


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        raise FatalError(f"{path} is not UTF-8 text; fix or move it, then retry") from exc
    except OSError as exc:
        raise FatalError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _write(path: Path, text: str) -> None:
    """Replace ``path`` atomically (a temporary file in its folder, then a rename)."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=NEW_FILE_SUFFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            if path.exists():
                os.chmod(tmp, path.stat().st_mode & 0o7777)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise FatalError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _remove(path: Path) -> None:
    try:
        path.unlink()
        path.parent.rmdir()  # only when install created the folder and nothing else is in it
    except OSError:
        pass


# --- Claude Code: JSON ------------------------------------------------------------------------


def _claude_load(text: str | None, path: Path) -> dict[str, Any]:
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise FatalError(f"{path} is not valid JSON ({exc}); fix it, then retry") from exc
    if not isinstance(data, dict):
        raise FatalError(f"{path} does not hold a JSON object; fix it, then retry")
    return data


def _claude_dump(data: dict[str, Any], text: str | None) -> str:
    indent = _json_indent(text)
    return json.dumps(data, indent=indent, ensure_ascii=False) + "\n"


def _json_indent(text: str | None) -> int | str:
    """The indentation the file already uses (2 spaces for a new file)."""
    for line in (text or "").splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and len(stripped) < len(line):
            lead = line[: len(line) - len(stripped)]
            return "\t" if lead.startswith("\t") else len(lead)
    return 2


def _claude_groups(data: dict[str, Any], path: Path, *, create: bool) -> list[Any] | None:
    hooks = data.get("hooks")
    if hooks is None:
        if not create:
            return None
        hooks = data["hooks"] = {}
    if not isinstance(hooks, dict):
        raise FatalError(f"{path}: 'hooks' is not an object; fix it, then retry")
    groups = hooks.get(EVENT)
    if groups is None:
        if not create:
            return None
        groups = hooks[EVENT] = []
    if not isinstance(groups, list):
        raise FatalError(f"{path}: 'hooks.{EVENT}' is not a list; fix it, then retry")
    return groups


def _claude_install(text: str | None, command: str, path: Path) -> tuple[str, str]:
    data = _claude_load(text, path)
    groups = _claude_groups(data, path, create=True)
    assert groups is not None
    agent = "claude"
    for group in groups:
        for hook in group.get("hooks", []) if isinstance(group, dict) else []:
            if isinstance(hook, dict) and is_ours(hook.get("command"), agent):
                if hook.get("command") == command:
                    return text or "", "same"
                hook["command"] = command
                return _claude_dump(data, text), "updated"
    groups.append(
        {
            "matcher": MATCHER,
            "hooks": [{"type": "command", "command": command, "timeout": TIMEOUT_SECONDS}],
        }
    )
    return _claude_dump(data, text), "added"


def _claude_uninstall(text: str, path: Path) -> tuple[str | None, bool]:
    data = _claude_load(text, path)
    groups = _claude_groups(data, path, create=False)
    if groups is None:
        return text, False
    removed = False
    for group in list(groups):
        if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
            continue
        kept = [
            h
            for h in group["hooks"]
            if not (isinstance(h, dict) and is_ours(h.get("command"), "claude"))
        ]
        if len(kept) == len(group["hooks"]):
            continue
        removed = True
        if kept:
            group["hooks"] = kept
        else:
            groups.remove(group)
    if not removed:
        return text, False
    hooks = data["hooks"]
    if not groups:
        del hooks[EVENT]
    if not hooks:
        del data["hooks"]
    return (None if not data else _claude_dump(data, text)), True


def _claude_commands(text: str, path: Path) -> list[str]:
    groups = _claude_groups(_claude_load(text, path), path, create=False) or []
    return [
        str(hook["command"])
        for group in groups
        if isinstance(group, dict) and group.get("matcher") in (MATCHER, "*", "", None)
        for hook in group.get("hooks", [])
        if isinstance(hook, dict) and isinstance(hook.get("command"), str)
    ]


# --- Codex: TOML ------------------------------------------------------------------------------


def _codex_load(text: str | None, path: Path) -> Any:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        return tomlkit.parse(text or "")
    except TOMLKitError as exc:
        raise FatalError(f"{path} is not valid TOML ({exc}); fix it, then retry") from exc


def _codex_groups(doc: Any, path: Path, *, create: bool) -> Any:
    import tomlkit

    hooks: Any = doc.get("hooks")
    if hooks is None:
        if not create:
            return None
        doc.append("hooks", tomlkit.table(is_super_table=True))
        hooks = doc["hooks"]
    if not isinstance(hooks, dict):
        raise FatalError(f"{path}: 'hooks' is not a table; fix it, then retry")
    table: Any = hooks
    groups = table.get(EVENT)
    if groups is None:
        if not create:
            return None
        table.append(EVENT, tomlkit.aot())
        groups = table[EVENT]
    if not isinstance(groups, list):
        raise FatalError(f"{path}: 'hooks.{EVENT}' is not an array of tables; fix it, then retry")
    return groups


def _codex_install(text: str | None, command: str, path: Path) -> tuple[str, str]:
    import tomlkit

    doc = _codex_load(text, path)
    groups = _codex_groups(doc, path, create=True)
    for group in groups:
        for hook in group.get("hooks", []) if isinstance(group, dict) else []:
            if isinstance(hook, dict) and is_ours(hook.get("command"), "codex"):
                if hook.get("command") == command:
                    return text or "", "same"
                hook["command"] = command
                return tomlkit.dumps(doc), "updated"
    handler = tomlkit.table()
    handler.add("type", "command")
    handler.add("command", command)
    handler.add("timeout", TIMEOUT_SECONDS)
    handler.add("statusMessage", STATUS_MESSAGE)
    handlers = tomlkit.aot()
    handlers.append(handler)
    group = tomlkit.table()
    group.add("matcher", MATCHER)
    group.add("hooks", handlers)
    groups.append(group)
    return tomlkit.dumps(doc), "added"


def _codex_uninstall(text: str, path: Path) -> tuple[str | None, bool]:
    import tomlkit

    doc = _codex_load(text, path)
    groups = _codex_groups(doc, path, create=False)
    if groups is None:
        return text, False
    removed = False
    for index in reversed(range(len(groups))):
        group = groups[index]
        handlers = group.get("hooks") if isinstance(group, dict) else None
        if not isinstance(handlers, list):
            continue
        ours = [
            i
            for i, h in enumerate(handlers)
            if isinstance(h, dict) and is_ours(h.get("command"), "codex")
        ]
        if not ours:
            continue
        removed = True
        if len(ours) == len(handlers):
            del groups[index]
        else:
            for i in reversed(ours):
                del handlers[i]
    if not removed:
        return text, False
    hooks = doc["hooks"]
    if len(groups) == 0:
        del hooks[EVENT]
    if len(hooks) == 0:
        del doc["hooks"]
    rendered = tomlkit.dumps(doc)
    return (None if not rendered.strip() else rendered), True


def _codex_commands(text: str, path: Path) -> list[str]:
    groups = _codex_groups(_codex_load(text, path), path, create=False) or []
    found = []
    for group in groups:
        if not isinstance(group, dict) or group.get("matcher") not in (MATCHER, "*", "", None):
            continue
        for hook in group.get("hooks", []):
            if isinstance(hook, dict) and isinstance(hook.get("command"), str):
                found.append(str(hook["command"]))
    return found


def doctor_checks(root: Path) -> list[DoctorCheck]:
    """One doctor line per agent: the guard is in place and runnable, or how to install it.
    An agent hook that is not installed passes (not every repository is worked on by agents)."""
    from metawsm_hooks.onboard.doctor import DoctorCheck

    checks = []
    for agent in AGENTS:
        found = state(root, agent)
        name = f"agent hook {agent}"
        fix = f"run: metawsm-hooks install --agent {agent}"
        if not found.installed:
            checks.append(DoctorCheck(name, True, f"not installed in {found.path} ({fix})"))
        elif not found.runnable:
            checks.append(
                DoctorCheck(
                    name,
                    False,
                    f"{found.path} runs {found.command}, which is not an executable here",
                    fix,
                )
            )
        else:
            checks.append(DoctorCheck(name, True, f"{found.path} runs {found.command}"))
    return checks
