"""The commands behind the command line, one module each: typed arguments in, exit code out.
``metawsm_hooks.main`` parses and dispatches; nothing here imports it."""
