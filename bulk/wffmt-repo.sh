#!/usr/bin/env bash
# One repository of a bulk migration, run at the repository's root: multi-gitter runs it in each
# clone, the GitHub Actions matrix (bulk/migrate.yml) in each checkout.
#
#   1. wffmt --check --format json: the report of what would change, kept as $OUT/$NAME.json;
#   2. if something would change, wffmt --fix --format markdown: the files are fixed and the
#      pull-request body is kept as $OUT/$NAME.md.
#
# Exit code (multi-gitter opens a pull request when it is 0 and files changed):
#   0  fixed, or nothing to change
#   2  a file or the configuration could not be processed: nothing was fixed, read the report
#   3  pin could not reach the network or authenticate: nothing was fixed, run again
#
# Environment:
#   WFFMT       the wffmt program (default: wffmt)
#   WFFMT_ARGS  more options, separated by spaces (e.g. "--select pin,outdated-actions")
#   WFFMT_OUT   where the reports go (default: $HOME/wffmt-bulk)
#   REPOSITORY  the repository's name, owner/name (multi-gitter sets it; default: the directory's)
set -euo pipefail

wffmt=${WFFMT:-wffmt}
out=${WFFMT_OUT:-$HOME/wffmt-bulk}
name=${REPOSITORY:-$(basename "$PWD")}
case "$name" in
  "" | /* | *..*) echo "wffmt-repo.sh: unusable repository name '$name'" >&2; exit 2 ;;
esac
mkdir -p "$out/$(dirname "$name")"
set -f
read -r -a args <<<"${WFFMT_ARGS:-}"
set +f

code=0
"$wffmt" --check --quiet --format json --output-file "$out/$name.json" \
  ${args[@]+"${args[@]}"} || code=$?
case "$code" in
  0) exit 0 ;;
  1) ;;
  *) exit "$code" ;;
esac
"$wffmt" --fix --quiet --format markdown --output-file "$out/$name.md" ${args[@]+"${args[@]}"}
