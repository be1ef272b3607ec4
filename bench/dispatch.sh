#!/usr/bin/env bash
# Dispatch rate: empty spin partitions through kdsched (fixed chunk = 1, and guided) beside the MPI
# ping-pong round-trip rate between the same two cores and beside mpi4py.futures'
# MPIPoolExecutor.map with the same two ranks (chunksize 1 and 100), measured in one run.
#
#   bench/dispatch.sh [PARTITIONS] [REPEATS]      (defaults: 1000000 partitions, 5 repeats)
#
# kdsched runs with 2 ranks bound to cores (Open MPI's default for two ranks): rank 0 deals,
# rank 1 runs. chunk = 1 needs one request and one grant per partition, so the ping-pong rate is
# its physical limit. Shared machines change speed from one minute to the next, so every repeat
# measures all of them back to back, and the ratios are taken per repeat. mpi4py.futures at
# chunksize 1 maps PARTITIONS / 50 tasks (it manages a few thousand a second); at chunksize 100,
# PARTITIONS. Needs Debian's python3-mpi4py (installed when root).
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

partitions=${1:-1000000}
repeats=${2:-5}
require_peer "$python -c 'import mpi4py.futures'" python3-mpi4py
prepare_run
pingpong=$build_dir/bench/kdsched_pingpong


# Rates in events per second. Outputs are captured before they are parsed: a parser starting in
# a pipe would compete for the cores being measured.
pingpong_rate() {
  local result
  result=$(mpiexec --bind-to core -n 2 "$pingpong" "$partitions" 64)
  python3 -c 'import json,sys; print(json.loads(sys.argv[1])["round_trips_per_s"])' "$result"
}
mpi4py_rate() {  # TASKS CHUNKSIZE
  local result
  result=$(mpiexec --bind-to core -n 2 "$python" -m mpi4py.futures "$(dirname "${BASH_SOURCE[0]}")/mpi4py_dispatch.py" "$1" "$2")
  "$python" -c 'import json,sys; print(json.loads(sys.argv[1])["tasks_per_s"])' "$result"
}
kdsched_rate() {  # NAME
  mpiexec --bind-to core -n 2 "$kdsched" run "$work/$1.toml" --force --progress off --log-level warn
  local report
  report=$("$kdsched" report "$work/$1.h5" --json)
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["partitions"] / r["wall_seconds"])' "$report"
}

write_dispatch_job fixed1 fixed "$partitions"
write_dispatch_job guided guided "$partitions"
samples=()
for _ in $(seq "$repeats"); do
  samples+=("$(pingpong_rate) $(kdsched_rate fixed1) $(kdsched_rate guided) $(mpi4py_rate $((partitions / 50)) 1) $(mpi4py_rate "$partitions" 100)")
done

python3 - "$partitions" "$(hostname)" "$(nproc)" "${samples[@]}" <<'PY'
import statistics, sys
partitions, host, cores = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rows = [tuple(map(float, s.split())) for s in sys.argv[4:]]
print(f"{partitions:,} empty partitions, 2 MPI ranks bound to cores, {host} ({cores} cores)\n")
print("| repeat | ping-pong round trips/s | chunk = 1 partitions/s | / ping-pong | guided partitions/s "
      "| mpi4py.futures chunksize 1 tasks/s | chunk = 1 / mpi4py | mpi4py chunksize 100 tasks/s |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
def line(label, pp, fixed, guided, m1, m100):
    print(f"| {label} | {pp:,.0f} | {fixed:,.0f} | {100 * fixed / pp:.0f} % | {guided:,.0f} | {m1:,.0f} | "
          f"{fixed / m1:,.0f}x | {m100:,.0f} |")
for i, row in enumerate(rows, 1):
    line(i, *row)
med = statistics.median
line("median", *(med(r[k] for r in rows) for k in range(5)))
print(f"\nmedian of the per-repeat ratios: chunk = 1 / ping-pong {100 * med(r[1] / r[0] for r in rows):.0f} %, "
      f"chunk = 1 / mpi4py chunksize 1 {med(r[1] / r[3] for r in rows):,.0f}x")
PY
