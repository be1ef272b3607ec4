#!/usr/bin/env bash
# Builds kdsched, generates a demo dataset, runs a stats job on 4 MPI ranks and prints its report.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build_kdsched
kdsched=$build_dir/src/app/kdsched
mkdir -p "$root_dir/demo/data"
"$kdsched" gen blobs --rows 1000000 --cols 8 --centers 6 --seed 42 --out "$root_dir/demo/data/blobs.h5" --force
"$kdsched" gen transactions --transactions 100000 --items 1000 --avg-length 10 --seed 1 \
  --out "$root_dir/demo/data/transactions.h5" --force
"$kdsched" validate "$root_dir/jobs/examples/stats-demo.toml"
mpiexec --oversubscribe -n 4 "$kdsched" run "$root_dir/jobs/examples/stats-demo.toml" --force
"$kdsched" report "$root_dir/demo/results/stats-demo.h5"
cat <<EOF

kdsched is built at $kdsched (it is not on PATH). To try the other examples:
  $kdsched validate $root_dir/jobs/examples/kmeans-demo.toml
  mpiexec --oversubscribe -n 4 $kdsched run $root_dir/jobs/examples/kmeans-demo.toml --force
or put it on PATH for this shell: export PATH="$(dirname "$kdsched"):\$PATH"
EOF
