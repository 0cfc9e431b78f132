"""The repository as the hooks see it: discovery, HEAD, the changes being committed or pushed, the
trees they come from, the working tree's status, temporary checkouts.

``repository.Repository`` is what the rest of the package uses; behind it, ``discovery`` finds
the repository, ``refs`` reads HEAD and lists pushed commits, ``tree`` reads trees and the index,
``worktree`` asks about the index and the working tree, ``runner`` runs git, ``parse`` turns
git's output into values (pure functions on bytes) and ``types`` holds those values.

Every read goes through git's own plumbing, with paths NUL-separated (``-z``) and decoded with
``os.fsdecode`` so that any name round-trips. Measured (2 cores, git 2.39, libgit2 1.9.7 through
pygit2 1.21) on synthetic repositories built with ``git fast-import``:

=============================================  ===============================  ================
question                                       git plumbing                     pygit2
=============================================  ===============================  ================
staged changes, 100,000 files, 5,000 staged    ``diff-index --cached``: 25 ms   54 ms
paths of 10,000 pushed commits (1,000 files)   ``log --name-status``: 89 ms     1,088 ms
the same over 100,000 files                    ``log --name-status``: 180 ms    ~520 s
temporary checkout of 100,000 files            ``checkout-index``: 1.3 s        8.6 s
one file of HEAD / of the index                ``cat-file``: 1 ms / 6 ms        (import: 40 ms)
=============================================  ===============================  ================

Baselines on the same repositories: ``git diff --cached --name-only -z`` 25 ms, ``git log
--name-only --format= A..B`` 97-115 ms (1,000 files) and 208 ms (100,000 files). git wins every
question a hook asks, and importing pygit2 alone costs 40 ms, so pygit2 is only loaded to report
the libgit2 version. Starting git costs about 1 ms; reading the index is what is expensive
(about 6 ms per 100,000 entries), so the index being committed is presented as HEAD's tree
overlaid with the staged changes one ``diff-index`` yields, and is not read a second time. The
long questions (staged changes, pushed commits, status) can run in the background while the hook
does other work (``index_source`` starts the first, ``prefetch_*`` the others).
"""
