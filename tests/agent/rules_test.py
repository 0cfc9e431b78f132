"""What the guard finds in a shell line: shell words, wrappers, git's option syntax."""

from __future__ import annotations

import pytest

from metawsm_hooks.agent.actor import Actor, actor_from
from metawsm_hooks.agent.guard import redact
from metawsm_hooks.agent.rules import concerns
from metawsm_hooks.agent.shell import simple_commands


def kinds(text: str) -> list[tuple[str, str]]:
    return [(c.kind, c.what or c.value) for c in concerns(text)]


def bypasses(text: str) -> list[str]:
    return [c.what for c in concerns(text) if c.kind in ("bypass", "skip")]


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        pytest.param("git commit --no-verify -m x", ["--no-verify"], id="no-verify"),
        pytest.param("git commit -n -m x", ["-n"], id="short-n"),
        pytest.param("git commit -anm x", ["-n (in -anm)"], id="cluster-anm"),
        pytest.param("git commit --no-veri -m x", ["--no-veri"], id="abbreviated"),
        pytest.param("git commit -amn", [], id="n-is-the-message-of-m"),
        pytest.param("git commit -m -n", [], id="n-is-the-message"),
        pytest.param("git commit --no-verify --verify -m x", [], id="verify-again"),
        pytest.param("git commit -m x -- -n", [], id="n-is-a-path"),
        pytest.param("git push --no-verify origin", ["--no-verify"], id="push-no-verify"),
        pytest.param("git push -n origin", [], id="push-n-is-dry-run"),
        pytest.param("git merge --no-verify topic", ["--no-verify"], id="merge-no-verify"),
        pytest.param(
            'bash -lc "git -c core.hooksPath=/dev/null commit -m x"',
            ["-c core.hooksPath=/dev/null"],
            id="bash-lc-hookspath",
        ),
        pytest.param(
            "git -c CORE.HOOKSPATH= commit -m x", ["-c core.hooksPath="], id="hookspath-any-case"
        ),
        pytest.param(
            "git --config-env=core.hooksPath=EMPTY commit",
            ["-c core.hooksPath=$EMPTY"],
            id="config-env",
        ),
        pytest.param(
            "git config core.hooksPath /dev/null", ["git config core.hooksPath /dev/null"]
        ),
        pytest.param(
            "git config --local --unset core.hooksPath",
            ["git config --local --unset core.hooksPath"],
        ),
        pytest.param("git config set core.hooksPath x", ["git config set core.hooksPath x"]),
        pytest.param("git config core.hooksPath", [], id="config-read"),
        pytest.param("git config --get core.hooksPath", [], id="config-get"),
        pytest.param(
            "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.hooksPath GIT_CONFIG_VALUE_0=/x git commit",
            ["GIT_CONFIG_KEY_0=core.hooksPath"],
            id="git-config-env-variables",
        ),
        pytest.param("METAWSM_SKIP=tests git commit -m x", ["METAWSM_SKIP=tests"], id="skip"),
        pytest.param("export METAWSM_SKIP=tests", ["METAWSM_SKIP=tests"], id="export-skip"),
        pytest.param(
            "env -i METAWSM_SKIP=branch git commit", ["METAWSM_SKIP=branch"], id="env-skip"
        ),
        pytest.param("cd sub && git commit -n", ["-n"], id="after-cd"),
        pytest.param("git status; git commit -n", ["-n"], id="semicolon"),
        pytest.param("false || git commit -n", ["-n"], id="or"),
        pytest.param("echo x | xargs git commit -n", ["-n"], id="pipe-xargs"),
        pytest.param("sh -c 'cd a && git commit -n'", ["-n"], id="sh-c"),
        pytest.param("sudo -u me env A=1 git commit -n", ["-n"], id="sudo-env"),
        pytest.param("git -C ../other commit -n", ["-n"], id="dash-C"),
        pytest.param("/usr/bin/git commit -n", ["-n"], id="absolute-git"),
        pytest.param('echo "$(git commit -n)"', ["-n"], id="substitution"),
        pytest.param("echo `git commit -n`", ["-n"], id="backticks"),
        pytest.param("eval 'git commit -n'", ["-n"], id="eval"),
        pytest.param("git commit -m 'do not use -n here'", [], id="quoted-message"),
        pytest.param("git commit -F- <<'EOF'\nuse git commit -n; it's\nEOF", [], id="heredoc"),
        pytest.param('echo "git commit -n"', [], id="echoed"),
        pytest.param("ls -la", [], id="not-git"),
        pytest.param("git status", [], id="status"),
        pytest.param('git commit -m "unclosed -n', ["-n"], id="unbalanced-quote"),
    ],
)
def test_bypasses_are_found_however_the_line_is_wrapped(text: str, refused: list[str]) -> None:
    assert bypasses(text) == refused


@pytest.mark.parametrize(
    ("text", "instead"),
    [
        pytest.param("git commit -anm x", "git commit -am x", id="cluster"),
        pytest.param(
            "METAWSM_SKIP=tests git commit --no-verify -m x", "git commit -m x", id="skip-and-n"
        ),
        pytest.param(
            'bash -lc "git -c core.hooksPath=/dev/null commit -m x"',
            "git commit -m x",
            id="hookspath",
        ),
        pytest.param("cd sub && git push --no-verify", "cd sub && git push", id="cd"),
        pytest.param("git config core.hooksPath /dev/null", "", id="nothing-to-offer"),
    ],
)
def test_the_command_offered_instead_has_every_refused_part_taken_out(
    text: str, instead: str
) -> None:
    offered = {c.instead for c in concerns(text) if c.kind in ("bypass", "skip")}
    assert offered == {instead}


@pytest.mark.parametrize(
    ("text", "branch"),
    [
        pytest.param("git checkout -b feature/x", "feature/x", id="checkout-b"),
        pytest.param("git checkout -qbfeature/x", "feature/x", id="checkout-attached"),
        pytest.param("git switch -c feature/x main", "feature/x", id="switch-c"),
        pytest.param("git switch --create=feature/x", "feature/x", id="switch-create"),
        pytest.param("git branch feature/x", "feature/x", id="branch"),
        pytest.param("git branch -m feature/x", "feature/x", id="branch-rename"),
        pytest.param("git worktree add -b feature/x ../wt", "feature/x", id="worktree-add-b"),
        pytest.param("git worktree add ../feature-x", "feature-x", id="worktree-add-path"),
        pytest.param("git -C sub checkout -B feature/x", "feature/x", id="dash-C"),
    ],
)
def test_branch_creation_is_found(text: str, branch: str) -> None:
    assert ("branch", branch) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "git branch",
        "git branch -d old",
        "git branch --list 'f*'",
        "git checkout main",
        "git switch x",
        "git worktree add ../wt existing-branch",
        "git worktree add --detach ../wt",
        "git worktree list",
    ],
)
def test_commands_that_create_no_branch(text: str) -> None:
    assert not [k for k in kinds(text) if k[0] == "branch"]


def test_a_commit_after_switching_is_on_the_new_branch() -> None:
    found = concerns("git checkout -b abc/x/run-1 && git commit -m x")
    assert [(c.kind, c.value) for c in found] == [
        ("branch", "abc/x/run-1"),
        ("commit", "abc/x/run-1"),
    ]


@pytest.mark.parametrize(
    ("text", "remote"),
    [
        ("git push", ""),
        ("git push origin main", "origin"),
        ("git push -u --force-with-lease fork HEAD", "fork"),
        ("git push -o ci.skip origin", "origin"),
        ("git push --repo=https://h/o/n.git", "https://h/o/n.git"),
    ],
)
def test_the_push_remote_is_named(text: str, remote: str) -> None:
    assert [c.value for c in concerns(text) if c.kind == "push"] == [remote]


def test_cd_moves_later_commands_only() -> None:
    found = simple_commands("git status && cd a/b && git commit && cd - && git push")
    assert [(c.words[1] if len(c.words) > 1 else c.words[0], c.cwd) for c in found] == [
        ("status", None),
        ("a/b", None),
        ("commit", "a/b"),
        ("-", "a/b"),
        ("push", "?"),
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "git push https://u:ghp_abcdefghijkl1234@github.com/o/n",
            "git push https://***@github.com/o/n",
        ),
        ("GITHUB_TOKEN=abc123 git push", "GITHUB_TOKEN=*** git push"),
        ("curl -H 'Authorization: Bearer xyz' x", "curl -H 'Authorization: Bearer *** x"),
        ("echo glpat-abcdefghijklmnop", "echo ***"),
    ],
)
def test_credentials_are_redacted(text: str, shown: str) -> None:
    assert redact(text) == shown


@pytest.mark.parametrize(
    ("environ", "actor"),
    [
        pytest.param({}, Actor("person", ""), id="nothing"),
        pytest.param({"CLAUDECODE": "1"}, Actor("agent", "claude"), id="claude"),
        pytest.param({"CODEX_THREAD_ID": "t-1"}, Actor("agent", "codex"), id="codex-thread"),
        pytest.param({"CODEX_SANDBOX": "seatbelt"}, Actor("agent", "codex"), id="codex-sandbox"),
        pytest.param({"METAWSM_RUN_ID": "run-1"}, Actor("agent", "metawsm"), id="metawsm-run"),
        pytest.param(
            {"METAWSM_AGENT": "reviewer", "CLAUDECODE": "1"},
            Actor("agent", "reviewer"),
            id="metawsm-agent-first",
        ),
        pytest.param({"CLAUDECODE": "0"}, Actor("person", ""), id="claude-off"),
    ],
)
def test_actor_markers(environ: dict[str, str], actor: Actor) -> None:
    assert actor_from(environ) == actor


ALIASES = {"ci": "commit -n", "sci": "!git commit -n", "st": "status", "chain": "ci -m x"}


def refusals(text: str) -> list[tuple[str, str]]:
    """(kind, what) of every refused part, the repository's aliases being ALIASES."""
    found = concerns(text, aliases=lambda folder: ALIASES)
    return [(c.kind, c.what) for c in found if c.kind in ("bypass", "skip", "unreadable")]


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        # Quote removal, in the command word and in its arguments.
        pytest.param('g""it commit -n -m x', [("bypass", "-n")], id="quotes-in-git"),
        pytest.param("gi\\t commit -n -m x", [("bypass", "-n")], id="backslash-in-git"),
        pytest.param("g'it' commit -n -m x", [("bypass", "-n")], id="single-quotes-in-git"),
        pytest.param("'git' 'commit' -n", [("bypass", "-n")], id="quoted-words"),
        pytest.param("$'git' commit -n", [("bypass", "-n")], id="ansi-c-git"),
        pytest.param("$'\\x67it' commit -n", [("bypass", "-n")], id="ansi-c-hex-git"),
        pytest.param("git c''ommit -n", [("bypass", "-n")], id="quotes-in-subcommand"),
        pytest.param(
            'git commit --no-""verify -m x', [("bypass", "--no-verify")], id="quotes-in-option"
        ),
        pytest.param('git commit -""n -m x', [("bypass", "-n")], id="quotes-in-short-option"),
        pytest.param("git commit -\\n -m x", [("bypass", "-n")], id="backslash-in-option"),
        pytest.param(
            "git commit $'--no-verify' -m x", [("bypass", "--no-verify")], id="ansi-c-option"
        ),
        pytest.param(
            "git push $'--no-\\166erify'", [("bypass", "--no-verify")], id="ansi-c-octal-option"
        ),
        pytest.param(
            'git -c "core.hooks"Path=/x commit', [("bypass", "-c core.hooksPath=/x")], id="key"
        ),
        pytest.param('git commit -m "" -n', [("bypass", "-n")], id="empty-message-kept"),
        pytest.param("git pull --no-verify", [("bypass", "--no-verify")], id="pull"),
        # Words the shell computes.
        pytest.param("$GIT commit -m x", [("unreadable", "$GIT")], id="variable-command"),
        pytest.param('"$(which git)" commit', [("unreadable", "$(which git)")], id="subst-cmd"),
        pytest.param("/usr/bin/g?t commit -n", [("unreadable", "/usr/bin/g?t")], id="glob-cmd"),
        pytest.param("{g,}it commit -n", [("unreadable", "{g,}it")], id="brace-cmd"),
        pytest.param("$SHELL -c 'git status'", [("unreadable", "$SHELL")], id="variable-shell"),
        pytest.param("git $SUB -m x", [("unreadable", "$SUB")], id="variable-subcommand"),
        pytest.param("git `echo commit` -n", [("unreadable", "`echo commit`")], id="backticks"),
        pytest.param("git commit $FLAGS -m x", [("unreadable", "$FLAGS")], id="variable-flags"),
        pytest.param('git commit "$F" -m x', [("unreadable", "$F")], id="quoted-variable-flag"),
        pytest.param("git commit -m $MSG", [("unreadable", "$MSG")], id="unquoted-message"),
        pytest.param("git push origin $(x)", [("unreadable", "$(x)")], id="unquoted-subst"),
        pytest.param("git -c $KV commit", [("unreadable", "$KV")], id="variable-config"),
        pytest.param("git config $K /dev/null", [("unreadable", "$K")], id="variable-key"),
        pytest.param("git commit -m x *", [("unreadable", "*")], id="glob-argument"),
        # git aliases: on the command line, in the environment, in the line, configured.
        pytest.param(
            'git -c alias.ci="commit --no-verify" ci -m x',
            [("bypass", "--no-verify")],
            id="alias-c",
        ),
        pytest.param('git -c alias.ci="!git commit -n" ci', [("bypass", "-n")], id="alias-c-shell"),
        pytest.param("git -c alias.CI='commit -n' ci", [("bypass", "-n")], id="alias-any-case"),
        pytest.param(
            "A='commit -n' git --config-env=alias.x=A x", [("bypass", "-n")], id="config-env"
        ),
        pytest.param(
            "git --config-env=alias.x=A x",
            [("unreadable", "git x")],
            id="config-env-from-outside",
        ),
        pytest.param(
            "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.x GIT_CONFIG_VALUE_0='commit -n' git x",
            [("bypass", "-n")],
            id="config-count",
        ),
        pytest.param(
            "GIT_CONFIG_PARAMETERS=\"'alias.x'='commit -n'\" git x",
            [("bypass", "-n")],
            id="config-parameters",
        ),
        pytest.param(
            "git config alias.zz 'commit -n' && git zz -m x", [("bypass", "-n")], id="in-line"
        ),
        pytest.param("git ci -m x", [("bypass", "-n")], id="configured"),
        pytest.param("git sci", [("bypass", "-n")], id="configured-shell"),
        pytest.param("git chain", [("bypass", "-n")], id="alias-of-alias"),
        pytest.param(
            "git -c alias.x='!sh -c \"git commit -n\"' x", [("bypass", "-n")], id="shell-alias"
        ),
        pytest.param(
            "git -c alias.x='!f() { git commit \"$@\"; }; f' x -n",
            [("unreadable", "$@")],
            id="shell-function-alias",
        ),
        # Commands fed arguments the line does not show.
        pytest.param(
            "echo --no-verify | xargs git commit -m x",
            [("unreadable", "xargs … git commit")],
            id="xargs",
        ),
        pytest.param(
            "echo -n | xargs -I{} git commit {} -m x",
            [("unreadable", "xargs … git commit")],
            id="xargs-I",
        ),
        pytest.param("echo commit -n | xargs git", [("unreadable", "xargs")], id="xargs-sub"),
        pytest.param(
            "parallel git commit -m x ::: -n",
            [("unreadable", "parallel … git commit")],
            id="parallel",
        ),
        pytest.param(
            "find . -name x -exec git commit -m x {} \\;",
            [("unreadable", "find … git commit")],
            id="find-exec",
        ),
        pytest.param("ls | xargs git push", [("unreadable", "xargs … git push")], id="xargs-push"),
        pytest.param(
            "ls | xargs git ci",
            [("unreadable", "xargs … git commit"), ("bypass", "-n")],
            id="xargs-alias",
        ),
        pytest.param(
            "ls | xargs git checkout", [("unreadable", "xargs … git checkout")], id="xargs-co"
        ),
        # Visible strings are parsed.
        pytest.param("sh -c 'g\"\"it commit -n'", [("bypass", "-n")], id="sh-c-quotes"),
        pytest.param('bash -c "git commit -n"', [("bypass", "-n")], id="bash-c"),
        pytest.param("eval 'git commit' '-n'", [("bypass", "-n")], id="eval-words"),
        pytest.param("watch 'git commit -n'", [("bypass", "-n")], id="watch"),
        pytest.param("cat <(git commit -n)", [("bypass", "-n")], id="process-substitution"),
        pytest.param("echo ${X:-$(git commit -n)}", [("bypass", "-n")], id="default-subst"),
    ],
)
def test_bypasses_through_quoting_aliases_and_feeders_are_refused(
    text: str, refused: list[tuple[str, str]]
) -> None:
    assert refusals(text) == refused


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("ls -la src", id="ls"),
        pytest.param("git status", id="status"),
        pytest.param("git log --format=%H -3", id="log-format"),
        pytest.param("git log @{u}..HEAD", id="reflog-braces"),
        pytest.param("ls *.py && git add *.py", id="globs-outside-commit"),
        pytest.param('git commit -m "$(cat msg.txt)"', id="quoted-message-substitution"),
        pytest.param('git commit -am "fix $x"', id="quoted-message-variable"),
        pytest.param('git commit -m"$MSG"', id="attached-message"),
        pytest.param('git commit --message="$MSG"', id="long-attached-message"),
        pytest.param(
            "git commit -m \"$(cat <<'EOF'\nfeat: x -n\n\nbody\nEOF\n)\"", id="heredoc-message"
        ),
        pytest.param('git push -u origin "$(git branch --show-current)"', id="current-branch"),
        pytest.param('git -C "$DIR" status', id="variable-folder-harmless-command"),
        pytest.param("git commit -m x -- $FILES", id="paths-after-double-dash"),
        pytest.param("$EDITOR notes.txt", id="variable-command-not-git"),
        pytest.param("$EDITOR .gitignore", id="variable-command-git-file"),
        pytest.param("git st", id="harmless-alias"),
        pytest.param("git -c alias.status='commit -n' status", id="alias-cannot-replace-git"),
        pytest.param("git branch --merged | xargs git branch -d", id="xargs-delete"),
        pytest.param("find . -name '*.orig' -exec rm {} +", id="find-not-git"),
        pytest.param("echo 'git commit -n'", id="quoted-text"),
        pytest.param("git commit -m x # --no-verify", id="comment"),
    ],
)
def test_ordinary_commands_stay_allowed(text: str) -> None:
    assert refusals(text) == []


def test_configured_aliases_are_read_only_for_a_subcommand_git_does_not_have() -> None:
    asked: list[str | None] = []

    def aliases(folder: str | None) -> dict[str, str]:
        asked.append(folder)
        return ALIASES

    concerns("ls -la src; git status; git commit -m x; git log", aliases=aliases)
    assert asked == []
    concerns("git -C sub ci", aliases=aliases)
    assert asked == ["sub"]
