#!/usr/bin/env bash
# Onboard a scratch repository and show metawsm-hooks blocking and passing real commits and pushes.
# Usage: bash examples/demo.sh        (needs python3, pip and git; sets up .venv on first run)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -x "$here/.venv/bin/metawsm-hooks" ]; then
    echo "== setting up $here/.venv"
    python3 -m venv "$here/.venv"
    "$here/.venv/bin/python" -m pip install --quiet --upgrade pip
    "$here/.venv/bin/python" -m pip install --quiet -e "$here"
fi
export PATH="$here/.venv/bin:$here/examples:$PATH"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/metawsm-demo.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# A private git identity and config, so the demo never reads or writes yours: git's global file
# is named outright (an exported GIT_CONFIG_GLOBAL would otherwise win over HOME and receive the
# demo's settings), the system file is skipped, and the XDG folders (git's other global file,
# the policy cache) are the scratch home's. Settings passed through the environment, and a
# repository or metawsm home chosen there, are dropped.
export HOME="$scratch/home"
export GIT_CONFIG_GLOBAL="$HOME/.gitconfig" GIT_CONFIG_NOSYSTEM=1
export XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache"
unset GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
unset METAWSM_HOME METAWSM_POLICY METAWSM_DB METAWSM_CACHE_DIR METAWSM_SKIP
export NO_COLOR=${NO_COLOR:-}
mkdir -p "$HOME"
git config --global user.name "Demo Developer"
git config --global user.email demo@example.com
git config --global init.defaultBranch main
git config --global advice.detachedHead false

if [ -t 1 ] && [ -z "$NO_COLOR" ]; then bold='\033[1m' plain='\033[0m'; else bold= plain=; fi
step() { printf "\n${bold}== %s${plain}\n" "$*"; }
show() { printf '$ %s\n' "$*"; "$@" && echo "(exit 0)" || echo "(exit $?: blocked)"; }

step "a scratch repository with a bare remote"
git init -q --bare "$scratch/remote/acme/widgets.git"
git init -q "$scratch/widgets"
cd "$scratch/widgets"
git remote add origin "$scratch/remote/acme/widgets.git"
echo "# widgets" > README.md
git add README.md
git commit -q -m "initial import"

step "init: write metawsm's default policy"
show metawsm-hooks init
# The demo's policy: a real test command, and the stand-in operator instead of an LLM CLI.
python3 - <<'PY'
import json, pathlib
path = pathlib.Path(".metawsm/policy.json")
policy = json.loads(path.read_text())
policy["git_pr"]["test_commands"] = ["test -s README.md"]
policy["operator"]["llm"]["command"] = "operator-standin"
policy["operator"]["unhealthy_confirmations"] = 1
path.write_text(json.dumps(policy, indent=2) + "\n")
PY
git add .metawsm/policy.json
git commit -q -m "Add metawsm policy"

step "onboard: keep that policy, install the hooks, check the setup"
show metawsm-hooks onboard

step "blocked: committing on a branch that does not fit {ticket}/{repo}/{run}"
# (main, the policy's workspace.base_branch, is exempt: its first commits pass.)
git checkout -q -b feature
echo "feature" > feature.txt
git add feature.txt
show git commit -q -m "add feature"

step "blocked: a secret staged on a fitting branch (the operator stand-in suggests a next step)"
git checkout -q -b "$(metawsm-hooks branch render --ticket WID-7 --repo widgets --run run-1)"
echo "TOKEN=hunter2" > .env
git add .env
show git commit -q -m "add feature"

step "passing: the secret unstaged, the commit message gets the ticket"
git rm -q --cached .env
echo ".env" >> .gitignore
git add .gitignore
show git commit -q -m "add feature"
git log -1 --format='committed: %s'

step "passing: git push, recorded in the store metawsm reads"
show git push -q origin HEAD

step "blocked: pushing a branch that does not fit the template (the remote stays unchanged)"
git checkout -q -b wip
echo "more" >> feature.txt
git commit -q --no-verify -am "WIP"
show git push -q origin wip

step "what the store recorded"
git checkout -q wid-7/widgets/run-1
metawsm-hooks status
