"""Scenarios about the autoscaler's rules on a full cluster: (b) two equal-priority elastic
jobs share it, (c) a higher priority shrinks then preempts a lower one, (d) requeue after Pending
(rule 5). Every worker asks 8 GPUs, so the 4 KWOK nodes hold 4 workers in all."""

import time

from e2e_jobs import FAILURES_ANNOTATION, check_workers, expect_events, training_job
from e2e_kube import GPU_NODES, GPUS_PER_NODE, expect, gpu_request, parse_time
from e2e_operator import REQUEUE_TIMINGS
from e2e_scenario import Scenario

CAPACITY = len(GPU_NODES) * GPUS_PER_NODE


def capacity_guard(violations, pinned_ahead):
    """Called on every poll: records any node whose bound active workers ask more GPUs than it has
    (`violations`), and polls where the active workers, bound or not, ask more GPUs than exist
    (`pinned_ahead`): a newcomer's pod created before the deletes of the pods it replaces were
    answered. The write dispatcher holds creates on a node while deletes that free its GPUs are
    announced, queued or in flight, so neither may ever happen."""

    def check(st):
        per_node, total = {}, 0
        for name in st.jobs:
            for pod in st.workers(name):
                total += gpu_request(pod)
                node = pod["spec"].get("nodeName")
                if node:
                    per_node[node] = per_node.get(node, 0) + gpu_request(pod)
        over = {n: g for n, g in per_node.items() if g > GPUS_PER_NODE}
        if over:
            violations.append(f"{st.summary()} (over-committed nodes {over})")
        if total > CAPACITY:
            pinned_ahead.append(f"{st.summary()} ({total} GPUs asked by active workers)")

    return check


# ---------------------------------------------------------------- (b) sharing
def scenario_sharing():
    with Scenario("sharing") as s:
        s.start_operator()
        violations, pinned_ahead = [], []
        guard = capacity_guard(violations, pinned_ahead)

        def settled(**want):
            def pred(st):
                guard(st)
                return (
                    all(
                        st.settled(j, "Running", n) if isinstance(n, int) else st.stage(j) == n
                        for j, n in want.items()
                    )
                    and st
                )

            return pred

        s.apply(training_job("elastic-a", s.ns, min_size=1, max_size=4))
        st = s.wait("elastic-a alone: 4 workers", settled(**{"elastic-a": 4}), timeout=60)
        check_workers(st, "elastic-a", inject=False)
        time.sleep(6)  # past elastic-a's rescale interval (5s): its elastic workers may be taken
        s.apply(training_job("elastic-b", s.ns, min_size=1, max_size=4, exit_after="20s"))
        st = s.wait(
            "elastic-b admitted at minSize 1, elastic-a shrunk to 3",
            settled(**{"elastic-a": 3, "elastic-b": 1}),
            timeout=45,
        )
        check_workers(st, "elastic-a", inject=False)
        check_workers(st, "elastic-b", inject=False)
        expect_events(s.ns, "elastic-a", "Scaled", "a Scaled Event on elastic-a after its shrink")
        expect_events(s.ns, "elastic-b", "Admitted", "an Admitted Event on elastic-b")
        print("ok elastic-b arrived: elastic-a 4 -> 3, elastic-b 1")
        # elastic-b's worker exits 0 after 20s: elastic-a grows back into the freed node.
        st = s.wait(
            "elastic-b Completed, elastic-a back at 4",
            settled(**{"elastic-a": 4, "elastic-b": "Completed"}),
            timeout=60,
        )
        check_workers(st, "elastic-a", inject=False)
        expect_events(
            s.ns,
            "elastic-a",
            "Scaled",
            "two Scaled Events on elastic-a (shrink, grow)",
            lambda m: len(m) >= 2,
        )
        expect(not violations, "capacity over-committed:\n  " + "\n  ".join(violations))
        expect(
            not pinned_ahead,
            "new pods created before the deletes of the pods they replace:\n  " + "\n  ".join(pinned_ahead),
        )
        print("ok elastic-b finished: elastic-a 3 -> 4")


# ---------------------------------------------------------------- (c) priority: shrink, preempt, return
def scenario_preemption():
    with Scenario("preemption") as s:
        s.start_operator()
        violations, pinned_ahead = [], []
        guard = capacity_guard(violations, pinned_ahead)

        def when(pred):
            def wrapped(st):
                guard(st)
                return pred(st) and st

            return wrapped

        s.apply(training_job("low", s.ns, min_size=2, max_size=4, priority=0))
        s.wait("low at maxSize 4", when(lambda st: st.settled("low", "Running", 4)), timeout=60)

        s.apply(training_job("high-1", s.ns, min_size=2, max_size=2, priority=5, exit_after="30s"))
        s.wait(
            "high-1 admitted by shrinking low to its minSize 2",
            when(lambda st: st.settled("high-1", "Running", 2) and st.settled("low", "Running", 2)),
            timeout=45,
        )
        expect_events(
            s.ns, "low", "Scaled", "low's Scaled Event naming high-1", lambda m: any("high-1" in x for x in m)
        )
        print("ok high-1 shrank low 4 -> 2")

        s.apply(training_job("high-2", s.ns, min_size=2, max_size=2, priority=5, exit_after="10s"))
        st = s.wait(
            "low preempted (Waiting, no workers), high-2 Running",
            when(
                lambda st: (
                    st.stage("low") == "Waiting"
                    and not st.workers("low")
                    and st.settled("high-2", "Running", 2)
                    and st.settled("high-1", "Running", 2)
                )
            ),
            timeout=45,
        )
        expect(st.condition_true("low", "Queued"), f"low's Queued condition: {st.condition('low', 'Queued')}")
        expect_events(
            s.ns,
            "low",
            "Preempted",
            "low's Preempted Event naming high-2",
            lambda m: any("high-2" in x for x in m),
        )
        print("ok high-2 preempted low")

        # high-2 exits after 10s: low returns at minSize on the two freed nodes.
        s.wait(
            "low back at 2 once high-2 Completed",
            when(
                lambda st: (
                    st.stage("high-2") == "Completed"
                    and st.settled("low", "Running", 2)
                    and st.settled("high-1", "Running", 2)
                )
            ),
            timeout=60,
        )
        expect_events(s.ns, "low", "Admitted", "low admitted twice", lambda m: len(m) >= 2)
        print("ok low returned when high-2 finished")
        # high-1 exits 30s after it started: low grows back to maxSize.
        s.wait(
            "low at 4 once high-1 Completed",
            when(lambda st: st.stage("high-1") == "Completed" and st.settled("low", "Running", 4)),
            timeout=60,
        )
        expect(not violations, "capacity over-committed:\n  " + "\n  ".join(violations))
        expect(
            not pinned_ahead,
            "new pods created before the deletes of the pods they replace:\n  " + "\n  ".join(pinned_ahead),
        )
        print("ok low grew back to 4 when high-1 finished")


# ---------------------------------------------------------------- (d) requeue after Pending (rule 5)
REQUEUE_TIMEOUT, COOLDOWN_BASE = 8, 5  # e2e_operator.REQUEUE_TIMINGS


def scenario_requeue():
    name = "stuck"
    with Scenario("requeue") as s:
        s.start_operator(timings=REQUEUE_TIMINGS)
        # Fits for the planner (1 GPU), but kube-scheduler never binds it: its PVC does not exist.
        s.apply(training_job(name, s.ns, min_size=1, max_size=1, gpus=1, missing_pvc="does-not-exist"))
        st = s.wait(
            "stuck Running with its worker Pending and requeueTime set",
            lambda st: (
                st.stage(name) == "Running"
                and st.workers(name)
                and st.workers(name)[0]["status"].get("phase") == "Pending"
                and st.status(name).get("requeueTime")
                and st
            ),
            timeout=45,
            interval=0.5,
        )
        pod = st.workers(name)[0]
        requeue_at = parse_time(st.status(name)["requeueTime"])
        created = parse_time(pod["metadata"]["creationTimestamp"])
        delay = (requeue_at - created).total_seconds()
        expect(
            REQUEUE_TIMEOUT - 2 <= delay <= REQUEUE_TIMEOUT + 3,
            f"requeueTime {requeue_at} is {delay:.0f}s after the pod's creation, want ~{REQUEUE_TIMEOUT}s",
        )
        first_uid = pod["metadata"]["uid"]

        def requeued(failures):
            def pred(st):
                annotations = st.job(name)["metadata"].get("annotations", {})
                return (
                    st.stage(name) == "Waiting"
                    and not st.workers(name)
                    and st.status(name).get("cooldownTime")
                    and annotations.get(FAILURES_ANNOTATION) == str(failures)
                    and st
                )

            return pred

        st = s.wait(
            "stuck back in Waiting with cooldownTime (1st schedule failure)",
            requeued(1),
            timeout=REQUEUE_TIMEOUT + 20,
            interval=0.5,
        )
        status = st.status(name)
        submit, queued = parse_time(status["submitTime"]), parse_time(status["queuedTime"])
        cooldown = parse_time(status["cooldownTime"])
        expect(queued > submit, f"queuedTime {queued} not reset after the requeue (submitTime {submit})")
        gap = (cooldown - queued).total_seconds()
        expect(COOLDOWN_BASE - 2 <= gap <= COOLDOWN_BASE + 2, f"cooldown {gap:.0f}s, want ~{COOLDOWN_BASE}s")
        expect(st.condition_true(name, "Queued"), f"Queued condition {st.condition(name, 'Queued')}")
        expect_events(s.ns, name, "Requeued", "a Requeued Event")
        print(f"ok requeued after {REQUEUE_TIMEOUT}s Pending, cooldown {gap:.0f}s")

        # Retried after the cooldown (not before), Pending again, requeued with a doubled cooldown.
        st = s.wait(
            "stuck retried after its cooldown",
            lambda st: st.workers(name) and st.workers(name)[0]["metadata"]["uid"] != first_uid and st,
            timeout=COOLDOWN_BASE + 20,
            interval=0.5,
        )
        retried = parse_time(st.workers(name)[0]["metadata"]["creationTimestamp"])
        expect(
            (retried - cooldown).total_seconds() >= -1,
            f"retried at {retried}, before cooldownTime {cooldown}",
        )
        st = s.wait(
            "stuck requeued again (2nd schedule failure)",
            requeued(2),
            timeout=REQUEUE_TIMEOUT + 25,
            interval=0.5,
        )
        status = st.status(name)
        gap2 = (parse_time(status["cooldownTime"]) - parse_time(status["queuedTime"])).total_seconds()
        expect(
            2 * COOLDOWN_BASE - 2 <= gap2 <= 2 * COOLDOWN_BASE + 2,
            f"second cooldown {gap2:.0f}s, want ~{2 * COOLDOWN_BASE}s (doubling)",
        )
        expect_events(s.ns, name, "Requeued", "a Requeued Event per requeue", lambda m: len(m) >= 2)
        print(f"ok retried after the cooldown, requeued again with cooldown {gap2:.0f}s")
