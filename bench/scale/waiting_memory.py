#!/usr/bin/env python3
"""Operator memory with many waiting TrainingJobs (target: RSS at most 128 MiB with 5,000 jobs).

  bench/scale/waiting_memory.py --jobs 5000 [--operator PATH] [--out result.json]

Creates --jobs TrainingJobs of the scale benchmark's mix (bench/scale/scale_workload.py) whose
workers select a node set that does not exist, so every job is valid and Waiting and no pod is
made: what is measured is the per-job cost of the operator (watch caches, one job actor each, the
autoscaler's queue and a plan over all of them). Then starts the operator, waits until every job
is Waiting, lets it settle and reads VmRSS/VmHWM. Needs the cluster of `scripts/cluster up`
(eval "$(scripts/cluster env)"); uses the bench CRD group and its own namespace, removed at the
end. Figures and the command: docs/benchmarks.md ("Memory per waiting job").
"""

import argparse
import json
import os
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scale_kube import SOURCE_DIR, BenchError, kubectl  # noqa: E402
from scale_observe import metric_sum, read_proc, scrape  # noqa: E402
from scale_setup import Operator, create_namespace, delete_crd_if_unused, install_crd  # noqa: E402
from scale_workload import make_jobs, node_layout, training_job  # noqa: E402

GROUP = "bench.breezeml.ai"
BATCH = 250


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--jobs", type=int, default=5000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--operator", help="lattice-operator binary (default: build/release/app/lattice-operator)")
    p.add_argument("--settle", type=float, default=20, help="seconds between all Waiting and the reading")
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--out", help="result JSON")
    args = p.parse_args(argv)
    args.operator = (
        os.path.abspath(args.operator)
        if args.operator
        else os.path.join(SOURCE_DIR, "build", "release", "app", "lattice-operator")
    )
    return args


def create_jobs(args, ns, run_id):
    jobs = make_jobs(args.jobs, node_layout(1000), args.seed, (30, 180), 120)
    docs = [training_job(j, ns, GROUP, f"absent-{run_id}", run_id) for j in jobs]
    for start in range(0, len(docs), BATCH):
        kubectl(
            "create",
            "-f",
            "-",
            input=json.dumps({"apiVersion": "v1", "kind": "List", "items": docs[start : start + BATCH]}),
        )


def measure(args, ns, run_id, log_path):
    operator = Operator(args.operator, GROUP, ns, log_path, ["--api-qps", "500", "--api-burst", "1000"])
    operator.start(ns)
    try:
        started, waiting = time.time(), 0
        while waiting < args.jobs:
            if time.time() - started > args.timeout:
                raise BenchError(f"{waiting} of {args.jobs} jobs Waiting after {args.timeout:g}s")
            time.sleep(2)
            waiting = int(metric_sum(scrape(operator.metrics_port), "lattice_jobs", stage="Waiting"))
        all_waiting_s = time.time() - started
        time.sleep(args.settle)
        rss, hwm, cpu = read_proc(operator.pid)
        return {
            "jobs": args.jobs,
            "all_waiting_s": round(all_waiting_s, 1),
            "rss_mib": round(rss / 1024, 1),
            "peak_rss_mib": round(hwm / 1024, 1),
            "cpu_s": round(cpu, 1),
            "rss_per_job_kib": round(rss / args.jobs, 1),
        }
    finally:
        operator.stop()


def main(argv):
    args = parse_args(argv)
    run_id = secrets.token_hex(3)
    ns = f"lattice-bench-{run_id}"
    log_path = (
        args.out[:-5] if args.out and args.out.endswith(".json") else f"/tmp/waiting-memory-{run_id}"
    ) + ".operator.log"
    install_crd(GROUP)
    create_namespace(ns, run_id)
    try:
        create_jobs(args, ns, run_id)
        result = measure(args, ns, run_id, log_path)
    finally:
        kubectl("delete", "namespace", ns, "--ignore-not-found", "--wait=false", check=False)
        delete_crd_if_unused(GROUP, ns)
    print(json.dumps(result))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
