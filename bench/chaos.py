"""The trials of bench/chaos.sh (which prepares the data and calls this with Debian's Python)."""
import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import time

import h5py
import numpy as np

RANKS = 4

# Each job lasts about 5 s on 4 ranks: inject_delay makes every partition of every kernel slow
# alike, so that a fault lands mid-run whatever the kernel.
JOBS = {
    "spin": """
[partition]
range = [0, 300]
[kernel]
name = "spin"
cost = "const:50000"
mode = "sleep"
""",
    "stats": """
[input]
file = "blobs.h5"
dataset = "/points"
[partition]
count = 200
[kernel]
name = "stats"
[faults]
inject_delay = 0.075
""",
    "histogram": """
[input]
file = "blobs.h5"
dataset = "/points"
[partition]
count = 200
[kernel]
name = "histogram"
bins = 32
[faults]
inject_delay = 0.0375
""",
    "kmeans": """
[input]
file = "blobs.h5"
dataset = "/points"
[partition]
count = 40
[kernel]
name = "kmeans"
k = 4
seed = 3
tolerance = 0
max_iterations = 10
[faults]
inject_delay = 0.015
""",
    "itemsets": """
[input]
file = "tx.h5"
items = "/transactions/items"
offsets = "/transactions/offsets"
[partition]
count = 40
[kernel]
name = "itemsets"
min_support = 0.02
max_length = 3
[faults]
inject_delay = 0.12
""",
}


def job_text(kernel, output, extra_faults=""):
    body = JOBS[kernel]
    faults = "checkpoint_seconds = 1\nworker_timeout = 2\n" + extra_faults
    if "[faults]" in body:
        body = body.replace("[faults]\n", "[faults]\n" + faults)
    else:
        body += "[faults]\n" + faults
    return f'[job]\nname = "{kernel}"\noutput = "{output}"\n' + body


class Runner:
    def __init__(self, kdsched, work):
        self.kdsched = kdsched
        self.work = work
        self.env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")

    def start(self, job, *flags, recovery=False, ranks=RANKS):
        launcher = ["mpiexec", "--oversubscribe", "-n", str(ranks)]
        if recovery:
            launcher.insert(1, "--enable-recovery")
        err = open(os.path.join(self.work, "stderr.txt"), "a")
        return subprocess.Popen(launcher + [self.kdsched, "run", job, "--progress", "off", "--log-level", "warn", *flags],
                                cwd=self.work, env=self.env, stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True)

    def run(self, job, *flags, ranks=RANKS):
        process = self.start(job, *flags, ranks=ranks)
        return wait(process, 300)


def wait(process, timeout):
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        kill_tree(process)
        return None


def descendants(pid):
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry))
                frontier.append(int(entry))
    return found


def rank_pid(process, rank):
    for pid in descendants(process.pid):
        try:
            with open(f"/proc/{pid}/environ", "rb") as environ:
                if f"OMPI_COMM_WORLD_RANK={rank}".encode() in environ.read().split(b"\0"):
                    return pid
        except OSError:
            pass
    return None


def kill_tree(process):
    for pid in descendants(process.pid) + [process.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
            os.kill(pid, signal.SIGCONT)
        except OSError:
            pass
    process.wait()


def leftovers(kdsched):
    out = subprocess.run(["pgrep", "-f", kdsched + " run"], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in out if int(pid) != os.getpid()]


def result_of(path):
    """Every /result dataset and attribute, as bytes, and the /partitions (round, id) counts."""
    with h5py.File(path, "r") as f:
        values = {}
        f["result"].visititems(lambda name, item: values.__setitem__(name, item[()].tobytes())
                               if isinstance(item, h5py.Dataset) else None)
        for name, value in f["result"].attrs.items():
            values["@" + name] = np.asarray(value).tobytes()
        parts = f["partitions"][()]
        pairs, counts = np.unique(np.stack([parts["round"].astype(np.int64), parts["id"].astype(np.int64)]),
                                  axis=1, return_counts=True)
        status = f.attrs["status"]
        status = status.decode() if isinstance(status, bytes) else str(status)
    return values, pairs, counts, status


def compare(path, reference):
    values, pairs, counts, status = result_of(path)
    ref_values, ref_pairs, _, _ = result_of(reference)
    expected = {tuple(p) for p in ref_pairs.T}
    seen = {tuple(p) for p in pairs.T}
    return {
        "identical": values == ref_values,
        "lost": len(expected - seen),
        "doubled": int((counts > 1).sum()),
        "complete": status == "complete",
    }


def remove(work, output):
    for suffix in ["", ".journal", ".journal-wal", ".journal-shm"]:
        try:
            os.remove(os.path.join(work, output + suffix))
        except FileNotFoundError:
            pass


def resume_until_complete(runner, job, output, attempts=5):
    for _ in range(attempts):
        if runner.run(job, "--resume") == 0 and os.path.exists(os.path.join(runner.work, output)):
            return True
    return False


def trial(runner, rng, kind, kernel, references):
    output = f"trial-{kernel}.h5"
    job = f"trial-{kernel}.toml"
    remove(runner.work, output)
    with open(os.path.join(runner.work, job), "w") as f:
        f.write(job_text(kernel, output))
    fault_at = rng.uniform(0.5, 4.0)
    process = runner.start(job, recovery=(kind == "stop"))
    started = time.monotonic()
    time.sleep(fault_at)
    record = {"kind": kind, "kernel": kernel, "at_s": round(fault_at, 2)}
    if process.poll() is not None:
        record["note"] = "ended before the fault"
    else:
        if kind == "kill":
            target = rng.randrange(RANKS)
            pid = rank_pid(process, target)
            record["target"] = f"rank {target}"
            if pid:
                os.kill(pid, signal.SIGKILL)
        elif kind == "stop":
            target = rng.randrange(1, RANKS)
            pid = rank_pid(process, target)
            record["target"] = f"rank {target}"
            if pid:
                os.kill(pid, signal.SIGSTOP)
        else:
            sig = rng.choice([signal.SIGTERM, signal.SIGUSR1])
            to_rank = rng.random() < 0.5
            target = rng.randrange(RANKS) if to_rank else None
            pid = rank_pid(process, target) if to_rank else process.pid
            record["target"] = f"{sig.name} to " + (f"rank {target}" if to_rank else "mpirun")
            if pid:
                os.kill(pid, sig)
        hit = time.monotonic()
        code = wait(process, 60)
        record["exit_s"] = round(time.monotonic() - hit, 2)
        record["code"] = code
        if kind == "stop":
            record["delay_s"] = round(time.monotonic() - started - references[kernel][1], 2)
            if pid:
                try:
                    os.kill(pid, 0)
                    record["stopped_left"] = True
                    os.kill(pid, signal.SIGKILL)
                    os.kill(pid, signal.SIGCONT)
                except OSError:
                    pass
    if process.poll() is None:
        kill_tree(process)
    if kind != "stop" and not os.path.exists(os.path.join(runner.work, output)):
        record["resumed"] = resume_until_complete(runner, job, output)
    record["left"] = len(leftovers(runner.kdsched))
    if os.path.exists(os.path.join(runner.work, output)):
        record.update(compare(os.path.join(runner.work, output), references[kernel][0]))
    else:
        record.update({"identical": False, "lost": -1, "doubled": -1, "complete": False})
    return record


def wall(path):
    with h5py.File(path, "r") as f:
        return float(f.attrs["wall_seconds"])


def straggler(runner):
    """One worker of 8 four times slower: each of its partitions (1 s) waits 3 s more. Coarse
    partitions, as where a straggler hurts: stealing cannot split the one it runs."""
    base = """[job]
name = "straggler"
output = "straggler.h5"
[partition]
range = [0, 32]
[kernel]
name = "spin"
cost = "const:1000000"
mode = "sleep"
[faults]
"""
    times = {}
    for label, faults in [("no straggler", ""), ("straggler, speculate = false", "inject_delay = 3\ninject_rank = 3\nspeculate = false\n"),
                          ("straggler, speculate = true", "inject_delay = 3\ninject_rank = 3\nspeculate = true\n")]:
        with open(os.path.join(runner.work, "straggler.toml"), "w") as f:
            f.write(base + faults)
        remove(runner.work, "straggler.h5")
        runs = []
        for _ in range(9):
            remove(runner.work, "straggler.h5")
            runner.run("straggler.toml", "--force", ranks=9)
            runs.append(wall(os.path.join(runner.work, "straggler.h5")))
        # The mean: where partitions are this coarse a run ends either a partition early or a
        # partition late, by the luck of who asks first, and the mean weighs the late ones.
        times[label] = statistics.mean(runs)
    # The shortest schedule any scheduler could reach with the straggler: partitions cannot be
    # split, so it is the least whole number of seconds T in which 7 workers run T partitions
    # each and the straggler T // 4 (5 s: 31 partitions on 7 workers need 5 rounds). The fluid
    # bound, 32 / 7.25 workers' worth = 4.41 s, is out of reach of every schedule.
    ideal = next(t for t in range(1, 33) if 7 * t + t // 4 >= 32)
    lost = times["straggler, speculate = false"] - ideal
    recovered = (times["straggler, speculate = false"] - times["straggler, speculate = true"]) / lost if lost > 0 else float("nan")
    return times, ideal, recovered


def journal_cost(runner, repeats=3):
    """Journal on over journal off, per repeat (alternating), for guided dispatch and k-means."""
    jobs = {
        "guided dispatch, 1M empty partitions, 2 ranks": ("""[job]
name = "dispatch"
output = "dispatch.h5"
[partition]
range = [0, 1000000]
[kernel]
name = "spin"
cost = "const:0"
[schedule]
chunking = "guided"
stealing = "off"
""", 2, lambda f: f.attrs["wall_seconds"]),
        "k-means per iteration, 1M x 16, k = 16, 3 ranks": ("""[job]
name = "kmeans"
output = "kmeans.h5"
[input]
file = "big.h5"
dataset = "/points"
[kernel]
name = "kmeans"
k = 16
init = "random"
seed = 1
max_iterations = 20
tolerance = 0.0
""", 3, None),
    }
    ratios = {}
    for label, (text, ranks, _) in jobs.items():
        name = text.split('output = "')[1].split('"')[0]
        with open(os.path.join(runner.work, name.replace(".h5", ".toml")), "w") as f:
            f.write(text)
        per_repeat = []
        for _ in range(repeats):
            measured = {}
            for mode in ["on", "off"]:
                flags = ["--force"] + (["--no-journal"] if mode == "off" else [])
                runner.run(name.replace(".h5", ".toml"), *flags, ranks=ranks)
                with h5py.File(os.path.join(runner.work, name), "r") as f:
                    if "kmeans" in name:
                        rounds_end = f["rounds/end_s"][()]
                        measured[mode] = float(np.median(np.diff(rounds_end[1:])))
                    else:
                        measured[mode] = float(f.attrs["wall_seconds"])
            per_repeat.append(measured["on"] / measured["off"])
        ratios[label] = (statistics.median(per_repeat), per_repeat)
    return ratios


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kdsched", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    runner = Runner(args.kdsched, args.work)
    rng = random.Random(args.seed)

    references = {}
    for kernel in JOBS:
        with open(os.path.join(args.work, f"ref-{kernel}.toml"), "w") as f:
            f.write(job_text(kernel, f"ref-{kernel}.h5"))
        begun = time.monotonic()
        code = runner.run(f"ref-{kernel}.toml", "--force")
        took = time.monotonic() - begun
        if code != 0:
            sys.exit(f"the fault-free {kernel} run failed ({code}); see {args.work}/stderr.txt")
        references[kernel] = (os.path.join(args.work, f"ref-{kernel}.h5"), took)
        print(f"fault-free {kernel}: {took:.1f} s", flush=True)

    kinds = ["kill", "kill", "stop", "drain"]  # half the trials SIGKILL, a quarter each SIGSTOP and drain
    kernels = list(JOBS)
    records = []
    for i in range(args.trials):
        record = trial(runner, rng, kinds[i % len(kinds)], kernels[i % len(kernels)], references)
        records.append(record)
        print(record, flush=True)

    faulted = [r for r in records if "note" not in r]
    print("\n| trials | kind | faults landed | ended within 10 s | identical result | lost | doubled | processes left |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind in ["kill", "stop", "drain", "all"]:
        rs = [r for r in records if kind in ("all", r["kind"])]
        fs = [r for r in rs if "note" not in r]
        within = sum(1 for r in fs if r.get("exit_s", 99) <= 10)
        print(f"| {len(rs)} | {kind} | {len(fs)} | {within}/{len(fs)} | {sum(r['identical'] for r in rs)}/{len(rs)} | "
              f"{sum(max(r['lost'], 0) for r in rs)} | {sum(max(r['doubled'], 0) for r in rs)} | {sum(r['left'] for r in rs)} |")
    stops = [r for r in faulted if r["kind"] == "stop"]
    if stops:
        print(f"\nSIGSTOP delay over the fault-free run (worker_timeout = 2 s): max {max(r['delay_s'] for r in stops):.1f} s, "
              f"median {statistics.median(r['delay_s'] for r in stops):.1f} s")
    drains = [r for r in faulted if r["kind"] == "drain"]
    if drains:
        print(f"drain: signal to exit max {max(r['exit_s'] for r in drains):.2f} s, median "
              f"{statistics.median(r['exit_s'] for r in drains):.2f} s (to mpirun, TERM reaches the ranks 1 s later)")
    kills = [r for r in faulted if r["kind"] == "kill"]
    if kills:
        print(f"SIGKILL: fault to mpirun's exit max {max(r['exit_s'] for r in kills):.2f} s, median "
              f"{statistics.median(r['exit_s'] for r in kills):.2f} s")

    times, ideal, recovered = straggler(runner)
    print("\n| straggler trial (8 workers, spin 1 s x 32, rank 3 takes 4 s) | mean wall s of 9 |")
    print("| --- | --- |")
    for label, seconds in times.items():
        print(f"| {label} | {seconds:.2f} |")
    print(f"| shortest schedule with the straggler (indivisible 1 s partitions) | {ideal:.2f} |")
    print(f"\nspeculation recovers {100 * recovered:.0f} % of the time lost to the straggler")

    print("\n| journal cost | on / off (median) | per repeat |")
    print("| --- | --- | --- |")
    for label, (ratio, per_repeat) in journal_cost(runner).items():
        print(f"| {label} | {ratio:.3f} | {', '.join(f'{r:.3f}' for r in per_repeat)} |")


if __name__ == "__main__":
    main()
