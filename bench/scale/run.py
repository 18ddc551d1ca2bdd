#!/usr/bin/env python3
"""Cluster-scale benchmark of the operator on the local KWOK cluster.

  bench/scale/run.py --size smoke --out result.json                 # 20 nodes, 50 jobs, ~2-3 min
  bench/scale/run.py --size standard --out result.json --api-qps 200 --api-burst 400
  bench/scale/run.py --nodes N --jobs M --arrival-rate R --seed S --out result.json [--operator PATH]

Needs the cluster of `scripts/cluster up` (KUBECONFIG and its kubectl/helm on PATH: eval "$(scripts/
cluster env)"). Isolated from other users of the cluster: its own CRD group (bench.breezeml.ai),
namespace, tainted KWOK nodes and operator process; all removed at the end, also on failure.
Writes the result JSON to --out, the operator's log next to it, and prints a markdown table.
Exit code 0 when every job Completed. See docs/benchmarks.md ("Cluster scale").
"""

import argparse
import json
import os
import platform
import resource
import secrets
import signal
import sys
import threading
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale_phases as phases  # noqa: E402
import scale_report as report  # noqa: E402
from scale_kube import SOURCE_DIR, Api, BenchError, Watch, run  # noqa: E402
from scale_observe import JobTracker, PodTracker, ProcessSampler, read_proc  # noqa: E402
from scale_setup import (
    Operator,
    add_nodes,
    cleanup_stale,
    create_namespace,
    delete_crd_if_unused,  # noqa: E402
    delete_run,
    install_crd,
    wait_nodes,
)
from scale_summary import summarize  # noqa: E402
from scale_workload import (
    PROBE_GROUP,
    arrival_times,
    general_gpus,
    make_jobs,
    make_probes,  # noqa: E402
    node_layout,
)

GROUP = "bench.breezeml.ai"
# Per size: nodes, jobs, arrival rate (jobs/s), worker run time range (s), minimum run time of the
# fill wave, idle window (s), ceiling pods, probes per size (8 and 64 workers), probe run time,
# fill timeout and overall timeout (s).
SIZES = {
    "smoke": dict(
        nodes=20,
        jobs=50,
        arrival_rate=5.0,
        min_duration=2,
        max_duration=6,
        fill_min_duration=8,
        idle_seconds=8,
        ceiling_pods=150,
        probes=2,
        probe_duration=2,
        fill_timeout=60,
        timeout=300,
    ),
    # 1 job/s of 30-120 s workers is what the 2-core test cluster sustains (docs/benchmarks.md): with
    # 30-180 s workers at 1-3 jobs/s its kube-scheduler and kwok fell behind, not the operator.
    "standard": dict(
        nodes=1000,
        jobs=5000,
        arrival_rate=1.0,
        min_duration=30,
        max_duration=120,
        fill_min_duration=90,
        idle_seconds=30,
        ceiling_pods=2000,
        probes=10,
        probe_duration=5,
        fill_timeout=900,
        timeout=4 * 3600,
    ),
}
CLUSTER_COMPONENTS = ("kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager", "kwok")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=sorted(SIZES), default="smoke", help="defaults for everything below")
    p.add_argument("--nodes", type=int)
    p.add_argument("--jobs", type=int)
    p.add_argument("--arrival-rate", type=float, help="jobs/s of the arrival wave (Poisson)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, help="result JSON (the operator log goes next to it)")
    p.add_argument("--operator", help="lattice-operator binary (default: build/release/app/lattice-operator)")
    p.add_argument("--api-qps", type=float, default=50, help="the operator's --api-qps (its default: 50)")
    p.add_argument("--api-burst", type=int, default=100, help="the operator's --api-burst (its default: 100)")
    p.add_argument("--operator-arg", action="append", default=[], help="one more operator flag (repeatable)")
    for name in (
        "min-duration",
        "max-duration",
        "fill-min-duration",
        "probe-duration",
        "idle-seconds",
        "fill-timeout",
        "timeout",
    ):
        p.add_argument(f"--{name}", type=float)
    p.add_argument("--ceiling-pods", type=int)
    p.add_argument(
        "--ceiling-concurrency",
        type=int,
        default=4,
        help="connections creating the plain pods (the operator writes through --api-concurrency connections, 16 by default)",
    )
    p.add_argument("--probes", type=int, help="probe jobs per size (8 and 64 workers)")
    args = p.parse_args(argv)
    for key, value in SIZES[args.size].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.operator = (
        os.path.abspath(args.operator)
        if args.operator
        else os.path.join(SOURCE_DIR, "build", "release", "app", "lattice-operator")
    )
    return args


def cluster_pids():
    cluster_dir = os.environ.get("LATTICE_CLUSTER_DIR") or os.path.expanduser("~/.cache/lattice/cluster")
    pids = {}
    for name in CLUSTER_COMPONENTS:
        try:
            pids[name] = int(open(os.path.join(cluster_dir, f"{name}.pid")).read().strip())
        except (OSError, ValueError):
            pass
    return pids


def cpu_of(pids):
    out = {}
    for name, pid in pids.items():
        try:
            out[name] = read_proc(pid)[2]
        except OSError:
            pass
    return out


def machine():
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return {
        "cpus": os.cpu_count(),
        "model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_before": list(os.getloadavg()),
        "load_after": None,
    }


class Run:
    """One benchmark run: setup, phases, result, cleanup."""

    def __init__(self, args):
        self.args = args
        self.run_id = secrets.token_hex(3)
        self.ns, self.node_set = f"lattice-bench-{self.run_id}", f"bench-{self.run_id}"
        self.layout = node_layout(args.nodes)
        durations = (args.min_duration, args.max_duration)
        self.jobs = arrival_times(
            make_jobs(args.jobs, self.layout, args.seed, durations, args.fill_min_duration),
            args.arrival_rate,
            args.seed,
        )
        self.probe_jobs = make_probes(args.probes, args.probe_duration)
        base = args.out[:-5] if args.out.endswith(".json") else args.out
        self.log_path = base + ".operator.log"
        self.operator_args = ["--api-qps", f"{args.api_qps:g}", "--api-burst", str(args.api_burst)]
        self.operator_args += args.operator_arg
        self.result = {
            "schema": 1,
            "config": self.config(),
            "machine": machine(),
            "completed": False,
            "error": None,
            "failures": [],
        }
        self.bench = self.watches = self.proc = None
        self.checkpoint = lambda phase: None

    def config(self):
        a = self.args
        return {
            "size": a.size,
            "nodes": a.nodes,
            "jobs": a.jobs,
            "arrival_rate": a.arrival_rate,
            "seed": a.seed,
            "durations_s": [a.min_duration, a.max_duration],
            "fill_min_duration_s": a.fill_min_duration,
            "probes_per_size": a.probes,
            "probe_duration_s": a.probe_duration,
            "operator": a.operator,
            "operator_args": self.operator_args,
            "run_id": self.run_id,
            "namespace": self.ns,
            "group": GROUP,
            "node_groups": {g.name: g.count for g in self.layout},
            "fill_jobs": sum(1 for j in self.jobs if j.wave == "fill"),
            "elastic_jobs": sum(1 for j in self.jobs if j.min_size < j.max_size),
            "worker_pods_min": sum(j.min_size for j in self.jobs),
            "worker_pods_max": sum(j.max_size for j in self.jobs),
        }

    def setup(self, api):
        print(f"bench: run {self.run_id}: namespace {self.ns}, {self.args.nodes} nodes {self.node_set}-*")
        install_crd(GROUP)
        create_namespace(self.ns, self.run_id)
        add_nodes(self.node_set, self.layout)
        node_group = wait_nodes(api, self.node_set, self.args.nodes, timeout=120 + self.args.nodes / 5)
        b = phases.Bench(api, self.ns, GROUP, self.run_id, self.node_set, general_gpus(self.layout))
        self.bench = b
        b.pods, b.tj = PodTracker(GROUP, node_group), JobTracker()
        self.watches = [
            Watch(api, f"/api/v1/namespaces/{self.ns}/pods", b.pods.on_event, "pod-watch"),
            Watch(api, b.jobs_path, b.tj.on_event, "tj-watch"),
        ]
        for w in self.watches:
            w.start()
        for w in self.watches:
            if not w.synced.wait(60):
                raise BenchError(f"watch {w.path} not synced after 60s: {w.error}")
        b.operator = Operator(self.args.operator, GROUP, self.ns, self.log_path, self.operator_args)
        b.operator.start(self.ns)  # b.operator is set first: finish() stops it even if it never got ready
        self.proc = ProcessSampler(b.operator.pid)
        self.proc.start()
        self.probe_nodes = [n for n, g in node_group.items() if g == PROBE_GROUP]
        return b

    def workload(self, b):
        a, r = self.args, self.result
        print("bench: idle window, nodes only")
        r["idle_empty"] = phases.idle_window(b, a.idle_seconds)
        print(f"bench: API server ceiling: {a.ceiling_pods} plain pods")
        r["ceiling_before"] = phases.pod_ceiling(b, a.ceiling_pods, a.ceiling_concurrency)
        self.checkpoint("ceiling")
        r["metrics_before"] = b.metrics()
        t0, cpu0, pids = time.monotonic(), read_proc(b.operator.pid)[2], cluster_pids()
        cluster0 = cpu_of(pids)
        b.scraping.set()
        threading.Thread(target=phases.sampler, args=(b,), name="gpu-sampler", daemon=True).start()
        fill_jobs = [j for j in self.jobs if j.wave == "fill"]
        print(f"bench: fill: {len(fill_jobs)} jobs at once")
        r["clock"] = {"monotonic": time.monotonic(), "unix": time.time()}  # to compare with the operator log
        r["fill_start"], r["fill_apply_s"] = phases.fill(b, fill_jobs, a.fill_timeout)
        r["fill_end"] = time.monotonic()
        self.checkpoint("fill")
        probe_results = r["probes"] = []  # filled by the probe thread as it goes
        prober = threading.Thread(
            target=phases.probes,
            args=(b, self.probe_jobs, self.probe_nodes, probe_results),
            name="probes",
            daemon=True,
        )
        prober.start()
        arrive = [j for j in self.jobs if j.wave == "arrival"]
        print(f"bench: arrivals: {len(arrive)} jobs at {a.arrival_rate:g}/s; {len(self.probe_jobs)} probes")
        r["arrivals"] = phases.arrivals(b, arrive, a.arrival_rate)
        self.checkpoint("arrivals")
        names = [j.name for j in self.jobs + self.probe_jobs]
        left = phases.wait_all_done(b, names, max(60.0, a.timeout - (time.monotonic() - self.started)))
        prober.join(timeout=60)
        t1, cpu1, cluster1 = time.monotonic(), read_proc(b.operator.pid)[2], cpu_of(pids)
        r["busy"] = {
            "seconds": t1 - t0,
            "operator_cpu_cores": (cpu1 - cpu0) / (t1 - t0),
            "cluster_cpu_cores": {
                k: round((cluster1[k] - cluster0[k]) / (t1 - t0), 3) for k in cluster1 if k in cluster0
            },
        }
        r["unfinished"] = left[:50]
        b.scraping.clear()
        print("bench: idle window, every job finished")
        r["idle_loaded"] = phases.idle_window(b, a.idle_seconds)
        r["metrics_after"] = b.metrics()
        print(f"bench: API server ceiling again: {a.ceiling_pods} plain pods")
        r["ceiling_after"] = phases.pod_ceiling(b, a.ceiling_pods, a.ceiling_concurrency)
        stages = b.tj.stages()
        r["stages"] = {
            s: sum(1 for n in names if stages.get(n) == s) for s in set(stages.get(n) for n in names)
        }
        r["completed"] = not left and all(stages.get(n) == "Completed" for n in names)

    def execute(self):
        self.started, api = time.monotonic(), None
        try:
            if not os.access(self.args.operator, os.X_OK):
                raise BenchError(f"operator binary {self.args.operator} not found or not executable")
            run(["kubectl", "get", "--raw", "/readyz"])
            cleanup_stale(GROUP)
            api = Api()
            b = self.setup(api)
            self.workload(b)
        except BaseException as e:  # noqa: BLE001 -- reported in the result (also ^C), then cleaned up
            self.result["error"] = f"{type(e).__name__}: {e}"
            traceback.print_exc()
        finally:
            self.finish(api)
        return self.result

    def finish(self, api):
        b, r = self.bench, self.result
        if b is not None:
            b.stopping.set()
            if self.proc is not None:
                self.proc.stopping.set()
            if b.operator is not None:
                r["operator_exit"] = b.operator.stop()
                r["operator_exit_s"] = getattr(b.operator, "stop_seconds", None)
        for w in self.watches or []:
            w.stop()
        try:
            print("bench: cleaning up")
            delete_run(self.ns, self.run_id, wait_s=120)
            delete_crd_if_unused(GROUP, self.ns)
        except Exception as e:  # noqa: BLE001
            r["failures"].append(f"cleanup: {e}")
        if api is not None:
            api.close()
        r["machine"]["load_after"] = list(os.getloadavg())
        r["wall_s"] = time.monotonic() - self.started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        r["driver_cpu_cores"] = (usage.ru_utime + usage.ru_stime) / r["wall_s"]
        if b is not None:
            r["failures"] += b.failures
        r["watch_errors"] = [w.error for w in self.watches or [] if w.error]


def write_result(run_, phase):
    """The result so far (a killed run still leaves the figures of the phases it finished)."""
    result = summarize(run_.result, run_)
    result["phase"] = phase
    tmp = run_.args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
    os.replace(tmp, run_.args.out)
    return result


def on_sigterm(signum, frame):
    raise SystemExit(f"signal {signum}")  # unwinds through Run.execute's cleanup


def main(argv=None):
    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, on_sigterm)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # The result and the operator's log go there; a missing folder would only fail at the end.
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    run_ = Run(args)
    run_.checkpoint = lambda phase: write_result(run_, phase)
    run_.execute()
    result = write_result(run_, "done")
    missing = report.missing_fields(result)
    print(report.markdown_table(result) if not missing else f"bench: result lacks {missing}")
    print(f"bench: result in {args.out}, operator log in {run_.log_path}")
    if result["error"] or not result["completed"]:
        print(
            f"bench: NOT COMPLETED: {result['error'] or ''} {result['failures']} "
            f"unfinished {(result.get('unfinished') or [])[:10]}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
