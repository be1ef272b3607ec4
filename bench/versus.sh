#!/usr/bin/env bash
# This build of kdsched against another build of it (an earlier commit, say), side by side in
# one run: dispatch rate of empty partitions (fixed chunk = 1 and guided, 2 ranks) and seconds
# per k-means iteration (one worker per core). Repeats alternate the two builds, and the ratio is
# taken per repeat, because shared machines change speed from one minute to the next.
#
#   bench/versus.sh OTHER_KDSCHED [PARTITIONS] [REPEATS]   (defaults: 1000000 partitions, 3 repeats)
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

other=${1:?usage: bench/versus.sh OTHER_KDSCHED [PARTITIONS] [REPEATS]}
partitions=${2:-1000000}
repeats=${3:-3}
prepare_run

for chunking in fixed guided; do write_dispatch_job "$chunking" "$chunking" "$partitions"; done
"$kdsched" gen blobs --rows 1000000 --cols 16 --centers 16 --seed 7 --out "$work/blobs.h5" --log-level warn
cat >"$work/kmeans.toml" <<TOML
[job]
name = "kmeans"
output = "kmeans.h5"
[input]
file = "blobs.h5"
dataset = "/points"
[kernel]
name = "kmeans"
k = 16
init = "random"
seed = 1
max_iterations = 20
tolerance = 0.0
TOML

# Partitions per second of a dispatch job, or seconds per Lloyd iteration of the k-means job.
measure() {  # BINARY JOB
  local binary=$1 job=$2 ranks=2 bind=(--bind-to core)
  if [[ $job == kmeans ]]; then ranks=$((cores + 1)) bind=(--oversubscribe); fi
  mpiexec "${bind[@]}" -n "$ranks" "$binary" run "$work/$job.toml" --force --progress off --log-level warn
  /usr/bin/python3 - "$work/$job.h5" "$job" <<'PY'
import sys
import h5py
with h5py.File(sys.argv[1]) as f:
    parts = f["partitions"][()]
    if sys.argv[2] == "kmeans":
        lloyd = parts[parts["round"] >= 1]
        iterations = int(f["result"].attrs["iterations"])
        print((lloyd["end_s"].max() - lloyd["start_s"].min()) / iterations)
    else:
        print(len(parts) / f.attrs["wall_seconds"])
PY
}

require_peer "/usr/bin/python3 -c 'import h5py'" python3-h5py
echo "| repeat | job | this build | other build | this / other |"
echo "|---:|---|---:|---:|---:|"
for ((r = 1; r <= repeats; r++)); do
  for job in fixed guided kmeans; do
    if ((r % 2)); then
      mine=$(measure "$kdsched" "$job"); theirs=$(measure "$other" "$job")
    else
      theirs=$(measure "$other" "$job"); mine=$(measure "$kdsched" "$job")
    fi
    printf '| %d | %s | %.4g | %.4g | %.3f |\n' "$r" "$job" "$mine" "$theirs" \
      "$(/usr/bin/python3 -c "print($mine / $theirs)")"
  done
done
echo
echo "fixed, guided: partitions per second (higher is better); kmeans: seconds per iteration (lower is better)."
