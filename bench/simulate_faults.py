"""The trials of bench/simulate_faults.sh (which builds kdsched and calls this with Debian's Python)."""
import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import time

import h5py

from chaos import rank_pid

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def job(partitions, cost_us, faults):
    return f"""[job]
name = "faults"
output = "result.h5"
[partition]
range = [0, {partitions}]
[kernel]
name = "spin"
cost = "const:{cost_us}"
mode = "sleep"
[faults]
{faults}
"""


def makespan(path):
    with h5py.File(path, "r") as f:
        p = f["/partitions"][:]
        return float(p["end_s"].max() - p["start_s"].min())


def real(args, text, ranks, fault=None):
    """One run; `fault` = (signal, rank, at_s, for_s or None), at_s counted from the journal's
    creation, which is the job's start within a few milliseconds."""
    with open(os.path.join(args.work, "job.toml"), "w") as f:
        f.write(text)
    for name in ("result.h5", "result.h5.journal"):
        if os.path.exists(os.path.join(args.work, name)):
            os.remove(os.path.join(args.work, name))
    launcher = ["mpiexec", "--oversubscribe", "-n", str(ranks)]
    if fault:
        launcher.insert(1, "--enable-recovery")
    process = subprocess.Popen(launcher + [args.kdsched, "run", "job.toml", "--force", "--progress", "off",
                                           "--log-level", "warn"],
                               cwd=args.work, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    if fault:
        sig, rank, at_s, for_s = fault
        journal = os.path.join(args.work, "result.h5.journal")
        while not os.path.exists(journal) and process.poll() is None:
            time.sleep(0.002)
        started = time.monotonic()
        pid = None
        while pid is None and process.poll() is None:
            pid = rank_pid(process, rank)
        time.sleep(max(0.0, at_s - (time.monotonic() - started)))
        os.kill(pid, sig)
        if for_s is not None:
            time.sleep(for_s)
            try:
                os.kill(pid, signal.SIGCONT)
            except OSError:
                pass
    process.wait(120)
    return makespan(os.path.join(args.work, "result.h5"))


def simulate(args, *options):
    out = subprocess.run([args.kdsched, "simulate", "--json", *options], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kdsched", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    # (label, job text, ranks, fault, simulator options)
    slow = "inject_delay = 3\ninject_rank = 3\n"
    spin = ["--partitions", "300", "--cost", "const:50000", "--workers", "3", "--worker-timeout", "2"]
    cases = [
        ("rank 3 of 8 workers 4x slow, speculate = false", job(32, 1000000, slow + "speculate = false"), 9, None,
         ["--workers", "8", "--partitions", "32", "--cost", "const:1000000", "--slow", "3:4", "--no-speculation"]),
        ("rank 3 of 8 workers 4x slow, speculate = true", job(32, 1000000, slow), 9, None,
         ["--workers", "8", "--partitions", "32", "--cost", "const:1000000", "--slow", "3:4"]),
        ("SIGKILL rank 2 of 3 workers at 1 s", job(300, 50000, "worker_timeout = 2"), 4, (signal.SIGKILL, 2, 1.0, None),
         spin + ["--fail", "2@1"]),
        ("SIGSTOP rank 2 of 3 workers at 1 s, for good", job(300, 50000, "worker_timeout = 2"), 4,
         (signal.SIGSTOP, 2, 1.0, None), spin + ["--stop", "2@1+1000"]),
        ("SIGSTOP rank 2 of 3 workers at 1 s for 1 s", job(300, 50000, "worker_timeout = 2"), 4,
         (signal.SIGSTOP, 2, 1.0, 1.0), spin + ["--stop", "2@1+1"]),
    ]
    print("| case | real makespan s (mean) | simulated s | error | simulated: lost, dealt again, copies, wasted s |")
    print("| --- | --- | --- | --- | --- |")
    errors = []
    for label, text, ranks, fault, options in cases:
        measured = statistics.mean(real(args, text, ranks, fault) for _ in range(args.repeats))
        predicted = simulate(args, *options)
        error = predicted["makespan_s"] / measured - 1
        errors.append(abs(error))
        print(f"| {label} | {measured:.2f} | {predicted['makespan_s']:.2f} | {100 * error:+.1f} % | "
              f"{predicted['lost_workers']}, {predicted['dealt_again']}, {predicted['copies']}, "
              f"{predicted['wasted_s']:.2f} |")
    print(f"\nlargest error {100 * max(errors):.1f} %")

    # 4,096 workers, lognormal partitions (mean 0.5 s), 1 % of the workers (41) dying at random
    # times during the first 90 % of the fault-free makespan; worker_timeout 60 s.
    base = ["--workers", "4096", "--partitions", "2000000", "--cost", "lognormal:500000,1.0", "--seed", "1"]
    plain = simulate(args, *base)
    rng = random.Random(1)
    failures = []
    for worker in rng.sample(range(1, 4097), 41):
        failures += ["--fail", f"{worker}@{rng.uniform(0, 0.9 * plain['makespan_s']):.3f}"]
    faulty = simulate(args, *base, *failures)
    print("\n| 4,096 workers, 2,000,000 partitions (lognormal, mean 0.5 s) | makespan s | efficiency | lost | "
          "dealt again | copies | attempts again | wasted worker s | complete |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, r in (("no fault", plain), ("41 workers (1 %) die", faulty)):
        print(f"| {label} | {r['makespan_s']:.2f} | {100 * r['efficiency']:.1f} % | {r['lost_workers']} | "
              f"{r['dealt_again']} | {r['copies']} | {r['rerun']} | {r['wasted_s']:.1f} | {r['complete']} |")


if __name__ == "__main__":
    main()
