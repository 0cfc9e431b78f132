from __future__ import annotations

import pytest

from metawsm_hooks.remote import describe, is_allowed, repository_path


@pytest.mark.parametrize(
    ("url", "parts"),
    [
        pytest.param("git@github.com:Org/Repo.git", ["Org", "Repo"], id="scp"),
        pytest.param("ssh://git@host:2222/org/repo.git", ["org", "repo"], id="ssh-port"),
        pytest.param("https://host/group/sub/repo", ["group", "sub", "repo"], id="https-nested"),
        pytest.param("https://host/org/repo.git/", ["org", "repo"], id="trailing-slash"),
        pytest.param("file:///srv/git/org/repo.git", ["srv", "git", "org", "repo"], id="file-url"),
        pytest.param("/srv/git/org/repo.git", ["srv", "git", "org", "repo"], id="absolute-path"),
        pytest.param("../org/repo", ["..", "org", "repo"], id="relative-path"),
        pytest.param("host.example:repo.git", ["repo"], id="scp-bare-name"),
    ],
)
def test_repository_path(url: str, parts: list[str]) -> None:
    assert repository_path(url) == parts


@pytest.mark.parametrize(
    ("url", "allowed", "expected"),
    [
        pytest.param("git@github.com:org/repo.git", [], True, id="empty-allows-all"),
        pytest.param("git@github.com:Org/Repo.git", ["org/repo"], True, id="owner-name-any-case"),
        pytest.param("https://github.com/org/repo", ["repo"], True, id="bare-name"),
        pytest.param("https://github.com/org/other", ["org/repo"], False, id="other-repo"),
        pytest.param("https://github.com/evil/repo", ["org/repo"], False, id="other-owner"),
        pytest.param("/srv/git/org/repo.git", ["org/repo.git"], True, id="entry-with-dot-git"),
        pytest.param("ssh://git@host/org/repo.git", ["ORG/REPO"], True, id="ssh-url"),
        pytest.param("", ["repo"], False, id="no-url"),
    ],
)
def test_is_allowed(url: str, allowed: list[str], expected: bool) -> None:
    assert is_allowed(url, allowed) is expected


def test_describe() -> None:
    assert describe("git@github.com:org/repo.git") == "org/repo"
