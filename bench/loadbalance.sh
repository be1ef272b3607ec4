#!/usr/bin/env bash
# Load balance: every chunking policy x stealing setting on irregular work, with the makespan
# the simulator predicts for each run beside the one measured, in one run.
#
#   bench/loadbalance.sh [WORKERS] [PARTITIONS] [SEED]      (defaults: 8 2000 1)
#
# Work: spin partitions that sleep (so 8 workers fit on 2 cores) with lognormal costs, mean 5 ms,
# sigma 1.5, drawn by numpy: "iid" in id order, and "tail", the same costs sorted so that the
# heaviest come last.
# Efficiency = sum of partition times / (workers x makespan), as `kdsched report` computes it.
# The simulator gets each run's measured partition times (--costs-from) and the one-way latency
# measured by the MPI ping-pong.
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

workers=${1:-8}
partitions=${2:-2000}
seed=${3:-1}
require_peer "$python -c 'import h5py, numpy'" python3-h5py python3-numpy
prepare_run

# Both cost lists in one file: /iid in id order, /tail sorted so that the heaviest come last.
"$python" - "$work/costs.h5" "$partitions" "$seed" <<'PY'
import h5py, numpy as np, sys
path, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sigma, mean = 1.5, 5e-3
costs = np.random.default_rng(seed).lognormal(np.log(mean) - sigma**2 / 2, sigma, n)
with h5py.File(path, "w") as f:
    f["iid"] = costs
    f["tail"] = np.sort(costs)
PY
latency_us=$(mpiexec --bind-to core -n 2 "$build_dir/bench/kdsched_pingpong" 200000 64 |
  "$python" -c 'import json,sys; print(0.5e6 / json.load(sys.stdin)["round_trips_per_s"])')

write_job() {  # NAME COSTS CHUNKING STEALING [ORDER-LINES]
  cat >"$work/$1.toml" <<TOML
[job]
name = "$1"
output = "$1.h5"
[input]
file = "costs.h5"
dataset = "/$2"
[partition]
rows = 1
[kernel]
name = "spin"
costs_dataset = "/$2"
mode = "sleep"
[schedule]
chunking = "$3"
stealing = "$4"
${5:-}
TOML
}

run_one() {  # NAME: prints "efficiency measured_makespan predicted_makespan"
  mpiexec --oversubscribe -n $((workers + 1)) "$kdsched" run "$work/$1.toml" --force --progress off --log-level warn
  local stealing chunking order
  chunking=$(sed -n 's/^chunking = "\(.*\)"/\1/p' "$work/$1.toml")
  stealing=$(sed -n 's/^stealing = "\(.*\)"/\1/p' "$work/$1.toml")
  order=$(sed -n 's/^order = "\(.*\)"/\1/p' "$work/$1.toml")
  local report predicted
  report=$("$kdsched" report "$work/$1.h5" --json)
  predicted=$("$kdsched" simulate --workers "$workers" --costs-from "$work/$1.h5" --chunking "$chunking" \
    --stealing "$stealing" --order "${order:-fifo}" --latency-us "$latency_us" --json)
  "$python" -c 'import json,sys; r=json.loads(sys.argv[1]); s=json.loads(sys.argv[2]); print(r["efficiency"], r["makespan_s"], s["makespan_s"], s["efficiency"])' \
    "$report" "$predicted"
}

echo "costs: lognormal mean 5 ms, sigma 1.5, seed $seed; $partitions partitions; $workers workers; one-way latency ${latency_us} us"
rows=()
for costs in iid tail; do
  for chunking in static cyclic fixed guided factoring trapezoid adaptive; do
    for stealing in off random master; do
      write_job "$costs-$chunking-$stealing" "$costs" "$chunking" "$stealing"
      rows+=("$costs $chunking $stealing fifo $(run_one "$costs-$chunking-$stealing")")
    done
  done
  # The cost model: the order of the next run from the times measured in this one.
  write_job "$costs-guided-lpt" "$costs" guided random \
    "order = \"lpt\""$'\n'"costs_from = \"$costs-guided-random.h5\""
  rows+=("$costs guided random lpt $(run_one "$costs-guided-lpt")")
done

"$python" - "${rows[@]}" <<'PY'
import sys
rows = [r.split() for r in sys.argv[1:]]
print("| costs | chunking | stealing | order | efficiency | makespan s | simulated s | sim. error |")
print("|---|---|---|---|---:|---:|---:|---:|")
errors = []
for costs, chunking, stealing, order, eff, measured, predicted, _ in rows:
    eff, measured, predicted = float(eff), float(measured), float(predicted)
    err = (predicted - measured) / measured
    errors.append(abs(err))
    print(f"| {costs} | {chunking} | {stealing} | {order} | {100 * eff:.1f} % | {measured:.3f} | {predicted:.3f} | {100 * err:+.1f} % |")
errors.sort()
print(f"\nsimulator error: median {100 * errors[len(errors) // 2]:.1f} %, largest {100 * errors[-1]:.1f} %, "
      f"within 10 %: {sum(e <= 0.10 for e in errors)} of {len(errors)}")
PY
