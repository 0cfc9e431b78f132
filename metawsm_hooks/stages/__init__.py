"""The hook stages, one module per entry, each starting git early in one commented place and
importing the rest after: ``commit`` (pre-commit, enforced in ``commit_run``), ``message``
(prepare-commit-msg, commit-msg), ``push`` (pre-push, pre-receive, ci; enforced in
``push_run``). ``options`` and ``push_input`` are leaves; ``common`` is what they share."""
