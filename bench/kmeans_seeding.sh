#!/usr/bin/env bash
# k-means seeding quality: how often the default seeding finds every blob of the demo's data
# (`kdsched gen blobs --rows 1000000 --cols 8 --centers 6 --seed 42`), kdsched's k-means|| against
# scikit-learn's greedy k-means++, both with one seeding (n_init = 1), for seeds 0..SEEDS-1,
# measured in one run. A blob is found when a centroid lies within 0.5 of its true center (the
# generator records them in /centers). Needs Debian's python3-sklearn and python3-h5py (installed
# when root).
#
#   bench/kmeans_seeding.sh [SEEDS] [ROWS]      (defaults: 10 1000000)
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

seeds=${1:-10}
rows=${2:-1000000}
require_peer "$python -c 'import sklearn, h5py'" python3-sklearn python3-h5py libopenblas0
prepare_run

"$kdsched" gen blobs --rows "$rows" --cols 8 --centers 6 --seed 42 --out "$work/blobs.h5" --log-level warn
for ((seed = 0; seed < seeds; ++seed)); do
  cat >"$work/seed$seed.toml" <<TOML
[job]
name = "seeding-$seed"
output = "seed$seed.h5"
[input]
file = "blobs.h5"
dataset = "/points"
[kernel]
name = "kmeans"
k = 6
seed = $seed
TOML
done
mpiexec --oversubscribe -n $((cores + 1)) "$kdsched" run "$work"/seed*.toml --force --progress off --log-level warn

"$python" - "$work" "$seeds" <<'PY'
import sys
import h5py, numpy as np
from sklearn.cluster import KMeans
work, seeds = sys.argv[1], int(sys.argv[2])
with h5py.File(f"{work}/blobs.h5") as f:
    x, centers = f["points"][()], f["centers"][()]

def found_all(centroids):
    distances = np.linalg.norm(centers[:, None, :] - centroids[None, :, :], axis=2)
    return bool((distances.min(axis=1) < 0.5).all())

ours, theirs = [], []
for seed in range(seeds):
    with h5py.File(f"{work}/seed{seed}.h5") as f:
        ours.append(found_all(f["result/centroids"][()]))
    model = KMeans(n_clusters=6, init="k-means++", n_init=1, random_state=seed).fit(x)
    theirs.append(found_all(model.cluster_centers_))
print(f"{x.shape[0]:,} x {x.shape[1]} float64, 6 blobs, seeds 0..{seeds - 1}\n")
print("| seeding (n_init = 1) | seeds finding all 6 blobs |")
print("|---|---:|")
print(f"| scikit-learn greedy k-means++ | {sum(theirs)} / {seeds} |")
print(f"| kdsched k-means\\|\\| (default) | {sum(ours)} / {seeds} |")
missed = [s for s in range(seeds) if not ours[s]]
print(f"\nkdsched missed a blob for seeds: {missed or 'none'}; scikit-learn for: {[s for s in range(seeds) if not theirs[s]] or 'none'}")
PY
