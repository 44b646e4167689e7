#!/usr/bin/env bash
# The step of the GitHub Action (action.yml). Installs wffmt $INPUT_VERSION from PyPI into a
# virtual environment of its own (reused by later steps of the job), runs
#   wffmt --check --format github $INPUT_ARGS -- $INPUT_PATHS
# so findings become annotations, writes a markdown summary to the job summary and the exit code
# to the step outputs, and exits with wffmt's exit code.
#
# Inputs arrive in the environment (never pasted into the script), so no input can run a command.
# pip honours its own variables (PIP_INDEX_URL, PIP_FIND_LINKS, ...) for mirrors.
set -euo pipefail

fail() {
  echo "::error title=wffmt action::$*"
  exit 2
}

version=${INPUT_VERSION:-}
if [[ ! $version =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?([.+-]?[A-Za-z0-9.]+)?$ ]]; then
  fail "the version input must be a release number such as 0.1.0, not '${version//[$'\r\n']/ }'"
fi

python=${WFFMT_PYTHON:-python3}
venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/wffmt-$version"
wffmt_bin() {
  if [ -x "$venv/bin/wffmt" ]; then
    echo "$venv/bin/wffmt"
  elif [ -x "$venv/Scripts/wffmt.exe" ]; then
    echo "$venv/Scripts/wffmt.exe"
  fi
}
if [ -z "$(wffmt_bin)" ]; then
  "$python" -m venv "$venv" || fail "cannot create a virtual environment with $python"
  venv_python="$venv/bin/python"
  [ -x "$venv_python" ] || venv_python="$venv/Scripts/python.exe"
  "$venv_python" -m pip install --quiet --disable-pip-version-check "wffmt==$version" ||
    fail "cannot install wffmt $version from PyPI"
fi
wffmt=$(wffmt_bin)
[ -n "$wffmt" ] || fail "wffmt $version installed no wffmt program"

# Whitespace-separated words; no globbing, no quotes.
set -f
read -r -a args <<<"${INPUT_ARGS//[$'\r\n']/ }"
read -r -a paths <<<"${INPUT_PATHS//[$'\r\n']/ }"
set +f
[ "${#paths[@]}" -gt 0 ] || paths=(.)

# `${a[@]+"${a[@]}"}`: an empty array under `set -u` in the bash 3.2 of macOS runners.
code=0
"$wffmt" --check --format github ${args[@]+"${args[@]}"} -- "${paths[@]}" || code=$?
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$code" >>"$GITHUB_OUTPUT"
fi

# The job summary, from a second run that reads pin's cache instead of the network.
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  offline=--offline
  for arg in ${args[@]+"${args[@]}"}; do
    [ "$arg" != "--offline" ] || offline=
  done
  summary=$(mktemp)
  "$wffmt" --check --format markdown $offline ${args[@]+"${args[@]}"} -- "${paths[@]}" \
    >"$summary" 2>/dev/null || true
  if [ -s "$summary" ]; then
    cat "$summary" >>"$GITHUB_STEP_SUMMARY"
  else
    echo "wffmt wrote no summary with these arguments; see the step log." >>"$GITHUB_STEP_SUMMARY"
  fi
  rm -f "$summary"
fi
exit "$code"
