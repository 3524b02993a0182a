#!/usr/bin/env bash
# fuzz-one.sh BINARY CORPUS SCRATCH SECONDS [extra libFuzzer args...]
# Fuzzes for SECONDS starting from the checked-in CORPUS, writing new inputs to
# SCRATCH (never to the checked-in corpus; scripts/fuzz.sh merges explicitly).
set -euo pipefail
bin=$1 corpus=$2 scratch=$3 secs=$4
shift 4
mkdir -p "$scratch"
exec "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$scratch/" "$@" "$scratch" "$corpus"
