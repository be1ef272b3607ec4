#!/usr/bin/env bash
# Chaos trials: faults injected at random into real runs, and what became of them. Each trial
# starts a ~5 s job on 4 ranks (rotating spin, stats, histogram, kmeans and itemsets), then:
#   kill    SIGKILL of a random rank (the master included) at a random time, then `--resume`
#           until the job is complete;
#   stop    SIGSTOP of a random worker at a random time, under mpirun --enable-recovery;
#   drain   SIGTERM or SIGUSR1 (to mpirun, or to one rank) at a random time, then `--resume`.
# Every result is compared, bit for bit, with a fault-free run of the same job, and its
# /partitions checked for lost and doubled partitions. Then a straggler trial (one worker of 8
# four times slower, with and without speculation) and the journal's cost (k-means per
# iteration and guided dispatch of empty partitions, with the journal on and off, alternating).
#
#   bench/chaos.sh [TRIALS] [SEED]   (defaults: 100 trials, seed 1)
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

trials=${1:-100}
seed=${2:-1}
require_peer "$python -c 'import h5py, numpy'" python3-h5py python3-numpy
prepare_run
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
"$kdsched" gen blobs --rows 200000 --cols 4 --centers 4 --seed 3 --chunk-rows 1000 --out "$work/blobs.h5" --log-level warn
"$kdsched" gen transactions --transactions 20000 --items 200 --avg-length 8 --seed 1 --out "$work/tx.h5" --log-level warn
"$kdsched" gen blobs --rows 1000000 --cols 16 --centers 16 --seed 7 --out "$work/big.h5" --log-level warn
exec "$python" "$(dirname "${BASH_SOURCE[0]}")/chaos.py" --kdsched "$kdsched" --work "$work" --trials "$trials" --seed "$seed"
