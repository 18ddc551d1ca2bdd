#!/usr/bin/env python3
"""This operator side by side with the Kubeflow training operator + Kueue, on the same KWOK nodes, with
the same job stream, in one run (docs/benchmarks.md, "Side by side with the training operator and Kueue").

  bench/peers/run.py --size smoke --out /tmp/peers/smoke.json                  # 12 nodes, three systems, ~17 min
  bench/peers/run.py --size full --out /tmp/peers/full.json                    # 100 nodes, ~76 min
  bench/peers/run.py --size smoke --mix "sizes=2:1,8:1;gpus=1:1,4:1" --seed 7 --out r.json

Each system in turn (cluster reset between them: its namespace, CRDs, RBAC, webhooks and processes
removed; the nodes stay): the API server's plain-pod ceilings (gated pods nothing reacts to; pinned
pods kube-scheduler binds and kwok runs, over --scheduled-ceiling-concurrency connections), then
  1. burst: N jobs of the mix applied at once to the empty cluster (this operator's creation rate is
     also read from its own count of answered creates every 50 ms, the instrument of the ceilings);
  2. contention: low-priority jobs fill the cluster, then high-priority jobs arrive one at a time;
  3. churn: jobs arriving at the standard size's rate (1/s) for a fixed time.
Needs the cluster of `scripts/cluster up` (eval "$(scripts/cluster env)") and the peers built by
scripts/build-peer-bins (called here; cold: ~25 minutes). Writes the result JSON to --out (the processes'
logs next to it) and prints the comparison table. Exit code 0 when every phase of every system finished.
"""

import argparse
import dataclasses
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import time
import traceback

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "scale")]
import peers_report as report  # noqa: E402
import peers_workload as wl  # noqa: E402
from peers_phases import NODE_GROUP, Ctx, SystemRun  # noqa: E402
from peers_summary import summarize_system  # noqa: E402
from peers_systems import LatticeSystem, PeerSystem, delete_peer_crds  # noqa: E402
from scale_kube import SOURCE_DIR, Api, BenchError, kubectl, run, scripts_cluster  # noqa: E402
from scale_setup import delete_crd_if_unused, wait_nodes  # noqa: E402

SIZES = {
    "smoke": dict(
        nodes=12, burst_jobs=12, burst_durations=(10, 20), high_jobs=3, high_interval=8, high_durations=(8, 12),
        churn_seconds=30, churn_durations=(1, 4), ceiling_pods=150, idle_seconds=5,
        burst_timeout=180, settle_timeout=60, contention_timeout=120, churn_timeout=120,
    ),
    "full": dict(
        nodes=100, burst_jobs=60, burst_durations=(30, 90), high_jobs=6, high_interval=20, high_durations=(20, 40),
        churn_seconds=300, churn_durations=(5, 25), ceiling_pods=1000, idle_seconds=15,
        burst_timeout=900, settle_timeout=300, contention_timeout=600, churn_timeout=600,
    ),
}  # fmt: skip
# peers: Kueue's waitForPodsReady as its docs set it up for all-or-nothing jobs (blockAdmission on);
# peers-nb: the same with blockAdmission off (admissions do not wait for the previous job's pods).
SYSTEMS = ("lattice", "peers", "peers-nb")


@dataclasses.dataclass
class Plan:
    burst: list
    low: list
    high: list
    churn: list
    ceiling_pods: int
    ceiling_concurrency: int
    scheduled_ceiling_concurrency: int
    idle_seconds: float
    burst_timeout: float
    settle_timeout: float
    contention_timeout: float
    churn_timeout: float
    phases: tuple = ("burst", "contention", "churn")
    pause_downstream: bool = False


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=sorted(SIZES), default="smoke", help="defaults for everything below")
    p.add_argument("--out", required=True, help="result JSON (the processes' logs go next to it)")
    p.add_argument(
        "--mix", default=wl.DEFAULT_MIX, help=f"job mix (default {wl.DEFAULT_MIX!r}; parts may be left out)"
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--phases", default="burst,contention,churn", help="which phases (default all three)")
    p.add_argument(
        "--systems", default=",".join(SYSTEMS), help=f"which systems, in order (default {','.join(SYSTEMS)})"
    )
    p.add_argument("--nodes", type=int)
    p.add_argument("--burst-jobs", type=int)
    p.add_argument(
        "--burst-durations",
        type=lambda v: tuple(float(x) for x in v.split(",")),
        help="MIN,MAX seconds the burst's workers run",
    )
    p.add_argument("--high-jobs", type=int, help="high-priority arrivals of the contention phase")
    p.add_argument("--high-interval", type=float, help="seconds between high-priority arrivals")
    p.add_argument("--churn-seconds", type=float)
    p.add_argument(
        "--churn-rate", type=float, default=1.0, help="jobs/s of the churn (the standard size's rate)"
    )
    p.add_argument(
        "--low-fill", type=float, default=1.3, help="low-priority maxSize demand / GPUs (contention)"
    )
    p.add_argument("--high-share", type=float, default=0.35, help="largest high-priority job / GPUs")
    for name in (
        "ceiling-pods",
        "idle-seconds",
        "burst-timeout",
        "settle-timeout",
        "contention-timeout",
        "churn-timeout",
    ):
        p.add_argument(f"--{name}", type=float)
    p.add_argument("--ceiling-concurrency", type=int, default=4, help="connections creating the plain pods")
    p.add_argument(
        "--scheduled-ceiling-concurrency",
        type=int,
        default=16,
        help="connections creating the pinned, scheduled plain pods (the operator's --api-concurrency default); "
        "0 skips that ceiling",
    )
    p.add_argument("--operator", help="lattice-operator binary (default: build/release/app/lattice-operator)")
    p.add_argument("--operator-arg", action="append", default=[], help="one more operator flag (repeatable)")
    p.add_argument(
        "--no-inject",
        action="store_true",
        help="elastic TrainingJobs without injectLattice (a resize restarts every worker)",
    )
    p.add_argument(
        "--pause-downstream",
        action="store_true",
        help="burst: SIGSTOP kube-scheduler, kube-controller-manager and kwok from the apply until the "
        "system's first creation wave has ended (its own create counter: this operator only), so its "
        "creates meet an API server with nothing downstream, as the gated ceiling's do",
    )
    p.add_argument(
        "--peer-replicas", choices=("max", "min"), default="max", help="PyTorchJob Worker replicas"
    )
    p.add_argument(
        "--kueue-block-admission",
        choices=("true", "false"),
        default="true",
        help="Kueue's waitForPodsReady.blockAdmission (its docs' setting: true)",
    )
    args = p.parse_args(argv)  # fmt: skip
    for key, value in SIZES[args.size].items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    args.operator = os.path.abspath(
        args.operator or os.path.join(SOURCE_DIR, "build", "release", "app", "lattice-operator")
    )
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    if not set(args.phases.split(",")) <= {"burst", "contention", "churn"}:
        p.error("--phases: a list of burst, contention, churn")
    if not args.systems or any(s not in SYSTEMS for s in args.systems):
        p.error(f"--systems: a list of {SYSTEMS}")
    try:
        args.mix_parsed = wl.parse_mix(args.mix)
    except ValueError as e:
        p.error(str(e))
    return args


def make_plan(args):
    mix, n = args.mix_parsed, args.nodes
    low, high = wl.contention_jobs(mix, args.seed, n, args.low_fill, args.high_jobs, args.high_share,
                                   args.high_interval, 3600, args.high_durations)  # fmt: skip
    return Plan(
        burst=wl.burst_jobs(mix, args.seed, n, args.burst_jobs, args.burst_durations),
        low=low, high=high,
        churn=wl.churn_jobs(mix, args.seed, n, args.churn_rate, args.churn_seconds, args.churn_durations),
        ceiling_pods=int(args.ceiling_pods), ceiling_concurrency=args.ceiling_concurrency,
        scheduled_ceiling_concurrency=args.scheduled_ceiling_concurrency,
        idle_seconds=args.idle_seconds, burst_timeout=args.burst_timeout, settle_timeout=args.settle_timeout,
        contention_timeout=args.contention_timeout, churn_timeout=args.churn_timeout,
        phases=tuple(x.strip() for x in args.phases.split(",")),
        pause_downstream=args.pause_downstream,
    )  # fmt: skip


def peer_dirs():
    out = run(
        [os.path.join(SOURCE_DIR, "scripts", "build-peer-bins"), "--print-dir"], timeout=4 * 3600
    ).stdout
    to_dir, kueue_dir = out.split()[-2:]
    return to_dir, kueue_dir


def git_commit():
    r = subprocess.run(
        ["git", "-C", SOURCE_DIR, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return r.stdout.strip() or None


def make_system(name, ctx, args, dirs):
    if name == "lattice":
        return LatticeSystem(ctx, args.operator, args.operator_arg, inject_elastic=not args.no_inject)
    block = name == "peers" and args.kueue_block_admission == "true"
    return PeerSystem(ctx, *dirs, replicas=args.peer_replicas, block_admission=block, name=name)


def job_table(run_, plan):
    """Per job: name, phase, min, max, GPUs/worker, priority, applied, first pod, min workers Running,
    Completed (seconds after the system's first apply)."""
    from peers_figures import first_time_at_least, running_interval

    rows, origin = [], min(run_.applied.values(), default=0.0)
    for job in plan.burst + plan.low + plan.high + plan.churn:
        pods = run_.pods.job_pods(job.name) if run_.pods else []
        applied = run_.applied.get(job.name)
        running = first_time_at_least([running_interval(p) for p in pods], job.min_size)
        done = run_.jobs.seen.get(job.name, {}).get("Completed") if run_.jobs else None
        times = [applied, min((p.created for p in pods), default=None), running, done]
        rows.append([job.name, job.phase, job.min_size, job.max_size, job.gpus, job.priority, len(pods)]
                    + [None if t is None else round(t - origin, 3) for t in times])  # fmt: skip
    return rows


def run_system(name, args, api, run_id, node_set, node_group, dirs, plan):
    ctx = Ctx(api, run_id, f"lattice-peers-{run_id}-{name}-jobs", node_set, args.nodes, node_group,
              os.path.dirname(os.path.abspath(args.out)))  # fmt: skip
    system = make_system(name, ctx, args, dirs)
    sr = SystemRun(ctx, system, plan)
    error, exits = None, {}
    try:
        sr.execute()
    except BaseException as e:  # noqa: BLE001 -- reported, then cleaned up; ^C and SIGTERM too
        error = f"{type(e).__name__}: {e}"
        traceback.print_exc()
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
    finally:
        try:
            exits = system.stop()
        finally:
            system.uninstall()
            sr.teardown()
    summary = summarize_system(sr, plan)
    summary.update(error=error, exit_codes=exits, logs=[p.log_path for p in system.processes().values()],
                   jobs_columns=["job", "phase", "min", "max", "gpus", "priority", "pods", "applied_s", "first_pod_s",
                                 "min_running_s", "completed_s"], jobs=job_table(sr, plan))  # fmt: skip
    return summary


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda s, f: (_ for _ in ()).throw(SystemExit(f"signal {s}")))
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    plan = make_plan(args)
    run_id = secrets.token_hex(3)
    node_set = f"peers-{run_id}"
    started = time.monotonic()
    result = {
        "schema": 1,
        "command": " ".join(["bench/peers/run.py"] + (sys.argv[1:] if argv is None else argv)),
        "commit": git_commit(),
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "config": {k: v for k, v in vars(args).items() if k != "mix_parsed"} | {"run_id": run_id},
        "plan": {
            "burst": len(plan.burst),
            "low": len(plan.low),
            "high": len(plan.high),
            "churn": len(plan.churn),
            "gpus": args.nodes * 8,
            "burst_demand_max_gpus": sum(j.max_size * j.gpus for j in plan.burst),
        },  # fmt: skip
        "machine": {
            "cpus": os.cpu_count(),
            "kernel": platform.release(),
            "load_before": list(os.getloadavg()),
        },
        "systems": {},
    }
    api, error = None, None
    try:
        kubectl("get", "--raw", "/readyz")
        if not os.access(args.operator, os.X_OK) and "lattice" in args.systems:
            raise BenchError(f"operator binary {args.operator} not found or not executable")
        dirs = peer_dirs() if any(s.startswith("peers") for s in args.systems) else None
        result["peers"] = {"dirs": dirs}
        api = Api()
        print(f"peers: run {run_id}: {args.nodes} KWOK nodes {node_set}-*, systems {', '.join(args.systems)}")
        scripts_cluster("add-nodes", "--count", str(args.nodes), "--prefix", node_set, "--gpus", "8",
                        "--labels", f"lattice.dev/node-group={NODE_GROUP}", "--taints", "lattice.dev/bench=true:NoSchedule",
                        "--no-wait")  # fmt: skip
        node_group = wait_nodes(api, node_set, args.nodes, timeout=120 + args.nodes / 5)
        for name in args.systems:
            result["systems"][name] = run_system(name, args, api, run_id, node_set, node_group, dirs, plan)
    except BaseException as e:  # noqa: BLE001
        error = f"{type(e).__name__}: {e}"
        traceback.print_exc()
    finally:
        try:
            scripts_cluster("delete-nodes", "--prefix", node_set)
            deadline = time.time() + 180
            while (
                time.time() < deadline
                and kubectl(
                    "get", "namespaces", "-l", f"lattice.dev/bench-run={run_id}", "-o", "name", check=False
                ).stdout.strip()
            ):
                time.sleep(2)
            delete_peer_crds(run_id)
            delete_crd_if_unused("bench.breezeml.ai", "")
        except Exception as e:  # noqa: BLE001
            error = error or f"cleanup: {e}"
        if api is not None:
            api.close()
    lattice = result["systems"].get("lattice", {})
    peers = {n: s for n, s in result["systems"].items() if n != "lattice"}
    result["comparison"] = report.comparison(lattice, peers)
    result["targets"] = report.targets(lattice, peers)
    result["error"] = error
    result["wall_s"] = round(time.monotonic() - started, 1)
    result["machine"]["load_after"] = list(os.getloadavg())
    failures = [f for s in result["systems"].values() for f in s.get("failures", [])]
    errors = [s.get("error") for s in result["systems"].values() if s.get("error")]
    result["completed"] = (
        not error and not errors and not failures and set(result["systems"]) == set(args.systems)
    )
    with open(args.out + ".tmp", "w") as f:
        json.dump(result, f, indent=1, sort_keys=True, default=str)
    os.replace(args.out + ".tmp", args.out)
    print(report.markdown(result))
    print(f"peers: result in {args.out}")
    if not result["completed"]:
        print(f"peers: NOT COMPLETED: {error or ''} {errors} {failures[:10]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
