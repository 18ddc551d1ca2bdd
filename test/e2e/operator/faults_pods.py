"""Fault cases about pods: templates the API server refuses, a node deleted under a running job, a
job name that starts with a digit. In each, another job of the namespace must keep progressing."""

import os
import time

from e2e_jobs import event_messages, job_events, training_job
from e2e_kube import (
    NODE_PREFIX,
    NODE_SET_LABEL,
    SOURCE_DIR,
    TAINT_KEY,
    kjson,
    kubectl,
    run,
)
from e2e_scenario import Scenario

REFUSED = "PodCreateRefused"
LOST_PREFIX = "e2e-podfail"  # not e2e-gpu-*: the suite's own node check would call it extra


def condition(st, name, type_):
    return st.condition(name, type_) or {}


def create_failures(op, job):
    """The operator's log lines about failed creates of `job`'s pods (one per create answered)."""
    with open(op.log_path) as f:
        return sum(1 for line in f if "creating pod " + job + "-" in line and "failed" in line)


# ---------------------------------------------------------------- refused templates
def refused_label(job):
    job["spec"]["replicaSpecs"]["template"].setdefault("metadata", {})["labels"] = {"team": "a b"}


def refused_container_name(job):
    job["spec"]["replicaSpecs"]["template"]["spec"]["containers"][0]["name"] = "Worker_1"


def refused_requests(job):
    resources = job["spec"]["replicaSpecs"]["template"]["spec"]["containers"][0]["resources"]
    resources["requests"]["cpu"] = "2"
    resources["limits"]["cpu"] = "1"


def refused_privileged(job):
    job["spec"]["replicaSpecs"]["template"]["spec"]["containers"][0]["securityContext"] = {"privileged": True}


RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "runAsUser": 1000,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def restricted(job):
    """A container that Pod Security `restricted` admits."""
    job["spec"]["replicaSpecs"]["template"]["spec"]["containers"][0]["securityContext"] = dict(
        RESTRICTED_CONTAINER
    )
    return job


def refused_case(name, breaks, pod_security=False):
    """`bad` (4 x 8 GPUs: the whole suite) breaks its template with `breaks`; `steady` (1..4 workers,
    same priority, applied after it) must get the GPUs. `bad` gets Invalid=True/PodCreateRefused and
    a PodCreateRefused Event with the API server's message, its create attempts stay bounded, and a
    fixed template (a new generation) makes it run."""

    def case():
        with Scenario(name) as s:
            if pod_security:
                kubectl(
                    "label", "namespace", s.ns, "pod-security.kubernetes.io/enforce=restricted", "--overwrite"
                )
            op = s.start_operator()
            bad = training_job("bad", s.ns, min_size=4, max_size=4, gpus=8)
            breaks(bad)
            steady = training_job("steady", s.ns, min_size=1, max_size=4, gpus=8)
            if pod_security:
                restricted(steady)
            s.apply(bad)
            time.sleep(2)  # bad first: it is admitted, refused, and must give its GPUs back
            s.apply(steady)

            st = s.wait(
                "bad refused (Invalid=True, PodCreateRefused)",
                lambda st: condition(st, "bad", "Invalid").get("reason") == REFUSED and st,
                timeout=60,
            )
            message = condition(st, "bad", "Invalid").get("message", "")
            s.check("the API server refused pod bad-worker-" in message, f"condition message: {message!r}")
            s.check(
                ("violates PodSecurity" if pod_security else "is invalid") in message,
                f"the condition does not carry the API server's message: {message!r}",
            )
            events = s.wait(
                "a PodCreateRefused Event", lambda st: event_messages(s.ns, "bad", REFUSED), timeout=30
            )
            s.check(any("the API server refused pod" in e for e in events), f"events: {events}")
            s.wait(
                "steady runs on the GPUs bad gave back (4 workers)",
                lambda st: st.settled("steady", "Running", 4) and st,
                timeout=90,
            )
            st = s.state()
            s.check(
                not st.workers("bad"),
                f"bad still has pods: {[p['metadata']['name'] for p in st.workers('bad')]}",
            )

            # No retry storm: the same generation is not tried again.
            attempts = create_failures(op, "bad")
            time.sleep(20)
            later = create_failures(op, "bad")
            s.check(later == attempts, f"bad's failed creates went from {attempts} to {later} in 20s")
            s.check(
                attempts <= 4, f"{attempts} failed creates for one refused generation (4 workers at most)"
            )

            # Fixed: a new generation, 1 worker; steady shares (equal priority: it shrinks to make room).
            fixed = training_job("bad", s.ns, min_size=1, max_size=1, gpus=8)
            if pod_security:
                restricted(fixed)
            s.apply(fixed)
            s.wait("the fixed bad runs", lambda st: st.settled("bad", "Running", 1) and st, timeout=90)
            st = s.wait("steady keeps running", lambda st: st.stage("steady") == "Running" and st, timeout=30)
            s.check(
                condition(st, "bad", "Invalid").get("status") == "False",
                f"Invalid still {condition(st, 'bad', 'Invalid')}",
            )

    return case


# ---------------------------------------------------------------- a node deleted under a job
def add_lost_node():
    run(
        [
            os.path.join(SOURCE_DIR, "scripts", "cluster"),
            "add-nodes",
            "--count",
            "1",
            "--prefix",
            LOST_PREFIX,
            "--gpus",
            "8",
            "--taints",
            f"{TAINT_KEY}=true:NoSchedule",
        ],
        timeout=300,
    )
    return f"{LOST_PREFIX}-0"


def delete_lost_nodes():
    run(
        [os.path.join(SOURCE_DIR, "scripts", "cluster"), "delete-nodes", "--prefix", LOST_PREFIX], timeout=300
    )


def on_suite_and_lost_nodes(job):
    """The job may use the suite's nodes and the case's own node."""
    spec = job["spec"]["replicaSpecs"]["template"]["spec"]
    spec.pop("nodeSelector", None)
    spec["affinity"] = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": NODE_SET_LABEL, "operator": "In", "values": [NODE_PREFIX, LOST_PREFIX]}
                        ]
                    }
                ]
            }
        }
    }
    return job


def case_node_deleted():
    """`steady` (1 worker) and `wide` (1..4 workers, backoffLimit 0) fill the suite's 4 nodes and a
    node of the case's own; deleting that node under `wide` keeps it Running: its other workers are
    untouched, the lost one is replaced or the job shrinks, the failure is not counted."""
    node = add_lost_node()
    try:
        with Scenario("pods-node-deleted") as s:
            s.start_operator()
            s.apply(training_job("steady", s.ns, min_size=1, max_size=1, gpus=8))
            s.wait("steady runs", lambda st: st.settled("steady", "Running", 1) and st, timeout=60)
            s.apply(
                on_suite_and_lost_nodes(
                    training_job("wide", s.ns, min_size=1, max_size=4, gpus=8, backoff_limit=0)
                )
            )
            st = s.wait(
                f"wide runs 4 workers, one on {node}",
                lambda st: (
                    st.settled("wide", "Running", 4)
                    and any(p["spec"].get("nodeName") == node for p in st.workers("wide"))
                    and st
                ),
                timeout=90,
            )
            healthy = {
                p["metadata"]["name"]: p["metadata"]["uid"]
                for p in st.workers("wide")
                if p["spec"].get("nodeName") != node
            }
            steady_uids = {p["metadata"]["uid"] for p in st.workers("steady")}
            kubectl("delete", "node", node, "--wait=false")
            t0 = time.time()
            # Replaced on another node, or (none is free) shrunk to 3, without failing.
            st = s.wait(
                "wide Running again with no worker on the deleted node",
                lambda st: (
                    st.stage("wide") == "Running"
                    and st.workers("wide")
                    and all(p["spec"].get("nodeName") != node for p in st.workers("wide"))
                    and st
                ),
                timeout=150,
            )
            print(f"wide recovered {time.time() - t0:.1f}s after the node was deleted")
            for _ in range(20):  # PodGC's Failed pod must not fail the job meanwhile
                time.sleep(3)
                st = s.state()
                s.check(st.stage("wide") == "Running", f"wide left Running: {st.status('wide')}")
                if st.stage("wide") != "Running":
                    break
            now = {p["metadata"]["name"]: p["metadata"]["uid"] for p in st.workers("wide")}
            deleted = {n: u for n, u in healthy.items() if now.get(n) != u}
            size = (st.status("wide") or {}).get("currentSize")
            if size == 4:
                # Replaced at the same size: the other workers go on as they were.
                s.check(not deleted, f"healthy workers were deleted: {deleted}")
            else:
                # Shrunk: workers without the agent restart at the new world size (a resize), but
                # none is deleted as a failure would (cleanPodPolicy) and the job never failed.
                s.check(size == 3, f"wide neither replaced nor shrunk to 3: {st.status('wide')}")
                s.check(
                    all(
                        p["metadata"].get("annotations", {}).get("breezeml.ai/world-size") == "3"
                        for p in st.workers("wide")
                    ),
                    f"wide's workers are not built for size 3: {[p['metadata'].get('annotations') for p in st.workers('wide')]}",
                )
            s.check(
                {p["metadata"]["uid"] for p in st.workers("steady")} == steady_uids, "steady's worker changed"
            )
            annotations = st.job("wide")["metadata"].get("annotations", {})
            s.check(
                annotations.get("breezeml.ai/worker-failures", "0") == "0",
                f"the lost worker was counted: {annotations}",
            )
            s.check(not st.condition_true("wide", "Failed"), f"wide failed: {st.condition('wide', 'Failed')}")
    finally:
        delete_lost_nodes()


# ---------------------------------------------------------------- a name that starts with a digit
def case_digit_name():
    """`1job` runs with its workers Service (a DNS-1035 name), next to `steady`."""
    with Scenario("pods-digit-name") as s:
        s.start_operator()
        s.apply(training_job("steady", s.ns, min_size=1, max_size=1, gpus=8))
        s.apply(training_job("1job", s.ns, min_size=2, max_size=2, gpus=8))
        s.wait("1job runs", lambda st: st.settled("1job", "Running", 2) and st, timeout=90)
        s.wait("steady runs", lambda st: st.settled("steady", "Running", 1) and st, timeout=60)
        services = [
            svc["metadata"]["name"]
            for svc in kjson("get", "services", "-n", s.ns)["items"]
            if svc["metadata"].get("labels", {}).get("breezeml.ai/job-name") == "1job"
            or any(o.get("name") == "1job" for o in svc["metadata"].get("ownerReferences", []))
        ]
        s.check(
            any(n.startswith("j1job-") and n.endswith("-wrks") for n in services), f"services: {services}"
        )
        warnings = [e.get("message") for e in job_events(s.ns, "1job") if e.get("type") == "Warning"]
        s.check(not warnings, f"warnings: {warnings}")


CASES = {
    "pods_refused_label": refused_case("pods-refused-label", refused_label),
    "pods_refused_container_name": refused_case("pods-refused-name", refused_container_name),
    "pods_refused_requests": refused_case("pods-refused-requests", refused_requests),
    "pods_refused_pod_security": refused_case("pods-refused-psa", refused_privileged, pod_security=True),
    "pods_node_deleted": case_node_deleted,
    "pods_digit_name": case_digit_name,
}
