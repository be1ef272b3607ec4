#!/usr/bin/env bash
# Scale, simulated: efficiency and master load of the real policy code at 64, 512 and 4,096
# workers on 1,000,000 partitions with lognormal costs (mean 5 ms, sigma 1), beside the lower
# bound max(sum of costs / workers, longest partition). The message latency is the one-way time
# measured by the MPI ping-pong in the same run.
#
#   bench/simulate.sh [PARTITIONS]      (default: 1000000)
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

partitions=${1:-1000000}
prepare_run
latency_us=$(mpiexec --bind-to core -n 2 "$build_dir/bench/kdsched_pingpong" 200000 64 |
  "$python" -c 'import json,sys; print(0.5e6 / json.load(sys.stdin)["round_trips_per_s"])')

echo "$partitions partitions, lognormal:5000,1.0, one-way latency ${latency_us} us (ping-pong), master 0.5 us per message"
echo
echo "| workers | chunking | stealing | order | efficiency | makespan s | lower bound s | master messages / partitions | steals | simulation s |"
echo "|---:|---|---|---|---:|---:|---:|---:|---:|---:|"
for workers in 64 512 4096; do
  for setting in "guided random fifo" "guided random lpt" "factoring random lpt" "guided master lpt"; do
    read -r chunking stealing order <<<"$setting"
    start=$EPOCHREALTIME
    result=$("$kdsched" simulate --workers "$workers" --partitions "$partitions" --cost lognormal:5000,1.0 \
      --chunking "$chunking" --stealing "$stealing" --order "$order" --latency-us "$latency_us" --json)
    end=$EPOCHREALTIME
    "$python" - "$result" "$workers" "$setting" "$start" "$end" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
chunking, stealing, order = sys.argv[3].split()
seconds = float(sys.argv[5]) - float(sys.argv[4])
print(f"| {sys.argv[2]} | {chunking} | {stealing} | {order} | {100 * r['efficiency']:.1f} % | {r['makespan_s']:.3f} | "
      f"{r['lower_bound_s']:.3f} | {r['master_messages'] / r['partitions']:.3f} | {r['steals']} | {seconds:.2f} |")
PY
  done
done
