"""Dispatch rate of mpi4py.futures' MPIPoolExecutor.map: trivial tasks, as many workers as
kdsched's run beside it. Run as: mpiexec -n RANKS python3 -m mpi4py.futures THIS N CHUNKSIZE.
Prints one JSON line."""
import json
import sys
import time

from mpi4py.futures import MPIPoolExecutor


def task(i):
    return i


if __name__ == "__main__":
    n, chunksize = int(sys.argv[1]), int(sys.argv[2])
    with MPIPoolExecutor() as pool:
        pool.submit(task, 0).result()  # the pool's workers are up before the clock starts
        start = time.perf_counter()
        for _ in pool.map(task, range(n), chunksize=chunksize):
            pass
        seconds = time.perf_counter() - start
    print(json.dumps({"tasks": n, "chunksize": chunksize, "seconds": seconds, "tasks_per_s": n / seconds}))
