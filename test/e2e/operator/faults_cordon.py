"""Fault case: a node cordoned under a running job. The worker there counts as lost and is placed
again on a free node (docs/concepts/elasticity.md), the job's other worker and the other job are
untouched, nothing is counted against backoffLimit, a job applied while the node is cordoned gets no
worker there, and once uncordoned the node takes workers again."""

import time

from e2e_jobs import training_job
from e2e_kube import kubectl
from e2e_scenario import Scenario
from fault_figures import duplicates, record

FAILURES = "breezeml.ai/worker-failures"


def nodes_of(st, job):
    return {p["spec"].get("nodeName") for p in st.workers(job, active_only=False)}


def case_node_cordoned():
    """`steady` (1 worker) and `wide` (2 workers, backoffLimit 0) on 3 of the 4 nodes; the node of
    one of wide's workers is cordoned: that worker moves to the free node, then `fresh` (1 worker)
    finds no schedulable node free and waits; uncordoned, fresh runs there."""
    with Scenario("node-cordoned") as s:
        s.start_operator()
        s.apply(training_job("steady", s.ns))
        s.wait("steady runs", lambda st: st.settled("steady", "Running", 1), timeout=60)
        s.apply(training_job("wide", s.ns, min_size=2, max_size=2, backoff_limit=0))
        st = s.wait("wide runs 2 workers", lambda st: st.settled("wide", "Running", 2) and st, timeout=90)
        cordoned_pod = st.workers("wide")[0]
        node = cordoned_pod["spec"]["nodeName"]
        kept = {p["metadata"]["name"]: p["metadata"]["uid"] for p in st.workers("wide")[1:]}
        steady_uids = {p["metadata"]["uid"] for p in st.workers("steady")}
        kubectl("cordon", node)
        t0 = time.time()
        try:
            seen = {"duplicates": 0}

            def moved(st):
                seen["duplicates"] = max(seen["duplicates"], duplicates(st, "wide", 2))
                return st.settled("wide", "Running", 2) and node not in nodes_of(st, "wide") and st

            st = s.wait(
                f"wide Running at 2 with no pod on the cordoned {node}", moved, timeout=90, interval=0.5
            )
            recovery = time.time() - t0
            print(f"wide's worker moved off {node} in {recovery:.1f}s")

            s.apply(training_job("fresh", s.ns))
            for _ in range(10):  # fresh must not land on the cordoned node meanwhile
                time.sleep(1)
                st = s.state()
                seen["duplicates"] = max(seen["duplicates"], duplicates(st, "wide", 2))
                s.check(node not in nodes_of(st, "fresh"), f"fresh got a worker on the cordoned {node}")
            s.check(
                st.stage("fresh") != "Running", f"fresh runs with no schedulable node free: {st.summary()}"
            )
            now = {p["metadata"]["name"]: p["metadata"]["uid"] for p in st.workers("wide")}
            s.check(
                all(now.get(n) == u for n, u in kept.items()),
                f"wide's worker on a schedulable node was replaced: {kept} -> {now}",
            )
        finally:
            kubectl("uncordon", node)
        t1 = time.time()
        st = s.wait(
            f"fresh runs on the uncordoned {node}",
            lambda st: st.settled("fresh", "Running", 1) and nodes_of(st, "fresh") == {node} and st,
            timeout=90,
        )
        print(f"uncordoned -> fresh Running on {node}: {time.time() - t1:.1f}s")
        seen["duplicates"] = max(seen["duplicates"], duplicates(st, "wide", 2), duplicates(st, "fresh", 1))
        steady_now = {p["metadata"]["uid"] for p in st.workers("steady")}
        s.check(steady_now == steady_uids, "steady's worker changed")
        annotations = st.job("wide")["metadata"].get("annotations", {})
        s.check(annotations.get(FAILURES, "0") == "0", f"the moved worker was counted: {annotations}")
        s.check(not st.condition_true("wide", "Failed"), f"wide failed: {st.condition('wide', 'Failed')}")
        s.check(seen["duplicates"] == 0, f"{seen['duplicates']} duplicate worker(s) seen")
        lost = sum(1 for job in ("steady", "wide", "fresh") if job not in st.jobs) + (
            steady_now != steady_uids
        )
        record(
            "node_cordoned",
            "node cordoned under a running job",
            recovery,
            lost,
            seen["duplicates"],
            "its worker moved to a free node, nothing charged; no new worker there until uncordoned",
        )


CASES = {"node_cordoned": case_node_cordoned}
