#!/usr/bin/env bash
# k-means, seconds per Lloyd iteration: kdsched against scikit-learn's KMeans(algorithm="lloyd",
# n_init=1) with OpenBLAS, on the same data, the same initial centroids and the same cores,
# measured in one run. Needs Debian's python3-sklearn and python3-h5py (installed when root).
#
#   bench/kmeans.sh [ROWS] [COLS] [K] [ITERATIONS]      (defaults: 1000000 16 16 20)
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

rows=${1:-1000000}
cols=${2:-16}
k=${3:-16}
iterations=${4:-20}
require_peer "$python -c 'import sklearn, h5py'" python3-sklearn python3-h5py libopenblas0
prepare_run

"$kdsched" gen blobs --rows "$rows" --cols "$cols" --centers "$k" --seed 7 --out "$work/blobs.h5" --log-level warn
# Initial centroids both sides share: the first k rows, which take a while to converge.
"$python" -c 'import h5py, sys; f = h5py.File(sys.argv[1], "a"); f["init"] = f["points"][: int(sys.argv[2])]' "$work/blobs.h5" "$k"
cat >"$work/kmeans.toml" <<TOML
[job]
name = "bench-kmeans"
output = "kmeans.h5"
[input]
file = "blobs.h5"
dataset = "/points"
[kernel]
name = "kmeans"
k = $k
init = "dataset"
init_dataset = "/init"
max_iterations = $iterations
tolerance = 0.0
TOML

# One worker rank per core; rank 0 only deals and sleeps while workers compute.
mpiexec --oversubscribe -n $((cores + 1)) "$kdsched" run "$work/kmeans.toml" --force --progress off --log-level warn
"$python" "$(dirname "${BASH_SOURCE[0]}")/kmeans_sklearn.py" "$work/blobs.h5" /points /init "$iterations" "$work/sklearn.json"

"$python" - "$work/kmeans.h5" "$work/sklearn.json" "$rows" "$cols" "$k" "$cores" <<'PY'
import json, sys
import h5py, numpy as np
result, sk, rows, cols, k, cores = sys.argv[1], json.load(open(sys.argv[2])), *map(int, sys.argv[3:7])
with h5py.File(result) as f:
    attrs = f["result"].attrs
    iterations = int(attrs["iterations"])
    parts = f["partitions"][()]
    lloyd = parts[(parts["round"] >= 1) & (parts["round"] <= iterations)]  # round 0: statistics
    per_iteration = (lloyd["end_s"].max() - lloyd["start_s"].min()) / iterations
    centroids = f["result/centroids"][()]
    inertia = float(attrs["inertia"])
sk_per_iteration = sk["seconds"] / sk["iterations"]
diff = np.abs(centroids - np.array(sk["centroids"])).max()
print(f"{rows:,} x {cols} float64, k = {k}, {cores} cores, scikit-learn BLAS: {sk['blas']}\n")
print("| | iterations | seconds / iteration | vs scikit-learn |")
print("|---|---:|---:|---:|")
print(f"| scikit-learn KMeans (lloyd, n_init=1) | {sk['iterations']} | {sk_per_iteration:.4f} | 1.00 |")
print(f"| kdsched kmeans ({cores} workers) | {iterations} | {per_iteration:.4f} | {sk_per_iteration / per_iteration:.2f}x |")
print(f"\nlargest centroid difference: {diff:.2e}; inertia {inertia:.6e} vs {sk['inertia']:.6e}")
PY
