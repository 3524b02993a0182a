#!/usr/bin/env bash
# The fuzzing campaign, accumulated across runs.
#
#   scripts/fuzz.sh [SECONDS] [TARGET-REGEX] [PARALLEL]
#
# Builds every fuzz target with libFuzzer (+ASan+UBSan), fuzzes each for
# SECONDS (default 60) starting from its checked-in corpus, PARALLEL targets at
# a time (default: the number of cores), merges new coverage-increasing inputs
# into fuzz/corpus/<target>/ (-merge=1, so the corpus stays minimal), and adds
# the run's CPU time and executions to the ledger fuzz/campaign-ledger.tsv, the
# project's fuzzing history, one row as each target finishes (least-fuzzed
# targets run first; a stopped campaign keeps the rows of finished targets).
# docs/fuzzing-stats.md is regenerated from the ledger by scripts/fuzz-stats.py:
# cumulative CPU time, executions and corpus size per target, and the open
# crashes.
#
# A crash does not stop the campaign: its input is kept in
# fuzz/crashes/<target>/ (an open crash, listed in the stats) and the script
# exits non-zero at the end. Fixing it means adding the input to the target's
# corpus as a regression seed and deleting it from fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
filter=${2:-.}
parallel=${3:-$(nproc)}
scripts/install-deps.sh >/dev/null
cmake --preset clang-fuzz >/dev/null
cmake --build --preset clang-fuzz -j "$(nproc)"
work=build/fuzz-campaign
mkdir -p "$work"
ledger=fuzz/campaign-ledger.tsv
[ -f "$ledger" ] || printf 'date\ttarget\tcpu_seconds\texecutions\tcorpus_after\tresult\n' >"$ledger"

run_one() { # run_one TARGET-BINARY
  local bin=$1 t=${1##*/fuzz_}
  local corpus=fuzz/corpus/$t scratch=$work/$t
  mkdir -p "$corpus" "$scratch"
  local dict=()
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  local t0 t1 result=ok
  t0=$(date +%s)
  # CPU time, not wall time: the machine may be shared (nice), so the ledger
  # counts what the fuzzer actually got (user + system, from /usr/bin/time).
  if ! /usr/bin/time -o "$work/$t.time" -f '%U %S' "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$scratch/" "${dict[@]}" "$scratch" "$corpus" >"$work/$t.log" 2>&1; then
    result=crash
    mkdir -p "fuzz/crashes/$t"
    find "$scratch" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
      -exec mv {} "fuzz/crashes/$t/" \;
  fi
  t1=$(date +%s)
  "$bin" -merge=1 "${dict[@]}" "$corpus" "$scratch" >/dev/null 2>>"$work/$t.merge.log" || true
  local execs cpu
  cpu=$(tail -1 "$work/$t.time" 2>/dev/null | awk '{printf "%d", $1 + $2 + 0.5}')
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$' | tail -1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%d)" "$t" "${cpu:-$((t1 - t0))}" "${execs:-0}" \
    "$(find "$corpus" -type f | wc -l)" "$result" >"$work/$t.row"
  # Into the ledger as soon as the target is done (under a lock: PARALLEL
  # targets finish concurrently), so a campaign stopped mid-run keeps every
  # target it finished.
  (
    flock 9
    cat "$work/$t.row" >>"$ledger"
  ) 9>"$work/ledger.lock"
  echo "$t: $result, ${cpu:-?} CPU s ($((t1 - t0)) s wall), ${execs:-0} executions"
}
export -f run_one
export secs work ledger

# Least-fuzzed targets first (cumulative CPU seconds in the ledger), so an
# interrupted campaign has spent its time where the history is thinnest.
mapfile -t bins < <(for b in build/clang-fuzz/fuzz/fuzz_*; do
  [ -x "$b" ] || continue
  t=${b##*/fuzz_}
  [[ $t =~ $filter ]] || continue
  printf '%s %s\n' "$(awk -F'\t' -v t="$t" '$2 == t { s += $3 } END { print s + 0 }' "$ledger")" "$b"
done | sort -n -k1,1 -s | cut -d' ' -f2)
rm -f "$work"/*.row
printf '%s\n' "${bins[@]}" | xargs -P "$parallel" -I{} bash -c 'run_one "$@"' _ {}

/usr/bin/python3 scripts/fuzz-stats.py "$ledger" docs/fuzzing-stats.md
if [ -d fuzz/crashes ] && [ -n "$(find fuzz/crashes -type f)" ]; then
  echo "open crashes in fuzz/crashes/ (see docs/fuzzing-stats.md)"
  exit 1
fi
