#!/usr/bin/env bash
# Differential fuzzing of `vpnwire decode --json` against tshark (PDML).
#
#   scripts/difffuzz.sh [FRAMES] [SEED] [OUT-DIR]
#
# Builds the CLI (dev preset), mutates frames of the project's captures and of
# structured generators (fuzz/difffuzz/), compares both dissections field by
# field and classifies every disagreement (fuzz/difffuzz/known.py, documented
# in docs/differential.md). Default: 200000 frames, seed 20261206, into
# build/difffuzz. Fails on a vpnwire crash, a frame-count difference or an
# unclassified disagreement; OUT-DIR/findings.jsonl holds one minimised frame
# per signature (fuzz/difffuzz/show.py prints one).
set -euo pipefail
cd "$(dirname "$0")/.."
frames=${1:-200000}
seed=${2:-20261206}
out=${3:-build/difffuzz}
cmake --preset dev >/dev/null
cmake --build build/dev -j2 --target vpnwire_cli
exec /usr/bin/python3 fuzz/difffuzz/difffuzz.py build/dev/examples/vpnwire/vpnwire . \
  --frames "$frames" --seed "$seed" --batch 5000 --out "$out" --fail-on-unclassified
