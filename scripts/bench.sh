#!/usr/bin/env bash
# The benchmark suite in one command: installs what is missing, builds the
# release benchmarks (g++ -O2 -march=native), runs every bench/*_bench binary
# with repetitions (medians reported), writes JSON to build/bench-results/ and
# regenerates docs/performance.md and its plots in docs/img/. It also times
# `vpnwire decode --json` against `tshark -T json` (examples/vpnwire/bench_vs_tshark.sh).
#   VPNWIRE_BENCH_REPS=5 (repetitions)  VPNWIRE_BENCH_MIN_TIME=0.2 (seconds per run)
#   VPNWIRE_BENCH_FILTER=regex (only matching binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
reps=${VPNWIRE_BENCH_REPS:-5}
min_time=${VPNWIRE_BENCH_MIN_TIME:-0.2}
filter=${VPNWIRE_BENCH_FILTER:-.}
cmake --preset release-bench >/dev/null
cmake --build --preset release-bench -j "$(nproc)"
out=build/bench-results
mkdir -p "$out"
for bin in build/release-bench/bench/*_bench; do
  name=$(basename "$bin")
  [[ $name =~ $filter ]] || continue
  echo "=== $name"
  "$bin" --benchmark_repetitions="$reps" --benchmark_min_time="$min_time" \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="$out/$name.json" --benchmark_out_format=json
done
# The CLI against tshark on the same generated L2TP/IPsec capture (both decrypting).
if [[ cli_vs_tshark =~ $filter ]]; then
  echo "=== cli_vs_tshark"
  cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DVPNWIRE_BUILD_TESTS=OFF \
    -DVPNWIRE_BUILD_BENCH=OFF -DVPNWIRE_BUILD_EXAMPLES=ON -DVPNWIRE_NOEXCEPT_CHECK=OFF >/dev/null
  cmake --build build/demo -j "$(nproc)" --target vpnwire_cli vpnwire_gen_captures
  examples/vpnwire/bench_vs_tshark.sh build/demo/examples/vpnwire "${VPNWIRE_CLI_ROUNDS:-2000}" |
    tee "$out/cli_vs_tshark.txt"
fi
/usr/bin/python3 scripts/bench-report.py "$out" docs/performance.md docs/img
