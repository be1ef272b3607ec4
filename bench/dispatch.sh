#!/usr/bin/env bash
# Dispatch rate: empty spin partitions through kdsched (fixed chunk = 1, and guided) beside the MPI
# ping-pong round-trip rate between the same two cores, measured in one run.
#
#   bench/dispatch.sh [PARTITIONS] [REPEATS]      (defaults: 1000000 partitions, 5 repeats)
#
# kdsched runs with 2 ranks bound to cores (Open MPI's default for two ranks): rank 0 deals,
# rank 1 runs. chunk = 1 needs one request and one grant per partition, so the ping-pong rate is
# its physical limit. Shared machines change speed from one minute to the next, so every repeat
# measures ping-pong, chunk = 1 and guided back to back, and the ratios are taken per repeat.
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

partitions=${1:-1000000}
repeats=${2:-5}
prepare_run
pingpong=$build_dir/bench/kdsched_pingpong

write_job() {  # NAME CHUNKING
  cat >"$work/$1.toml" <<TOML
[job]
name = "$1"
output = "$1.h5"
[partition]
range = [0, $partitions]
[kernel]
name = "spin"
cost = "const:0"
[schedule]
chunking = "$2"
chunk = 1
stealing = "off"
TOML
}

# Rates in events per second. Outputs are captured before they are parsed: a parser starting in
# a pipe would compete for the cores being measured.
pingpong_rate() {
  local result
  result=$(mpiexec --bind-to core -n 2 "$pingpong" "$partitions" 64)
  python3 -c 'import json,sys; print(json.loads(sys.argv[1])["round_trips_per_s"])' "$result"
}
kdsched_rate() {  # NAME
  mpiexec --bind-to core -n 2 "$kdsched" run "$work/$1.toml" --force --progress off --log-level warn
  local report
  report=$("$kdsched" report "$work/$1.h5" --json)
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["partitions"] / r["wall_seconds"])' "$report"
}

write_job fixed1 fixed
write_job guided guided
samples=()
for _ in $(seq "$repeats"); do
  samples+=("$(pingpong_rate) $(kdsched_rate fixed1) $(kdsched_rate guided)")
done

python3 - "$partitions" "$(hostname)" "$(nproc)" "${samples[@]}" <<'PY'
import statistics, sys
partitions, host, cores = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rows = [tuple(map(float, s.split())) for s in sys.argv[4:]]
print(f"{partitions:,} empty partitions, 2 MPI ranks bound to cores, {host} ({cores} cores)\n")
print("| repeat | ping-pong round trips/s | chunk = 1 partitions/s | ratio | guided partitions/s | ratio |")
print("|---:|---:|---:|---:|---:|---:|")
for i, (pp, fixed, guided) in enumerate(rows, 1):
    print(f"| {i} | {pp:,.0f} | {fixed:,.0f} | {100 * fixed / pp:.0f} % | {guided:,.0f} | {100 * guided / pp:.0f} % |")
med = statistics.median
print(f"| median | {med(r[0] for r in rows):,.0f} | {med(r[1] for r in rows):,.0f} | "
      f"{100 * med(r[1] / r[0] for r in rows):.0f} % | {med(r[2] for r in rows):,.0f} | "
      f"{100 * med(r[2] / r[0] for r in rows):.0f} % |")
PY
