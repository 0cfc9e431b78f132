"""``pre-commit``: the branch and the required checks over the index being committed. This module
starts git on the staged changes and only then loads the rest (``commit_run``)."""

from __future__ import annotations

from metawsm_hooks.constants import HOME_CONFIG_KEY
from metawsm_hooks.stages.options import index_file_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from metawsm_hooks.output import Output
    from metawsm_hooks.stages.options import StageOptions


def pre_commit(options: StageOptions, out: Output) -> int:
    from metawsm_hooks.git.repository import Repository

    repo = Repository.discover(options.cwd)
    index_file = index_file_of(options)
    # Starts git on the staged changes, the author identity (the audit's actor) and the
    # metawsm home setting; the policy, store and checks load meanwhile.
    source = repo.index_source(index_file=index_file)
    repo.start_identity()
    repo.start_config(HOME_CONFIG_KEY)
    from metawsm_hooks.stages.commit_run import enforce_commit

    return enforce_commit(options, out, repo, source, index_file)
