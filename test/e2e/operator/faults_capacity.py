"""Placement within a node's pod capacity: a KWOK node with 64 GPUs but allocatable pods 4 gets
at most 4 workers of a job that wants 16, all Running, and stays quiet: no Pending worker, no
requeue, no pod churn."""

import os
import time

from e2e_jobs import training_job
from e2e_kube import GPU, SOURCE_DIR, TAINT_KEY, expect, kjson, run
from e2e_scenario import Scenario

NODE_PREFIX = "e2e-cap"
NODE = f"{NODE_PREFIX}-0"
PODS = 4
QUIET = 20  # seconds the job must stay as it is


def cluster(*args):
    run([os.path.join(SOURCE_DIR, "scripts", "cluster"), *args], timeout=300)


def on_capacity_node(job):
    spec = job["spec"]["replicaSpecs"]["template"]["spec"]
    spec["nodeSelector"] = {"lattice.dev/node-set": NODE_PREFIX}
    return job


def scenario_capacity():
    cluster("delete-nodes", "--prefix", NODE_PREFIX)
    cluster(
        "add-nodes",
        "--count",
        "1",
        "--prefix",
        NODE_PREFIX,
        "--gpus",
        "64",
        "--pods",
        str(PODS),
        "--taints",
        f"{TAINT_KEY}=true:NoSchedule",
    )
    try:
        node = kjson("get", "node", NODE)
        expect(
            node["status"]["allocatable"].get("pods") == str(PODS)
            and node["status"]["allocatable"].get(GPU) == "64",
            f"{NODE} allocatable is {node['status']['allocatable']}",
        )
        with Scenario("capacity") as s:
            s.start_operator()
            s.apply(on_capacity_node(training_job("wide", s.ns, min_size=1, max_size=16, gpus=1)))
            st = s.wait(
                f"wide Running with {PODS} workers on {NODE}, all Running",
                lambda st: st.settled("wide", "Running", PODS) and st,
                timeout=60,
            )
            uids = sorted(p["metadata"]["uid"] for p in st.workers("wide", active_only=False))
            expect(len(uids) == PODS, f"{len(uids)} worker pods, want {PODS}")
            deadline = time.time() + QUIET
            while time.time() < deadline:
                st = s.state()
                now = sorted(p["metadata"]["uid"] for p in st.workers("wide", active_only=False))
                expect(st.settled("wide", "Running", PODS), f"wide left Running/{PODS}: {st.summary()}")
                expect(now == uids, f"worker pods changed (churn): {uids} -> {now}")
                time.sleep(2)
            job = st.job("wide")
            annotations = job["metadata"].get("annotations") or {}
            failures = [v for k, v in annotations.items() if k.endswith("/schedule-failures") and v != "0"]
            expect(not failures, f"schedule failures recorded: {annotations}")
            expect(not job.get("status", {}).get("requeueTime"), f"requeueTime set: {job.get('status')}")
            print(f"ok {PODS} workers on a node with pods {PODS} and 64 GPUs; quiet for {QUIET}s")
    finally:
        cluster("delete-nodes", "--prefix", NODE_PREFIX)


CASES = {"capacity": scenario_capacity}
