"""Enforce a repository's metawsm policy in git hooks."""

from __future__ import annotations

__version__ = "0.1.0"
