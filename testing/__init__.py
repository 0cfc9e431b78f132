"""Helpers the tests share: real git in temporary folders and the real console script.

Importable from the project root (pytest's ``pythonpath``); not part of the wheel."""
