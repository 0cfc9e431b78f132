"""git's output parsed on bytes: the records git prints (``-z`` forms), names that are not UTF-8,
and the edge cases each format has."""

from __future__ import annotations

from pathlib import Path

import pytest

from metawsm_hooks.git import parse
from metawsm_hooks.git.types import FOLDER, Change

A = "a" * 40
B = "b" * 40
C = "c" * 40
Z = "0" * 40
LATIN1 = b"caf\xe9.txt"  # not UTF-8: must round-trip through os.fsdecode
LATIN1_NAME = LATIN1.decode("utf-8", "surrogateescape")


def raw(old_mode: str, new_mode: str, old: str, new: str, status: str, *paths: bytes) -> bytes:
    """One record of ``diff-index -z --raw``."""
    head = f":{old_mode} {new_mode} {old} {new} {status}".encode()
    return b"\0".join([head, *paths]) + b"\0"


def test_diff_index_statuses_and_the_overlay() -> None:
    out = (
        raw("000000", "100644", Z, A, "A", b"new.txt")
        + raw("100644", "100755", B, C, "M", b"tool.sh")
        + raw("100644", "000000", B, Z, "D", b"gone.txt")
        + raw("100644", "100644", A, A, "R100", b"old/name.txt", b"new/name.txt")
        + raw("100644", "100644", A, B, "C075", b"src.txt", b"copy.txt")
        + raw("100644", "120000", A, C, "T", LATIN1)
    )
    changes, overlay = parse.diff_index(out)
    assert changes == [
        Change("new.txt", "A"),
        Change("tool.sh", "M"),
        Change("gone.txt", "D"),
        Change("new/name.txt", "R", "old/name.txt"),
        Change("copy.txt", "C", "src.txt"),
        Change(LATIN1_NAME, "T"),
    ]
    assert overlay == {
        "new.txt": ("100644", A),
        "tool.sh": ("100755", C),
        "gone.txt": None,
        "old/name.txt": None,  # a rename removes the old path; a copy keeps it
        "new/name.txt": ("100644", A),
        "copy.txt": ("100644", B),
        LATIN1_NAME: ("120000", C),
    }


def test_diff_index_of_nothing() -> None:
    assert parse.diff_index(b"") == ([], {})


def test_log_name_status_counts_commits_and_keeps_the_oldest_status() -> None:
    # Newest first, as git log prints: the second commit modifies what the first added.
    out = b"\0".join(
        [
            B.encode(),
            b"\nM",
            b"app.py",
            b"D",
            b"tmp.txt",
            A.encode(),
            b"\nA",
            b"app.py",
            b"A",
            b"tmp.txt",
            b"T",
            LATIN1,
            b"",
        ]
    )
    commits, changes = parse.log_name_status(out)
    assert commits == 2
    # Sorted by bytes; a path added then deleted within the range still counts.
    assert changes == [
        Change("app.py", "A"),
        Change(LATIN1_NAME, "T"),
        Change("tmp.txt", "A"),
    ]


def test_log_name_status_of_commits_that_change_nothing() -> None:
    assert parse.log_name_status(b"\0".join([A.encode(), B.encode(), b""])) == (2, [])
    assert parse.log_name_status(b"") == (0, [])


# git log -z --format=%H --name-status --no-renames --diff-merges=combined, newest first: a merge
# (an empty record, then one status letter per parent), an octopus merge adding a file of its
# own (AAA), a path that looks like a commit id, and a plain commit.
MERGES = b"\0".join(
    [
        C.encode(),
        b"",
        b"MM",
        b"resolved.txt",
        B.encode(),
        b"",
        b"AAA",
        b"id_rsa",
        b"DDD",
        b"gone.txt",
        A.encode(),
        b"\nA",
        ("d" * 40).encode(),
        b"",
    ]
)


def test_log_name_status_of_merges_reads_every_parents_status() -> None:
    commits, changes = parse.log_name_status(MERGES)
    assert commits == 3
    assert changes == [
        Change("d" * 40, "A"),
        Change("id_rsa", "A"),
        Change("resolved.txt", "M"),
    ]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 41, 4096])
def test_pushed_paths_fed_in_pieces_is_the_whole(size: int) -> None:
    whole = parse.log_name_status(MERGES)
    paths = parse.PushedPaths()
    for start in range(0, len(MERGES), size):
        paths.feed(MERGES[start : start + size])
    assert paths.result() == whole


def test_pushed_paths_split_at_every_byte() -> None:
    whole = parse.log_name_status(MERGES)
    for cut in range(len(MERGES) + 1):
        paths = parse.PushedPaths()
        paths.feed(MERGES[:cut])
        paths.feed(MERGES[cut:])
        assert paths.result() == whole, cut


def test_status_entries() -> None:
    out = b"D  a\0M  b\0 M c d\0?? " + LATIN1 + b"\0"
    assert parse.status_entries(out) == [
        ("D ", "a"),
        ("M ", "b"),
        (" M", "c d"),
        ("??", LATIN1_NAME),
    ]


def test_tree_entries_leave_folders_out_unless_asked() -> None:
    out = (
        f"100644 blob {A}\tREADME.md\0".encode()
        + f"040000 tree {B}\tsrc\0".encode()
        + f"160000 commit {C}\tvendor/lib\0".encode()
        + f"120000 blob {A}\t".encode()
        + LATIN1
        + b"\0"
    )
    assert list(parse.tree_entries(out)) == [
        ("README.md", ("100644", A)),
        ("vendor/lib", ("160000", C)),
        (LATIN1_NAME, ("120000", A)),
    ]
    assert ("src", (FOLDER, B)) in list(parse.tree_entries(out, folders=True))


def test_index_entries_skip_conflicted_stages() -> None:
    out = (
        f"100644 {A} 0\tclean.txt\0".encode()
        + f"100644 {A} 1\tboth.txt\0".encode()
        + f"100644 {B} 2\tboth.txt\0".encode()
        + f"100644 {C} 3\tboth.txt\0".encode()
    )
    assert list(parse.index_entries(out)) == [("clean.txt", ("100644", A))]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(f"{A} blob 12\n".encode(), ("blob", 12), id="blob"),
        pytest.param(("e" * 64 + " tree 0\n").encode(), ("tree", 0), id="sha256-empty"),
        pytest.param(b"HEAD:missing.txt missing\n", None, id="missing"),
        pytest.param(b"HEAD:a b c missing\n", None, id="missing-spaced-name"),
        pytest.param(b"abc ambiguous\n", None, id="ambiguous"),
        pytest.param(f"{A} blob twelve\n".encode(), None, id="not-a-size"),
    ],
)
def test_cat_file_header(header: bytes, expected: tuple[str, int] | None) -> None:
    assert parse.cat_file_header(header) == expected


def test_packed_ref() -> None:
    data = (
        b"# pack-refs with: peeled fully-peeled sorted \n"
        + f"{A} refs/heads/main\n".encode()
        + f"{B} refs/tags/v1\n".encode()
        + f"^{C}\n".encode()
        + f"{C} refs/heads/feature/main\n".encode()
    )
    assert parse.packed_ref(data, "refs/heads/main") == A
    assert parse.packed_ref(data, "refs/tags/v1") == B
    assert parse.packed_ref(data, "refs/heads/feature/main") == C
    assert parse.packed_ref(data, "refs/heads/other") is None
    assert parse.packed_ref(b"nothex refs/heads/main\n", "refs/heads/main") is None


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        pytest.param(
            f"worktree /srv/repo\nHEAD {A}\nbranch refs/heads/main\n\n"
            f"worktree /tmp/linked\nHEAD {B}\ndetached\n\n".encode(),
            Path("/srv/repo"),
            id="main-first",
        ),
        pytest.param(
            f"worktree /srv/repo.git\nbare\n\nworktree /tmp/linked\nHEAD {B}\n\n".encode(),
            None,
            id="bare",
        ),
        pytest.param(b"", None, id="nothing"),
    ],
)
def test_main_worktree(out: bytes, expected: Path | None) -> None:
    assert parse.main_worktree(out) == expected


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        pytest.param(b"A U Thor <a@example.com> 1700000000 +0000\n", "A U Thor <a@example.com>"),
        pytest.param(b"x <y> <z> 1 +0100\n", "x <y> <z>", id="brackets-in-name"),
        pytest.param(b"", "", id="unset"),
    ],
)
def test_ident(out: bytes, expected: str) -> None:
    assert parse.ident(out) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"fatal: not a git repository\n", "not a git repository", id="fatal"),
        pytest.param(b"\n  \nerror: bad\nfatal: worse\n", "bad", id="first-non-blank"),
        pytest.param(b"\xff\n", "\ufffd", id="undecodable"),
        pytest.param(b"", "", id="empty"),
    ],
)
def test_first_line(data: bytes, expected: str) -> None:
    assert parse.first_line(data) == expected


def test_lines_and_ids() -> None:
    assert parse.lines(b"a\n\n" + LATIN1 + b"\n") == ["a", LATIN1_NAME]
    assert parse.is_hex(A) and parse.is_hex("f" * 64)
    assert not parse.is_hex(A.upper()) and not parse.is_hex(A[:-1])
    assert parse.is_zero(Z) and parse.is_zero(None) and parse.is_zero("")
    assert not parse.is_zero(A)


def test_config_values_last_wins_and_a_bare_key_is_empty() -> None:
    out = b"core.commentchar\n;\0core.commentchar\n%\0commit.cleanup\0commit.template\n~/t x\0"
    assert parse.config_values(out) == {
        "core.commentchar": "%",
        "commit.cleanup": "",
        "commit.template": "~/t x",
    }
    assert parse.config_values(b"") == {}


@pytest.mark.parametrize(
    ("out", "expected"),
    [
        pytest.param(
            f"tree {A}\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\n".encode()
            + b"Fix\n\nbody\n",
            "Fix\n\nbody\n",
            id="message",
        ),
        pytest.param(f"tree {A}\n\n".encode(), "", id="empty-message"),
        pytest.param(b"\xff\n\nnot utf-8: \xe9\n", "not utf-8: \udce9\n", id="surrogates"),
        pytest.param(b"", None, id="no-commit"),
    ],
)
def test_commit_message(out: bytes, expected: str | None) -> None:
    assert parse.commit_message(out) == expected


def test_tree_object_gives_entries_as_ls_tree_prints_them() -> None:
    raw_a, raw_b = bytes.fromhex(A), bytes.fromhex(B)
    data = (
        b"100644 README.md\0" + raw_a
        + b"100755 run.sh\0" + raw_b
        + b"100664 old-mode.txt\0" + raw_a  # written by old gits: canonical 100644
        + b"40000 src\0" + raw_b
        + b"120000 " + LATIN1 + b"\0" + raw_a
        + b"160000 vendor\0" + raw_b
    )  # fmt: skip
    assert list(parse.tree_object(data, 20)) == [
        ("README.md", ("100644", A)),
        ("run.sh", ("100755", B)),
        ("old-mode.txt", ("100644", A)),
        ("src", (FOLDER, B)),
        (LATIN1_NAME, ("120000", A)),
        ("vendor", ("160000", B)),
    ]
    sha256 = "ab" * 32
    assert list(parse.tree_object(b"100644 a\0" + bytes.fromhex(sha256), 32)) == [
        ("a", ("100644", sha256))
    ]
    assert list(parse.tree_object(b"", 20)) == []
    with pytest.raises(ValueError):
        list(parse.tree_object(b"100644 a\0" + raw_a[:5], 20))
