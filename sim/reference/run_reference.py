"""Runs one workload in the Pollux paper's simulator with the Lattice planner.

Run from a checkout of the Pollux artifact's simulator (petuum/adaptdl,
branch osdi21-artifact, folder simulator/; not part of this repository),
with this directory on PYTHONPATH:

    PYTHONPATH=/path/to/lattice/sim/reference python3 run_reference.py workloads/workload-6.csv \\
        --binary /path/to/lattice-sim [--config JSON] [--max-factor 2] [--throughput] [--policy tiresias]

Prints one JSON line: avg, p50 and p99 JCT, makespan and restarts as that
simulator counts them.
"""

import argparse
import builtins
import json
import time

import numpy as np
import pandas
from lattice_policy import LatticePolicy
from simulator import Cluster
from tiresias import TiresiasPolicy


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload")
    ap.add_argument("--binary", required=True, help="lattice-sim (its 'plan --stream' verb plans)")
    ap.add_argument("--config", default="{}", help="planner settings, a snapshot document's 'config'")
    ap.add_argument("--max-factor", type=float, default=1.0, help="maxSize = this x the tuned GPU count")
    ap.add_argument("--min-size", type=int, default=1)
    ap.add_argument("--fixed", action="store_true", help="minSize = maxSize = the tuned GPU count")
    ap.add_argument("--throughput", action="store_true", help="report measured throughput to the planner")
    ap.add_argument("--no-attained", action="store_true", help="leave attained service out")
    ap.add_argument(
        "--sort", action="store_true", help="hand the simulator each job's workers sorted by node"
    )
    ap.add_argument("--interval", type=int, default=60)
    ap.add_argument("--policy", default="lattice", choices=["lattice", "tiresias"])
    ap.add_argument("--label", default="")
    args = ap.parse_args()

    workload = pandas.read_csv(args.workload)
    sim = None
    if args.policy == "tiresias":
        policy = TiresiasPolicy(lambda: sim.current_time)
    else:
        policy = LatticePolicy(
            lambda: sim.current_time,
            args.binary,
            config=json.loads(args.config),
            min_size=args.min_size,
            max_factor=args.max_factor,
            fixed=args.fixed,
            attained=not args.no_attained,
            throughput=args.throughput,
            sort_workers=args.sort,
        )
    quiet, builtins.print = builtins.print, lambda *a, **k: None  # the simulator prints every interval
    sim = Cluster(workload, policy, 16, num_gpus=4)
    if args.policy == "lattice":
        policy.cluster = sim
    started = time.time()
    try:
        while not sim.all_complete():
            sim.step(args.interval)
    finally:
        builtins.print = quiet
        if args.policy == "lattice":
            policy.close()
    jct = np.array(list(sim.get_jcts().values()))
    print(
        json.dumps(
            {
                "workload": args.workload,
                "label": args.label,
                "policy": args.policy,
                "avg": round(float(jct.mean()), 1),
                "p50": float(np.percentile(jct, 50)),
                "p99": round(float(np.percentile(jct, 99)), 1),
                "makespan": max(j.completion_time for j in sim.jobs),
                "restarts": sum(j.num_restarts or 0 for j in sim.jobs),
                "wall": round(time.time() - started, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
