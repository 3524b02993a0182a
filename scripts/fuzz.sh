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
# project's fuzzing history. docs/fuzzing-stats.md is regenerated from the
# ledger: cumulative CPU time, executions and corpus size per target, and the
# open crashes.
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
  echo "$t: $result, ${cpu:-?} CPU s ($((t1 - t0)) s wall), ${execs:-0} executions"
}
export -f run_one
export secs work

mapfile -t bins < <(for b in build/clang-fuzz/fuzz/fuzz_*; do
  [ -x "$b" ] || continue
  t=${b##*/fuzz_}
  [[ $t =~ $filter ]] && echo "$b"
done)
rm -f "$work"/*.row
printf '%s\n' "${bins[@]}" | xargs -P "$parallel" -I{} bash -c 'run_one "$@"' _ {}
cat "$work"/*.row >>"$ledger"

/usr/bin/python3 - "$ledger" docs/fuzzing-stats.md <<'EOF'
import collections, csv, os, sys
ledger, out = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(ledger), delimiter="\t"))
agg = collections.OrderedDict()
for r in sorted(rows, key=lambda r: r["target"]):
    a = agg.setdefault(r["target"], {"cpu": 0, "execs": 0, "runs": 0, "corpus": 0, "last": ""})
    a["cpu"] += int(r["cpu_seconds"]); a["execs"] += int(r["executions"]); a["runs"] += 1
    a["corpus"] = int(r["corpus_after"]); a["last"] = max(a["last"], r["date"])
crashes = {t: sorted(os.listdir(os.path.join("fuzz/crashes", t)))
           for t in (os.listdir("fuzz/crashes") if os.path.isdir("fuzz/crashes") else [])
           if os.listdir(os.path.join("fuzz/crashes", t))}
goal = 3600
with open(out, "w") as f:
    f.write("# Fuzzing statistics\n\n")
    f.write("Cumulative over the project's history, from fuzz/campaign-ledger.tsv (one row per target per\n"
            "`scripts/fuzz.sh` run; each run starts from the merged corpus of the runs before it).\n"
            "Goal: at least one CPU-hour per target with no open crash.\n\n")
    f.write("| target | CPU time | executions | runs | corpus | last run | goal (1 CPU-h) | open crashes |\n")
    f.write("|---|---|---|---|---|---|---|---|\n")
    tot_cpu = tot_ex = 0
    for t, a in agg.items():
        tot_cpu += a["cpu"]; tot_ex += a["execs"]
        h, m = divmod(a["cpu"] // 60, 60)
        f.write(f"| {t} | {h}h{m:02d}m | {a['execs']:,} | {a['runs']} | {a['corpus']} | {a['last']} | "
                f"{min(100, 100 * a['cpu'] // goal)}% | {len(crashes.get(t, []))} |\n")
    f.write(f"\nTotal: {tot_cpu / 3600:.1f} CPU-hours, {tot_ex:,} executions over {len(agg)} targets.\n")
    if crashes:
        f.write("\n## Open crashes\n\n")
        for t, files in sorted(crashes.items()):
            for c in files:
                f.write(f"- {t}: fuzz/crashes/{t}/{c}\n")
print("wrote", out)
EOF
if [ -d fuzz/crashes ] && [ -n "$(find fuzz/crashes -type f)" ]; then
  echo "open crashes in fuzz/crashes/ (see docs/fuzzing-stats.md)"
  exit 1
fi
