"""scikit-learn's Lloyd k-means on a kdsched input file, timed, for bench/kmeans.sh.

usage: python3 kmeans_sklearn.py DATA.h5 DATASET INIT_DATASET MAX_ITER OUT.json
"""
import json
import sys
import time

import h5py
import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info

data, dataset, init_dataset, max_iter, out = sys.argv[1:6]
with h5py.File(data, "r") as f:
    x = f[dataset][()]
    init = f[init_dataset][()]

model = KMeans(n_clusters=init.shape[0], init=init, n_init=1, algorithm="lloyd", max_iter=int(max_iter), tol=0.0)
start = time.perf_counter()
model.fit(x)
seconds = time.perf_counter() - start

blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
json.dump({
    "seconds": seconds,
    "iterations": int(model.n_iter_),
    "inertia": float(model.inertia_),
    "centroids": model.cluster_centers_.tolist(),
    "blas": f"{blas[0]['internal_api']} {blas[0]['version']} ({blas[0]['architecture']}, {blas[0]['num_threads']} threads)" if blas else "none",
}, open(out, "w"))
