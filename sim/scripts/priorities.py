#!/usr/bin/env python3
"""Compares planner binaries on synthetic workloads with mixed priorities, where preemption happens.

    sim/scripts/priorities.py --sim old=/path/to/old/lattice-sim --sim new=build/release/sim/lattice-sim
    sim/scripts/priorities.py --sim default=build/release/sim/lattice-sim \
        --sim "off=build/release/sim/lattice-sim --set '{\"lendReserved\": false}'"

The Pollux traces have one priority, so nothing is preempted there. This writes twelve workloads in the
simulator's simple format (seeds 1-12, 300 jobs each, Poisson arrivals every 60 s on average; priority
0/1/2 for 60/30/10% of the jobs; 1, 2 or 4 GPUs per worker; minSize 1-8, half of them elastic up to 2x or
4x it; work log-normal; 5% serial fraction, 10% slower across nodes), runs each binary on all twelve at
12, 16 and 24 nodes of 8 GPUs, and prints per binary and cluster size the mean avg and p99 JCT and GPU
utilisation, and the restarts, whole-job preemptions and rule violations summed over the twelve. A --sim
value may carry lattice-sim options after the path (shell words), to compare settings of one binary. Workloads go to --out (default: a
temporary directory); the same seeds always give the same files.
"""

import argparse
import concurrent.futures
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile

SEEDS = range(1, 13)
NODE_COUNTS = (12, 16, 24)


def write_workload(path, seed, jobs=300):
    rng = random.Random(seed)
    rows = ["name,submit,priority,min,max,gpus,work,serial,node_penalty"]
    submit = 0.0
    for i in range(jobs):
        submit += rng.expovariate(1 / 60)
        priority = rng.choices([0, 1, 2], [60, 30, 10])[0]
        gpus = rng.choice([1, 1, 2, 4])
        low = rng.choice([1, 1, 2, 2, 4, 8])
        elastic = rng.random() < 0.5
        high = low * rng.choice([2, 4]) if elastic else low
        work = rng.lognormvariate(8.0, 1.2) * low
        rows.append(f"j{i},{submit:.0f},{priority},{low},{high},{gpus},{work:.0f},0.05,0.1")
    with open(path, "w") as f:
        f.write("\n".join(rows) + "\n")


def run(sim, workload, nodes):
    out = subprocess.run(
        [
            *sim,
            "--workload",
            workload,
            "--nodes",
            str(nodes),
            "--gpus-per-node",
            "8",
            "--json",
            "/dev/stdout",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.exit(f"priorities: {sim} failed on {workload}: {out.stderr.strip()}")
    result = json.loads(out.stdout.splitlines()[0])
    summary = result["summary"]
    preempted = sum(job["preempted"] for job in result["jobs"])
    return (
        summary["avgJct"],
        summary["restarts"],
        preempted,
        summary["violations"],
        summary["p99Jct"],
        summary["utilisation"],
    )


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sim", action="append", required=True, help="LABEL=PATH of a lattice-sim binary")
    p.add_argument("--out", help="directory for the workloads")
    args = p.parse_args()
    sims = []
    for value in args.sim:
        label, command = value.split("=", 1) if "=" in value else (value, value)
        sims.append((label, shlex.split(command)))
    folder = args.out or tempfile.mkdtemp(prefix="lattice-priorities-")
    os.makedirs(folder, exist_ok=True)
    paths = []
    for seed in SEEDS:
        paths.append(os.path.join(folder, f"priorities-{seed}.csv"))
        write_workload(paths[-1], seed)
    pool = concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2)
    print(
        "| nodes | binary | mean avg JCT | mean p99 JCT | mean GPU utilisation | restarts | preemptions | violations |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for nodes in NODE_COUNTS:
        for label, sim in sims:
            rows = list(pool.map(lambda path, sim=sim, nodes=nodes: run(sim, path, nodes), paths))
            mean, p99, used = (sum(r[k] for r in rows) / len(rows) for k in (0, 4, 5))
            totals = [sum(r[k] for r in rows) for k in (1, 2, 3)]
            print(
                f"| {nodes} | {label} | {mean:,.0f} s | {p99:,.0f} s | {used:.1%} | {totals[0]:,} | {totals[1]:,}"
                f" | {totals[2]} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
