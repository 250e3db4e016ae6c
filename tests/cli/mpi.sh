#!/usr/bin/env bash
# MPI ranks (issue 15): `mpirun -np N moesim sweep|frontier` gives the single-process file and
# answer byte for byte (N = 2, 3); two shards merged give it too; a rank killed midway loses
# nothing after --resume (no row lost, none duplicated); a resume with other options and parts
# of two runs are refused with exit 2.
# usage: mpi.sh MOESIM MPIEXEC DIR
set -euo pipefail
moesim=$1 mpiexec=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
export OMPI_MCA_rmaps_base_oversubscribe=1   # more ranks than this machine's cores
mpirun() { "$mpiexec" --allow-run-as-root --oversubscribe -np "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
summary() { grep -v -e ' rows (' -e 'ranks evaluated' "$1"; }   # the Pareto summary without its timing lines

sweep=(sweep --set experts=8..64 --set top_k=1..4 --set batch=1..1024*2 --set context=1024,4096 --hw h100-sxm,h200 --no-progress)
for format in csv jsonl; do
  "$moesim" "${sweep[@]}" --format $format --out one.$format 2> one.err
  for n in 2 3; do
    mpirun $n "$moesim" "${sweep[@]}" --format $format --out ranks$n.$format 2> ranks$n.err
    cmp one.$format ranks$n.$format || fail "$n ranks wrote another $format file"
    diff <(summary one.err) <(summary ranks$n.err) || fail "$n ranks printed another Pareto summary"
    ls ranks$n.$format.rank* 2>/dev/null && fail "parts were left beside ranks$n.$format"
  done
done
"$moesim" "${sweep[@]}" --shard 0/2 --out part0.csv 2>/dev/null
"$moesim" "${sweep[@]}" --shard 1/2 --out part1.csv 2>/dev/null
"$moesim" merge part1.csv part0.csv --out merged.csv 2>/dev/null
cmp one.csv merged.csv || fail "two merged shards differ from one process"

# A frontier with limits: the single-process optimum at every budget, whatever N.
frontier=(frontier --hw jetson-agx-orin-64gb --serve-batch 1 --max-decode-latency "50 ms" --max-memory "48 GB" --budgets 1e20:1e25:9 --alternatives 2 --format json)
"$moesim" "${frontier[@]}" > frontier1.json
for n in 2 3; do
  mpirun $n "$moesim" "${frontier[@]}" > frontier$n.json
  cmp frontier1.json frontier$n.json || fail "the frontier on $n ranks differs"
done
grep -q '"feasible": true' frontier1.json || fail "the frontier found no feasible optimum: the comparison shows nothing"

# Kill rank 1 midway; --resume then completes the file that one process writes.
big=(sweep --set batch=1..2000 --set context=1..1000 --columns flops.total,memory.total_bytes --no-progress)
"$moesim" "${big[@]}" --out big1.csv 2>/dev/null
mpirun 2 "$moesim" "${big[@]}" --out big2.csv 2>/dev/null &
launcher=$!
killed=
for _ in $(seq 1 1000); do
  size=$(stat -c %s big2.csv.rank1of2.partial 2>/dev/null || echo 0)
  if [ "$size" -gt 1000000 ]; then
    for pid in $(pgrep -f "moesim sweep --set batch=1..2000" || true); do
      if tr '\0' '\n' < /proc/$pid/environ 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then kill -9 "$pid" && killed=$pid; fi
    done
    break
  fi
  sleep 0.01
done
wait $launcher && fail "the run whose rank was killed exited 0"
[ -n "$killed" ] || fail "rank 1 was never seen running: nothing was killed"
[ -f big2.csv ] && fail "a killed run left its --out file"
rows_before=$(($(wc -l < big2.csv.rank1of2.partial)))
[ "$rows_before" -gt 2 ] || fail "rank 1 had written no row when killed"
# Other options: refused, and the parts stay for the right resume.
mpirun 2 "$moesim" "${big[@]}" --set tp=1 --out big2.csv --resume 2> other.err && fail "a resume with other options was accepted"
grep -q different_plan other.err || fail "a resume with other options was not refused as such"
mpirun 2 "$moesim" "${big[@]}" --out big2.csv --resume 2>/dev/null
cmp big1.csv big2.csv || fail "the resumed file differs from one process' (rows lost or duplicated)"

# Parts of two runs are refused.
"$moesim" sweep --set experts=8,16 --no-progress --shard 1/2 --out other.csv 2>/dev/null
if "$moesim" merge part0.csv other.csv --out refused.csv 2> refused.err; then fail "parts of two runs were merged"; fi
grep -q different_plan refused.err || fail "parts of two runs were not refused as such"
echo "mpi: $((rows_before - 2)) rows of rank 1 kept over a kill; 2 and 3 ranks equal one process"
