"""Coding agents as users: the PreToolUse guard in front of an agent's shell, the agent hook
files it is installed into, and who ran a hook (an agent or a person).

Nothing is imported here: the guard runs on every tool call an agent makes, and its cost for a
command that is not git is the cost of starting Python and reading the call.
"""
