"""Onboarding a repository: the hook scripts (``scripts``), the default policy (``init``) and
the setup checks (``doctor``)."""
