#!/usr/bin/env bash
# CPU used by the master (rank 0) during a long job, as a fraction of the wall time: the master
# must not busy-spin while workers compute.
#
#   bench/master_cpu.sh [WORKERS] [PARTITIONS]      (defaults: 8 20000)
#
# Spin partitions that sleep, lognormal costs with a mean of 5 ms (sigma 1): about 12 s of wall
# time on 8 workers. Rank 0 records its own CPU seconds (getrusage) in the result file.
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

workers=${1:-8}
partitions=${2:-20000}
prepare_run

for chunking in guided fixed; do
  cat >"$work/$chunking.toml" <<TOML
[job]
name = "master-cpu-$chunking"
output = "$chunking.h5"
[partition]
range = [0, $partitions]
[kernel]
name = "spin"
cost = "lognormal:5000,1.0"
mode = "sleep"
[schedule]
chunking = "$chunking"
chunk = 1
stealing = "random"
TOML
  mpiexec --oversubscribe -n $((workers + 1)) "$kdsched" run "$work/$chunking.toml" --force --progress off --log-level warn
  "$python" - "$("$kdsched" report "$work/$chunking.h5" --json)" "$chunking" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
cpu, wall = r["master_cpu_seconds"], r["wall_seconds"]
print(f"{sys.argv[2]:>7} (chunk 1): {r['partitions']} partitions in {wall:.2f} s wall; "
      f"master CPU {cpu:.3f} s = {100 * cpu / wall:.2f} % of one core")
PY
done
