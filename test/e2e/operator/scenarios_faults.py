"""Scenarios about the operator's own faults: (g) SIGKILL mid-scale and restart, (h) two
replicas with leader election, the leader SIGKILLed."""

import subprocess
import threading
import time

from e2e_chart import lease_holder
from e2e_jobs import check_workers, event_messages, index_of, is_active, training_job
from e2e_kube import ScenarioError, expect, wait_until
from e2e_operator import parse_metrics
from e2e_scenario import Scenario
from fault_figures import duplicates, record

WRITE_VERBS = {"create", "post", "patch", "put", "update", "delete", "deletecollection"}


class PodWatch:
    """`kubectl get pods -w` in the background: .changed is set at the first pod event after
    start() (existing pods are listed first and ignored)."""

    def __init__(self, ns):
        self.ns = ns
        self.changed = threading.Event()
        self.lines = []

    def start(self, ignore):
        self.process = subprocess.Popen(
            [
                "kubectl",
                "get",
                "pods",
                "-n",
                self.ns,
                "-w",
                "-o",
                "custom-columns=NAME:.metadata.name,RV:.metadata.resourceVersion",
                "--no-headers",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        known = set(ignore)

        def read():
            for line in self.process.stdout:
                line = " ".join(line.split())  # custom-columns pads with spaces
                self.lines.append(line)
                if line and line not in known:
                    self.changed.set()

        threading.Thread(target=read, daemon=True).start()
        time.sleep(1)  # the initial list arrives first
        return self

    def stop(self):
        self.process.kill()
        self.process.wait()


def pod_lines(st):
    """The watch's lines for the pods as they are now (name and resourceVersion)."""
    return {f"{p['metadata']['name']} {p['metadata']['resourceVersion']}" for p in st.pods}


def kill_at_first_pod_change(s, op, apply):
    """Applies something and SIGKILLs `op` at the first pod event it causes (mid-apply); returns
    the time of the kill."""
    watch = PodWatch(s.ns).start(ignore=pod_lines(s.state()))
    try:
        t0 = time.time()
        apply()
        expect(watch.changed.wait(timeout=60), "the operator changed no pod within 60s")
        op.kill()
        killed = time.time()
        print(f"SIGKILLed {op.name} {killed - t0:.2f}s after the change, at pod event {watch.lines[-1]!r}")
    finally:
        watch.stop()
    return killed


def orphan_problems(st):
    """Pods that no job accounts for: no controller owner among the jobs, an index at or above the
    owner's currentSize, or two active pods for one index."""
    problems, seen = [], set()
    uids = {j["metadata"]["uid"]: name for name, j in st.jobs.items()}
    for pod in st.pods:
        if not is_active(pod):
            continue
        md = pod["metadata"]
        owner = [o for o in md.get("ownerReferences", []) if o.get("controller")]
        job = uids.get(owner[0]["uid"]) if owner else None
        if job is None:
            problems.append(f"{md['name']}: no owning TrainingJob")
            continue
        if md.get("labels", {}).get("breezeml.ai/role") != "worker":
            continue
        key = (job, index_of(pod))
        if key in seen:
            problems.append(f"{md['name']}: duplicate worker index {key}")
        seen.add(key)
        if index_of(pod) is None or index_of(pod) >= (st.size(job) or 0):
            problems.append(f"{md['name']}: index {index_of(pod)} >= {job}'s currentSize {st.size(job)}")
    return problems


# ---------------------------------------------------------------- (g) SIGKILL mid-scale, restart
def scenario_restart():
    with Scenario("restart") as s:
        first = s.start_operator("first")
        killed = kill_at_first_pod_change(
            s, first, lambda: s.apply(training_job("grow", s.ns, min_size=1, max_size=4))
        )
        time.sleep(1)
        before = s.state()
        kept = {p["metadata"]["name"]: p["metadata"]["uid"] for p in before.workers("grow")}
        status_before = before.status("grow")
        print(f"at the kill: {before.summary()}, status {status_before}")

        s.start_operator("second")
        st = s.wait(
            "grow converged to 4 workers after the restart",
            lambda st: st.settled("grow", "Running", 4) and not orphan_problems(st) and st,
            timeout=60,
        )
        recovery = time.time() - killed
        now = {p["metadata"]["name"]: p["metadata"]["uid"] for p in st.workers("grow")}
        lost = {n: u for n, u in kept.items() if now.get(n) != u}
        s.check(
            not lost,
            f"pods created before the kill were replaced instead of adopted: {lost} "
            f"(job status at the kill: stage {status_before.get('stage')}, "
            f"currentSize {status_before.get('currentSize')})",
        )
        s.check(
            not status_before.get("submitTime")
            or st.status("grow").get("submitTime") == status_before.get("submitTime"),
            f"status.submitTime changed across the restart: {status_before.get('submitTime')} -> "
            f"{st.status('grow').get('submitTime')}",
        )
        expect(st.status("grow").get("submitTime"), "submitTime lost")
        scaled = event_messages(s.ns, "grow", "Scaled")
        s.check(
            not scaled, f"the restarted operator resized grow instead of completing its admission: {scaled}"
        )
        print(
            f"ok restart after a kill during admission: 4 workers, {len(kept) - len(lost)} of {len(kept)} "
            "pods there at the kill adopted"
        )

        # Mid-scale: a higher-priority job makes grow shrink 4 -> 2; the kill lands during that.
        second = s.operators[-1]
        time.sleep(6)  # past grow's rescale interval
        kill_at_first_pod_change(
            s, second, lambda: s.apply(training_job("urgent", s.ns, min_size=2, max_size=2, priority=5))
        )
        time.sleep(1)
        print(f"at the kill: {s.state().summary()}")
        s.start_operator("third")
        st = s.wait(
            "grow 2 and urgent 2 after the second restart, no orphans",
            lambda st: (
                st.settled("grow", "Running", 2)
                and st.settled("urgent", "Running", 2)
                and not orphan_problems(st)
                and st
            ),
            timeout=60,
        )
        check_workers(st, "grow", inject=False)
        check_workers(st, "urgent", inject=False)
        preempted = event_messages(s.ns, "grow", "Preempted")
        s.check(
            not preempted,
            "grow (minSize 1) was preempted although shrinking it to 2 makes room for urgent "
            f"(rule 3: shrink first, preempt only if that is not enough): {preempted}",
        )
        converged = {p["metadata"]["name"]: p["metadata"]["uid"] for p in st.pods if is_active(p)}
        time.sleep(5)  # converged means it stays so: no more pod churn
        st2 = s.state()
        expect(not orphan_problems(st2), f"orphans 5s after converging: {orphan_problems(st2)}")
        now = {p["metadata"]["name"]: p["metadata"]["uid"] for p in st2.pods if is_active(p)}
        expect(now == converged, f"pods still churning 5s after converging: {converged} -> {now}")
        expect(
            st2.status("grow").get("submitTime")
            == status_before.get("submitTime", st2.status("grow").get("submitTime")),
            "submitTime changed",
        )
        print("ok restart mid-shrink: grow 2, urgent 2, no duplicate or orphan pod, stable")
        record(
            "restart",
            "operator SIGKILLed mid-admission, then mid-shrink, and restarted",
            recovery,
            len(lost) + sum(1 for job in ("grow", "urgent") if job not in st2.jobs),
            len([p for p in orphan_problems(st2) if "duplicate" in p]) + duplicates(st2, "grow", 4),
            f"restarted operator adopted {len(kept) - len(lost)} of {len(kept)} pods, no resize; "
            "time from the first kill to 4 workers Running (restart included)",
        )


# ---------------------------------------------------------------- (h) leader election
LEASE_ARGS = [
    "--leader-elect=true",
    "--leader-election-namespace",
    "lattice",
    "--lease-duration",
    "10s",
    "--renew-deadline",
    "8s",
    "--retry-period",
    "2s",
]
HANDOVER_LIMIT = 15


def metric(op, name):
    values = [v for n, _, v in op.metrics() if n == name]
    return values[0] if values else None


def standby_writes(op):
    """lattice_api_requests_total of writing verbs, Lease traffic aside."""
    total = 0
    for n, labels, v in parse_metrics(op.metrics_text()):
        if (
            n == "lattice_api_requests_total"
            and labels.get("verb", "").lower() in WRITE_VERBS
            and "lease" not in labels.get("resource", "")
        ):
            total += v
    return total


def scenario_leader():
    with Scenario("leader", leader_election=True) as s:
        ops = {
            ident: s.start_operator(ident, LEASE_ARGS + ["--identity", ident], wait=False)
            for ident in ("replica-a", "replica-b")
        }
        for op in ops.values():
            op.wait_ready()  # ready means synced, leader or standby
        leader_id = wait_until(
            "a Lease holder among the replicas", lambda: lease_holder() in ops and lease_holder(), timeout=40
        )
        standby_id = next(i for i in ops if i != leader_id)
        leader, standby = ops[leader_id], ops[standby_id]
        wait_until(
            "lattice_leader 1 on the leader, 0 on the standby",
            lambda: metric(leader, "lattice_leader") == 1 and metric(standby, "lattice_leader") == 0,
            timeout=15,
        )
        s.apply(training_job("before", s.ns, min_size=1, max_size=1))
        st = s.wait("before Running", lambda st: st.settled("before", "Running", 1) and st, timeout=60)
        before_uid = st.workers("before")[0]["metadata"]["uid"]
        expect(standby_writes(leader) > 0, "the leader's lattice_api_requests_total shows no writes")
        writes = standby_writes(standby)
        expect(writes == 0, f"the standby {standby_id} made {writes:.0f} write requests")
        print(f"ok {leader_id} leads, {standby_id} stands by and writes nothing")

        t0 = time.time()
        leader.kill()
        s.apply(training_job("after", s.ns, min_size=1, max_size=1))
        try:
            s.wait(
                f"{standby_id} to lead and run a job submitted at the kill",
                lambda st: lease_holder() == standby_id and st.settled("after", "Running", 1),
                timeout=HANDOVER_LIMIT + 30,
                interval=0.5,
            )
        except ScenarioError as e:
            raise ScenarioError(f"no handover: {e}") from e
        took = time.time() - t0
        expect(
            took <= HANDOVER_LIMIT,
            f"handover took {took:.1f}s, want <= {HANDOVER_LIMIT}s (lease-duration 10s, retry-period 2s)",
        )
        st = s.state()
        expect(
            st.settled("before", "Running", 1) and st.workers("before")[0]["metadata"]["uid"] == before_uid,
            "the new leader replaced the running job's pod instead of adopting it",
        )
        wait_until(
            "lattice_leader 1 on the new leader", lambda: metric(standby, "lattice_leader") == 1, timeout=10
        )
        print(f"ok handover in {took:.1f}s; running job adopted")
        record(
            "leader",
            "leader SIGKILLed (two replicas, lease 10s / renew 8s / retry 2s)",
            took,
            sum(1 for job in ("before", "after") if job not in st.jobs)
            + (st.workers("before")[0]["metadata"]["uid"] != before_uid),
            duplicates(st, "before", 1) + duplicates(st, "after", 1),
            "the standby took the Lease and ran a job applied at the kill; the running job adopted",
        )
