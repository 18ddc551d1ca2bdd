"""Fault cases about pods: templates the API server refuses, a node deleted or NotReady under a
running job, a job name that starts with a digit. In each, another job of the namespace must keep
progressing."""

import json
import os
import time

from e2e_jobs import event_messages, job_events, training_job
from e2e_kube import (
    GPU,
    NODE_PREFIX,
    NODE_SET_LABEL,
    SOURCE_DIR,
    TAINT_KEY,
    kjson,
    kubectl,
    run,
    utc_now,
)
from e2e_scenario import Scenario
from fault_figures import duplicates, record

REFUSED = "PodCreateRefused"
LOST_PREFIX = "e2e-podfail"  # not e2e-gpu-*: the suite's own node check would call it extra
NOT_READY_PREFIX = "e2e-notready"


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


def refused_oversized_annotation(job):
    """Template annotations over the API server's 256 KiB total (the TrainingJob itself, a custom
    resource, may be larger)."""
    job["spec"]["replicaSpecs"]["template"].setdefault("metadata", {}).setdefault("annotations", {})[
        "example.com/blob"
    ] = "x" * (300 * 1024)


def refused_fractional_gpu(job):
    """1.5 GPUs: the CRD and the decoder accept a quantity (the planner counts it as 2, rounded up
    like Kubernetes does); the API server refuses a pod asking a fraction of an extended resource."""
    resources = job["spec"]["replicaSpecs"]["template"]["spec"]["containers"][0]["resources"]
    resources["requests"][GPU] = "1.5"
    resources["limits"][GPU] = "1.5"


def server_side_apply(obj):
    """Server-side apply: no last-applied-configuration annotation (which would carry the oversized
    template into the TrainingJob's own annotations), and a later apply removes what it leaves out."""
    kubectl("apply", "--server-side", "--field-manager=e2e", "-f", "-", input=json.dumps(obj))


def refused_case(name, breaks, pod_security=False, fault=None, message_part=None, server_side=False):
    """`bad` (4 x 8 GPUs: the whole suite) breaks its template with `breaks`; `steady` (1..4 workers,
    same priority, applied after it) must get the GPUs. `bad` gets Invalid=True/PodCreateRefused and
    a PodCreateRefused Event with the API server's message (containing `message_part`), its create
    attempts stay bounded, and a fixed template (a new generation) makes it run."""
    expected = message_part or ("violates PodSecurity" if pod_security else "is invalid")
    case_name = "pods_" + name.removeprefix("pods-").replace("-", "_")

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
            apply = server_side_apply if server_side else s.apply
            t0 = time.time()
            apply(bad)
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
                expected in message,
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
            recovery = time.time() - t0
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
            apply(fixed)
            s.wait("the fixed bad runs", lambda st: st.settled("bad", "Running", 1) and st, timeout=90)
            st = s.wait("steady keeps running", lambda st: st.stage("steady") == "Running" and st, timeout=30)
            s.check(
                condition(st, "bad", "Invalid").get("status") == "False",
                f"Invalid still {condition(st, 'bad', 'Invalid')}",
            )
            record(
                case_name,
                fault or f"pod template refused ({name})",
                recovery,
                sum(1 for job in ("bad", "steady") if job not in st.jobs),
                max(duplicates(st, "bad", 4), duplicates(st, "steady", 4)),
                "refused job Invalid=True (PodCreateRefused), its GPUs to the other job; fixed, it runs",
            )

    return case


# ---------------------------------------------------------------- a node deleted under a job
def add_lost_node(prefix=LOST_PREFIX):
    run(
        [
            os.path.join(SOURCE_DIR, "scripts", "cluster"),
            "add-nodes",
            "--count",
            "1",
            "--prefix",
            prefix,
            "--gpus",
            "8",
            "--taints",
            f"{TAINT_KEY}=true:NoSchedule",
        ],
        timeout=300,
    )
    return f"{prefix}-0"


def delete_lost_nodes(prefix=LOST_PREFIX):
    run([os.path.join(SOURCE_DIR, "scripts", "cluster"), "delete-nodes", "--prefix", prefix], timeout=300)


def on_suite_and_lost_nodes(job, prefix=LOST_PREFIX):
    """The job may use the suite's nodes and the case's own node."""
    spec = job["spec"]["replicaSpecs"]["template"]["spec"]
    spec.pop("nodeSelector", None)
    spec["affinity"] = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": NODE_SET_LABEL, "operator": "In", "values": [NODE_PREFIX, prefix]}
                        ]
                    }
                ]
            }
        }
    }
    return job


def make_unresponsive(node):
    """The node's kubelet stops answering: kwok no longer manages it (no heartbeat, no pod ever
    finishes terminating there; kwok is restarted to let go of it) and its Ready condition goes False, as the node controller would
    set it once the heartbeats stop (720 s on this cluster: too long to wait)."""
    kubectl("annotate", "node", node, "kwok.x-k8s.io/node=unmanaged", "--overwrite")
    # A running kwok keeps acting on the nodes it took; a new one takes only those the annotation
    # selects. The other nodes' pods keep running meanwhile.
    for verb in ("stop", "start"):
        run([os.path.join(SOURCE_DIR, "scripts", "cluster"), verb, "kwok"], timeout=120)
    now = utc_now().strftime("%Y-%m-%dT%H:%M:%SZ")
    condition = {
        "type": "Ready",
        "status": "False",
        "reason": "KubeletNotReady",
        "message": "e2e fault: the kubelet stopped answering",
        "lastHeartbeatTime": now,
        "lastTransitionTime": now,
    }
    kubectl(
        "patch", "node", node, "--subresource=status", "--type=strategic",
        "-p", json.dumps({"status": {"conditions": [condition]}}),
    )  # fmt: skip


def lose_node_under_a_job(case, prefix, fault, inject, recover_within):
    """`steady` (1 worker) and `wide` (1..4 workers, backoffLimit 0) fill the suite's 4 nodes and a
    node of the case's own; `inject(node)` loses that node under `wide`, which stays Running: its
    other workers are untouched (or restart at the new size), the lost one is replaced or the job
    shrinks within [1, 4], the failure is not counted, and no pod of `wide` is left on the node
    within `recover_within` seconds (the replacement does not wait for PodGC or the grace period)."""
    node = add_lost_node(prefix)
    try:
        with Scenario(case) as s:
            op = s.start_operator()
            s.apply(training_job("steady", s.ns, min_size=1, max_size=1, gpus=8))
            s.wait("steady runs", lambda st: st.settled("steady", "Running", 1) and st, timeout=60)
            s.apply(
                on_suite_and_lost_nodes(
                    training_job("wide", s.ns, min_size=1, max_size=4, gpus=8, backoff_limit=0), prefix
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
            inject(node)
            t0 = time.time()
            seen = {"duplicates": 0, "sizes": set()}

            def recovered(st):
                seen["duplicates"] = max(seen["duplicates"], duplicates(st, "wide", 4))
                size = st.size("wide")
                seen["sizes"].add(size)
                on_node = [
                    p for p in st.workers("wide", active_only=False) if p["spec"].get("nodeName") == node
                ]
                return (
                    st.stage("wide") == "Running"
                    and size in (3, 4)
                    and st.settled("wide", "Running", size)
                    and not on_node
                    and st
                )

            # Replaced on another node, or (none is free) shrunk to 3, without failing; every pod of
            # wide off the lost node, terminating ones included.
            st = s.wait(f"wide Running again with no pod on {node}", recovered, timeout=150, interval=0.5)
            recovery = time.time() - t0
            print(f"wide recovered {recovery:.1f}s after the fault")
            forced = sum(1 for line in op.log_lines() if "(forced)" in line and node in line)
            s.check(forced >= 1, f"no forced delete naming {node} in the operator's log")
            for _ in range(10):  # the lost pod's fate (PodGC, taints) must not fail the job meanwhile
                time.sleep(2)
                st = s.state()
                seen["duplicates"] = max(seen["duplicates"], duplicates(st, "wide", 4))
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
                all(1 <= (n or 0) <= 4 for n in seen["sizes"]), f"wide's size left [1, 4]: {seen['sizes']}"
            )
            steady_now = {p["metadata"]["uid"] for p in st.workers("steady")}
            s.check(steady_now == steady_uids, "steady's worker changed")
            annotations = st.job("wide")["metadata"].get("annotations", {})
            s.check(
                annotations.get("breezeml.ai/worker-failures", "0") == "0",
                f"the lost worker was counted: {annotations}",
            )
            s.check(not st.condition_true("wide", "Failed"), f"wide failed: {st.condition('wide', 'Failed')}")
            s.check(seen["duplicates"] == 0, f"{seen['duplicates']} duplicate worker(s) of wide seen")
            s.check(
                recovery < recover_within,
                f"wide took {recovery:.1f}s to recover (want < {recover_within}s: PodGC alone takes 40-60s)",
            )
            lost = sum(1 for name in ("steady", "wide") if name not in st.jobs) + (steady_now != steady_uids)
            record(
                case.replace("-", "_"),
                fault,
                recovery,
                lost,
                seen["duplicates"],
                f"Running at size {size}, nothing charged",
            )
    finally:
        delete_lost_nodes(prefix)


def case_node_deleted():
    """A node deleted under a running job (lose_node_under_a_job): its worker is force-deleted at
    once, the replacement (same name) follows within 20 s."""
    lose_node_under_a_job(
        "pods-node-deleted",
        LOST_PREFIX,
        "node deleted under a running job",
        lambda node: kubectl("delete", "node", node, "--wait=false"),
        recover_within=20,
    )


def case_node_not_ready():
    """A node whose kubelet stops answering (NotReady, pods never finish terminating) under a
    running job: the planner moves or shrinks, the worker being deleted there is force-deleted once
    the node has been NotReady for 20 s (lifecycle::unresponsive_node_after), well before its grace
    period (30 s) plus the stuck-terminating rule (15 s) would free it."""
    lose_node_under_a_job(
        "pods-node-not-ready",
        NOT_READY_PREFIX,
        "node NotReady (kubelet silent) under a running job",
        make_unresponsive,
        recover_within=40,
    )


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
    "pods_refused_label": refused_case(
        "pods-refused-label", refused_label, fault="pod template refused: invalid label value"
    ),
    "pods_refused_container_name": refused_case(
        "pods-refused-container-name", refused_container_name, fault="pod template refused: container name"
    ),
    "pods_refused_requests": refused_case(
        "pods-refused-requests", refused_requests, fault="pod template refused: requests above limits"
    ),
    "pods_refused_pod_security": refused_case(
        "pods-refused-pod-security",
        refused_privileged,
        pod_security=True,
        fault="pod template refused: Pod Security restricted",
    ),
    "pods_refused_annotation_size": refused_case(
        "pods-refused-annotation-size",
        refused_oversized_annotation,
        fault="pod template refused: annotations over 256 KiB",
        message_part="262144 bytes",
        server_side=True,
    ),
    "pods_refused_fractional_gpu": refused_case(
        "pods-refused-fractional-gpu",
        refused_fractional_gpu,
        fault="pod template refused: nvidia.com/gpu 1.5",
        message_part="must be an integer",
    ),
    "pods_node_deleted": case_node_deleted,
    "pods_node_not_ready": case_node_not_ready,
    "pods_digit_name": case_digit_name,
}
