#!/usr/bin/env bash
# The simulator against real runs with the same faults: a worker four times slower (with and
# without speculation), a worker killed (SIGKILL) and one stopped (SIGSTOP) for good under
# mpirun --enable-recovery, and one stopped for less than worker_timeout. Each real case runs
# REPEATS times; the table gives the mean makespan (first partition start to last end, from
# /partitions), the simulator's prediction for the same schedule and fault, and the error.
# Then the simulator alone predicts 4,096 workers with 1 % of them failing during the run.
#
#   bench/simulate_faults.sh [REPEATS]   (default: 5)
source "$(dirname "${BASH_SOURCE[0]}")/peers.sh"

repeats=${1:-5}
require_peer "$python -c 'import h5py'" python3-h5py
prepare_run
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
exec "$python" "$(dirname "${BASH_SOURCE[0]}")/simulate_faults.py" --kdsched "$kdsched" --work "$work" --repeats "$repeats"
