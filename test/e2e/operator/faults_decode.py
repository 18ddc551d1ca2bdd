"""Fault cases: an object the API server accepts and the operator's decoder refuses never stops a
watch (a TrainingJob gets InvalidSpec and an Event naming the field, a Pod is skipped, every other
job goes on), and the operator resumes within seconds of an API server outage ending."""

import json
import os
import time

from e2e_jobs import JOB_LABEL, expect_events, training_job
from e2e_kube import SOURCE_DIR, expect, kubectl, placement, run, wait_until
from e2e_scenario import Scenario
from fault_figures import duplicates, record

# The CRD types the pod template's tolerations as plain strings, so the API server accepts any
# operator; the decoder knows only Equal and Exists.
REFUSED_FIELD = "spec.replicaSpecs.template.spec.tolerations[1].operator"

# From the API server being back to the next admission: the watches reconnect within their backoff
# cap (5 s, jittered down to 2.5 s), then the planner admits at once (the job fits); the rest is
# the operator's own request latency. 10 s leaves room for a loaded CI machine.
RESUME_BOUND_SECONDS = 10


def decode_errors(op, kind):
    return sum(
        value
        for name, labels, value in op.metrics()
        if name == "lattice_decode_errors_total" and labels.get("kind") == kind
    )


def with_toleration_operator(job, operator):
    job["spec"]["replicaSpecs"]["template"]["spec"]["tolerations"].append(
        {"key": "lattice.dev/never", "operator": operator, "effect": "NoSchedule"}
    )
    return job


def expect_ready(op, what):
    status, body = op.probe("/readyz")
    expect(status == 200, f"/readyz answered {status} {what}: {body.strip()}")


def case_decode_job():
    """A TrainingJob the decoder refuses: the jobs around it run, it gets InvalidSpec and an Event
    naming the field, the counter moves, /readyz stays ready, and once fixed it runs."""
    with Scenario("decode-job") as s:
        op = s.start_operator()
        s.apply(training_job("before", s.ns))
        s.wait("before Running", lambda st: st.settled("before", "Running", 1), timeout=60)

        bad = with_toleration_operator(training_job("bad", s.ns), "Sometimes")
        result = kubectl("apply", "-f", "-", input=json.dumps(bad), check=False)
        expect(result.returncode == 0, f"the API server refused the job the test needs: {result.stderr}")
        s.apply(training_job("after", s.ns))
        s.wait(
            "after Running (the watch went on past the refused job)",
            lambda st: st.settled("after", "Running", 1),
        )

        def invalid(st):
            c = st.condition("bad", "Invalid")
            return c and c.get("status") == "True" and c.get("reason") == "InvalidSpec" and c

        condition = s.wait("bad: Invalid=True (InvalidSpec)", invalid, timeout=30)
        expect(
            REFUSED_FIELD in condition.get("message", ""),
            f"the condition does not name the field: {condition}",
        )
        expect_events(
            s.ns,
            "bad",
            "Invalid",
            "a Warning Event naming the refused field",
            check=lambda messages: any(REFUSED_FIELD in m for m in messages),
        )
        expect(not s.state().workers("bad"), "the refused job got workers")
        expect(
            decode_errors(op, "TrainingJob") >= 1,
            "lattice_decode_errors_total{kind=TrainingJob} did not move",
        )
        expect_ready(op, "with a refused job (the watch is not stuck)")
        s.check(
            any(f"{s.ns}/bad" in line and REFUSED_FIELD in line for line in op.log_lines()),
            "no log line names the refused job and its field",
        )

        fixed = with_toleration_operator(training_job("bad", s.ns), "Exists")
        s.apply(fixed)
        s.wait("bad Running once fixed", lambda st: st.settled("bad", "Running", 1), timeout=60)
        s.check(not s.state().condition_true("bad", "Invalid"), "Invalid stayed True after the fix")
        expect(op.alive(), "the operator exited")
        print(
            "ok a refused TrainingJob got InvalidSpec and an Event with the field; the others ran; fixed, it ran"
        )


def refused_pod(ns, job_name):
    """A Pod with the job label whose CPU request the API server accepts and the decoder cannot
    hold in 64-bit millicores (10 P cores)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"{job_name}-stray", "namespace": ns, "labels": {JOB_LABEL: job_name}},
        "spec": {
            "containers": [{"name": "c", "image": "busybox:1.36", "resources": {"requests": {"cpu": "10P"}}}],
            **placement(),
        },
    }


def workers_active(st, name):
    counts = ((st.status(name).get("execStatus") or {}).get("replicaStatuses") or {}).get("Worker") or {}
    return counts.get("active")


def case_decode_pod():
    """A Pod with the job label the pod decoder refuses: counted, skipped, other jobs run."""
    with Scenario("decode-pod") as s:
        op = s.start_operator()
        s.apply(training_job("first", s.ns))
        s.wait("first Running", lambda st: st.settled("first", "Running", 1), timeout=60)
        result = kubectl("apply", "-f", "-", input=json.dumps(refused_pod(s.ns, "first")), check=False)
        expect(result.returncode == 0, f"the API server refused the pod the test needs: {result.stderr}")
        s.apply(training_job("second", s.ns))
        s.wait(
            "second Running (the pod watch went on)",
            lambda st: st.settled("second", "Running", 1),
            timeout=60,
        )
        # Admission needs no pod event; counting the worker does: the pod watch went on.
        s.wait(
            "second's running worker counted (replicaStatuses.Worker.active 1)",
            lambda st: workers_active(st, "second") == 1,
            timeout=30,
        )
        s.check(s.state().settled("first", "Running", 1), "first left Running")
        wait_until(
            "lattice_decode_errors_total{kind=Pod} to move", lambda: decode_errors(op, "Pod") >= 1, timeout=10
        )
        expect_ready(op, "with a refused pod")
        kubectl("delete", "pod", "-n", s.ns, "first-stray", "--wait=false")
        print("ok a refused pod was counted and skipped; the other jobs ran")


def cluster(*args):
    return run([os.path.join(SOURCE_DIR, "scripts", "cluster"), *args], timeout=120)


def api_ready():
    return kubectl("get", "--raw", "/readyz", check=False, timeout=5).returncode == 0


def watch_cache_holds(ns, name):
    """Whether the API server's watch cache lists TrainingJob ns/name: a list at resourceVersion 0 is
    served from the cache, not read from etcd."""
    path = f"/apis/breezeml.ai/v1/namespaces/{ns}/trainingjobs?resourceVersion=0"
    got = kubectl("get", "--raw", path, check=False, timeout=5)
    if got.returncode != 0:
        return False
    return any(item["metadata"]["name"] == name for item in json.loads(got.stdout).get("items", []))


def case_decode_outage():
    """The API server stopped for 30 s (long enough for the watches' backoff to reach its cap),
    then started: a job applied as soon as the API server answers is admitted within the bound."""
    with Scenario("decode-outage") as s:
        op = s.start_operator()
        s.apply(training_job("warm", s.ns))
        st = s.wait("warm Running", lambda st: st.settled("warm", "Running", 1) and st, timeout=60)
        warm_uid = st.workers("warm")[0]["metadata"]["uid"]
        cluster("stop", "kube-apiserver")
        try:
            time.sleep(30)
        finally:
            cluster("start", "kube-apiserver")
        wait_until("the API server to answer again", api_ready, timeout=60, interval=0.2)
        back = time.time()
        s.apply(training_job("fresh", s.ns))
        applied = time.time()
        cached = {"at": None}

        def fresh_admitted(st):
            if cached["at"] is None and watch_cache_holds(s.ns, "fresh"):
                cached["at"] = time.time()
            return st.stage("fresh") == "Running"

        s.wait("fresh admitted", fresh_admitted, timeout=60, interval=0.2)
        done = time.time()
        took = done - back
        # As in the etcd outage: the bound counts from when a watcher could first see the job.
        visible = cached["at"] or applied
        print(
            f"API server back -> fresh admitted: {took:.1f}s ({applied - back:.1f}s to apply it, "
            f"{visible - applied:.1f}s more until the API server's watch cache held it, {done - visible:.1f}s from then)"
        )
        expect(
            done - visible <= RESUME_BOUND_SECONDS,
            f"admission came {done - visible:.1f}s after the API server's watch cache held the job "
            f"(bound {RESUME_BOUND_SECONDS}s)",
        )
        wait_until("/readyz ready again", lambda: op.probe("/readyz")[0] == 200, timeout=30)
        # The cluster's own controllers (scheduler, KWOK, namespace cleanup) reconnect at their own
        # pace: the scenario ends only once they run pods again, so its cleanup can delete them.
        st = s.wait(
            "fresh Running (the cluster's controllers are back)",
            lambda st: st.settled("fresh", "Running", 1) and st,
            timeout=180,
        )
        warm_now = [p["metadata"]["uid"] for p in st.workers("warm")]
        s.check(warm_now == [warm_uid], f"warm's worker changed: {warm_uid} -> {warm_now}")
        print("ok the operator resumed within seconds of the API server's return")
        record(
            "decode_outage",
            "API server stopped 30 s (one replica)",
            took,
            sum(1 for job in ("warm", "fresh") if job not in st.jobs) + (warm_now != [warm_uid]),
            duplicates(st, "warm", 1) + duplicates(st, "fresh", 1),
            "a job applied as the API server returned admitted; the running job untouched",
        )


CASES = {
    "decode_job": case_decode_job,
    "decode_pod": case_decode_pod,
    "decode_outage": case_decode_outage,
}
