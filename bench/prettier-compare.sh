#!/usr/bin/env bash
# Compare `wffmt --check --select layout,quote-patterns` with `prettier --check` on the shared
# corpus laid out as repositories (each file at its original path under <owner>__<repo>/).
# Installs prettier with npm into a temporary directory. Prints wall times and the ratio.
#
#   bash bench/prettier-compare.sh [CORPUS_DIR]     (default: ../shared/corpus)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${1:-$here/../shared/corpus}
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tree="$work/repos"
grep -v '^#' "$corpus/MANIFEST.tsv" | awk -F'\t' 'NR>1 && $4 ~ /^workflows\// {print $1"\t"$3"\t"$4}' |
  while IFS=$'\t' read -r repo orig stored; do
    dest="$tree/${repo/\//__}/$orig"
    mkdir -p "$(dirname "$dest")"
    cp "$corpus/$stored" "$dest"
  done
files=$(find "$tree" -type f | wc -l)
bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "tree: $files files, $bytes bytes"

if [ -z "${WFFMT_BIN:-}" ]; then
  (cd "$here" && cargo build --release -q)
fi
wffmt=${WFFMT_BIN:-$here/target/release/wffmt}
(cd "$work" && npm install --silent --no-audit --no-fund prettier@3 >/dev/null)
prettier="$work/node_modules/.bin/prettier"
echo "prettier $("$prettier" --version)"

best() { # best wall time in seconds of "$@" over $runs runs
  local best=999999
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    best=$(awk -v s="$s" -v e="$e" -v b="$best" 'BEGIN {d = e - s; print (d < b) ? d : b}')
  done
  echo "$best"
}

cd "$tree"
# Prettier must also see the dot directories (.github) where workflows live.
p=$(best "$prettier" --check '**/*.{yml,yaml}' '**/.github/**/*.{yml,yaml}')
w=$(best "$wffmt" --check --select layout,quote-patterns .)
w1=$(best "$wffmt" --check --select layout,quote-patterns -j 1 .)
awk -v p="$p" -v w="$w" -v w1="$w1" -v b="$bytes" 'BEGIN {
  printf "prettier --check:                       %.3f s\n", p
  printf "wffmt --check (layout,quote-patterns):  %.3f s (%.1f MB/s)\n", w, b / w / 1e6
  printf "wffmt --check -j 1:                     %.3f s (%.1f MB/s)\n", w1, b / w1 / 1e6
  printf "ratio prettier / wffmt:                 %.1fx\n", p / w
}'
