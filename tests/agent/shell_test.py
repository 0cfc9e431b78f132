"""How the guard reads a shell line: POSIX quote removal, what the shell would still change,
the commands it runs (wrapped, fed, nested) and edits of the line as written."""

from __future__ import annotations

import pytest

from metawsm_hooks.agent.shell import (
    Edit,
    apply,
    is_dynamic,
    is_split,
    rewrite,
    simple_commands,
    words,
)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        pytest.param('g""it', ["git"], id="empty-double-quotes"),
        pytest.param("g''it", ["git"], id="empty-single-quotes"),
        pytest.param("gi\\t", ["git"], id="backslash"),
        pytest.param("g'it'", ["git"], id="single-quoted-part"),
        pytest.param('"g"i"t"', ["git"], id="segments"),
        pytest.param('--no-""verify', ["--no-verify"], id="inside-an-option"),
        pytest.param("-''n", ["-n"], id="short-option"),
        pytest.param("$'--no-verify'", ["--no-verify"], id="ansi-c"),
        pytest.param("$'\\x67\\151t'", ["git"], id="ansi-c-hex-octal"),
        pytest.param("$'\\u0067it'", ["git"], id="ansi-c-unicode"),
        pytest.param("$'it\\'s'", ["it's"], id="ansi-c-escaped-quote"),
        pytest.param('$"git"', ["git"], id="locale-quotes"),
        pytest.param('"a \\"b\\" \\$x \\q"', ['a "b" $x \\q'], id="double-quote-escapes"),
        pytest.param("'a \\b'", ["a \\b"], id="single-quotes-keep-backslashes"),
        pytest.param("a\\\nb", ["ab"], id="line-continuation"),
        pytest.param("git # commit -n", ["git"], id="comment"),
        pytest.param("a#b", ["a#b"], id="hash-inside-a-word"),
        pytest.param("'#' x", ["#", "x"], id="quoted-hash"),
        pytest.param("x '' y", ["x", "", "y"], id="empty-word-kept"),
    ],
)
def test_words_are_read_as_sh_reads_them(text: str, read: list[str]) -> None:
    assert words(text) == read


@pytest.mark.parametrize(
    ("text", "dynamic", "split"),
    [
        pytest.param("$X", True, True, id="parameter"),
        pytest.param('"$X"', True, False, id="quoted-parameter"),
        pytest.param("${X:-y}", True, True, id="braced-parameter"),
        pytest.param("$(git branch)", True, True, id="substitution"),
        pytest.param('"$(git branch)"', True, False, id="quoted-substitution"),
        pytest.param("`date`", True, True, id="backticks"),
        pytest.param("$((1+2))", True, True, id="arithmetic"),
        pytest.param("g?t", True, True, id="glob"),
        pytest.param("g[i]t", True, True, id="bracket"),
        pytest.param("{g,}it", True, True, id="brace-list"),
        pytest.param("{1..3}", True, True, id="brace-sequence"),
        pytest.param("'$X'", False, False, id="single-quoted"),
        pytest.param("\\$X", False, False, id="escaped"),
        pytest.param("'*.py'", False, False, id="quoted-glob"),
        pytest.param("@{u}", False, False, id="reflog-braces"),
        pytest.param("--format=%H", False, False, id="percent"),
        pytest.param("a$", False, False, id="lone-dollar"),
        pytest.param("[", False, False, id="test-bracket"),
    ],
)
def test_what_the_shell_would_change_is_marked(text: str, dynamic: bool, split: bool) -> None:
    (word,) = words(text)
    assert (is_dynamic(word), is_split(word)) == (dynamic, split)


@pytest.mark.parametrize(
    ("text", "commands"),
    [
        pytest.param("a; b && c || d | e & f\ng", ["a", "b", "c", "d", "e", "f", "g"], id="ops"),
        pytest.param("(a) && { b; }", ["a", "b"], id="groups"),
        pytest.param("cat <(a x) >(b)", ["cat", "a x", "b"], id="process-substitution"),
        pytest.param("a 2>&1 >/dev/null | b", ["a", "b"], id="redirections"),
        pytest.param(
            'echo "$(a "x)" y)"', ["a x) y", 'echo $(a "x)" y)'], id="quotes-in-substitution"
        ),
        pytest.param("echo ${X:-$(a)}", ["a", "echo ${X:-$(a)}"], id="substitution-in-default"),
        pytest.param("echo `a \\`b\\``", ["b", "a `b`", "echo `a `b``"], id="nested-backticks"),
        pytest.param("f() { a; }; f", ["f", "a", "f"], id="function"),
        pytest.param("watch -n 5 'a x'", ["watch -n 5 a x", "a x"], id="watch"),
        pytest.param("flock /tmp/l -c 'a x'", ["flock /tmp/l -c a x", "a x"], id="flock-c"),
        pytest.param("flock /tmp/l a x", ["a x"], id="flock-command"),
        pytest.param("su me -c 'a x'", ["su me -c a x", "a x"], id="su-c"),
        pytest.param("x 'unclosed a", ["x unclosed a"], id="unclosed-quote"),
    ],
)
def test_the_commands_a_line_runs(text: str, commands: list[str]) -> None:
    """In the order they run: substitutions before the command they are part of."""
    found = [" ".join(c.words) for c in simple_commands(text) if c.words]
    assert [c.replace("\\", "") for c in found] == commands


@pytest.mark.parametrize(
    ("text", "fed"),
    [
        pytest.param("echo -n | xargs git commit -m x", "xargs", id="xargs"),
        pytest.param("xargs -I{} -n 1 git commit {}", "xargs", id="xargs-options"),
        pytest.param("parallel git commit ::: -n", "parallel", id="parallel"),
        pytest.param("parallel 'git commit {}' ::: -n", "parallel", id="parallel-string"),
        pytest.param("find . -exec git commit {} \\;", "find", id="find-exec"),
        pytest.param("find . -execdir git commit {} +", "find", id="find-execdir"),
        pytest.param("git commit", "", id="none"),
    ],
)
def test_commands_run_with_arguments_the_line_does_not_show_are_marked(text: str, fed: str) -> None:
    (commit,) = [c for c in simple_commands(text) if c.name == "git"]
    assert commit.fed == fed
    assert commit.words[:2] == ("git", "commit")


@pytest.mark.parametrize(
    ("text", "replacement", "edited"),
    [
        pytest.param("git commit -n", ("git", "commit"), "git commit", id="alone"),
        pytest.param("a && git x\nb", ("git", "y"), "a && git y\nb", id="among-others"),
        pytest.param("env A=1 git x", ("git", "y"), "env A=1 git y", id="wrapper-kept"),
        pytest.param("g''it x; b", ("git", "m y"), "git 'm y'; b", id="quoted"),
    ],
)
def test_an_edit_changes_one_command_and_keeps_the_line(
    text: str, replacement: tuple[str, ...], edited: str
) -> None:
    command = next(c for c in simple_commands(text) if c.name == "git")
    edit = rewrite(text, command, words=replacement)
    assert edit is not None
    assert apply(text, [edit]) == edited


def test_an_edit_can_run_a_command_first_and_drop_assignments() -> None:
    text = "cd a && METAWSM_SKIP=x B=1 git commit"
    command = simple_commands(text)[1]
    skip = command.assignments[0]
    cleaned = command._replace(assignments=command.assignments[1:], dropped=(skip,))
    edit = rewrite(text, cleaned, before="git branch -m n && ")
    assert apply(text, [edit] if edit else []) == "cd a && git branch -m n && B=1 git commit"


def test_nested_commands_have_no_place_in_the_line() -> None:
    (outer, inner) = simple_commands("sh -c 'git commit -n'")
    assert outer.start == 0
    assert (inner.start, rewrite("sh -c 'git commit -n'", inner)) == (-1, None)


def test_later_edits_of_a_span_win_and_spans_apply_right_to_left() -> None:
    text = "aa; bb"
    assert apply(text, [Edit(0, 2, "x"), Edit(0, 2, "y"), Edit(4, 6, "zz")]) == "y; zz"


def test_here_document_bodies_are_data_and_offsets_hold() -> None:
    text = "cat <<EOF\ngit commit -n\nEOF\ngit commit -m x"
    (cat, commit) = simple_commands(text)
    assert cat.words == ("cat",)
    assert text[commit.start : commit.end] == "git commit -m x"
