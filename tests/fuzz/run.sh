#!/usr/bin/env bash
# Runs every libFuzzer target of the fuzz preset for a bounded, deterministic number of inputs
# (-runs, -seed: the same binary finds the same things every time), starting from its
# regression corpus and seeds, each copied to a scratch folder (the tree is never written).
# Usage: tests/fuzz/run.sh [RUNS]   (default 20000 inputs per target). Exit non-zero on a finding.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20000}
bin=build/fuzz/tests/fuzz
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
declare -A seeds=(
  [hf_config]="tests/fixtures ../shared/models"
  [native_model]="tests/fixtures data"
  [hardware_profile]="tests/fixtures/hw hwprofiles"
  [text_options]=""
  [fit_files]=""
)
for t in hf_config native_model hardware_profile text_options fit_files; do
  mkdir -p "$scratch/$t"
  cp tests/fuzz/corpus/$t/* "$scratch/$t/"
  for s in ${seeds[$t]}; do
    [ -d "$s" ] && find "$s" -maxdepth 1 -type f -name '*.json' -exec cp {} "$scratch/$t/" \;
  done
  start=$(date +%s)
  # -max_len 8192: the seeds are small; -timeout 10: a hang is a finding; -rss_limit_mb: so is a blow-up.
  "$bin/fuzz_$t" -runs="$runs" -seed=1 -max_len=8192 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$scratch/crash-$t-" \
    "$scratch/$t" > "$scratch/$t.log" 2>&1 || { tail -40 "$scratch/$t.log"; ls "$scratch"/crash-* 2>/dev/null; exit 1; }
  echo "fuzz $t: $runs inputs in $(( $(date +%s) - start )) s, corpus $(ls "$scratch/$t" | wc -l) files"
done
