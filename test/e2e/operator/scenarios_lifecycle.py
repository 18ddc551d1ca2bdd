"""Scenarios about one job's life: (a) the spec's example to Completed, (e) backoffLimit,
(f) deletion, (i) an invalid job next to a valid one."""

import json
import os
import threading
import time

from e2e_jobs import (
    JOB_LABEL,
    NODE_ANNOTATION,
    check_times,
    check_workers,
    example_job,
    job_events,
    pod_incarnations,
    training_job,
)
from e2e_kube import SOURCE_DIR, TJ, expect, kjson, kubectl, parse_time, wait_until
from e2e_scenario import Scenario

EXAMPLE = os.path.join(SOURCE_DIR, "examples", "lattice-simple1.yaml")


def wait_events(s, job, reasons, timeout=20):
    """Until the job has an Event of each reason; returns {reason: [events]}."""

    def probe():
        found = {}
        for e in job_events(s.ns, job):
            found.setdefault(e.get("reason"), []).append(e)
        return found if all(r in found for r in reasons) else None

    return wait_until(f"Events {reasons} on TrainingJob {job}", probe, timeout=timeout)


def worker_counts(st, name):
    return ((st.status(name).get("execStatus") or {}).get("replicaStatuses") or {}).get("Worker") or {}


# ---------------------------------------------------------------- (a) the spec's example
def example_running(st, name):
    """Raises what is not (yet) right about the running example; the state when all is."""
    expect(st.settled(name, "Running", 4), f"not Running with 4 Running workers: {st.summary()}")
    status = st.status(name)
    expect(2 <= status["currentSize"] <= 4, f"currentSize {status['currentSize']} outside 2..4")
    submit, _, _ = check_times(status, "submitTime", "queuedTime", "lastExecTime")
    created = parse_time(st.job(name)["metadata"]["creationTimestamp"])
    expect(abs((submit - created).total_seconds()) <= 5, f"submitTime {submit} far from creation {created}")
    expect(not status.get("cooldownTime"), f"cooldownTime set without a schedule failure: {status}")
    for cond in ("Created", "Running"):
        expect(st.condition_true(name, cond), f"condition {cond}: {st.condition(name, cond)}")
    expect(worker_counts(st, name).get("active") == 4, f"replicaStatuses.Worker {worker_counts(st, name)}")
    expect((st.status(name).get("execStatus") or {}).get("startTime"), "execStatus.startTime not set")
    return st


def example_completed(st, name):
    expect(st.stage(name) == "Completed", f"stage {st.stage(name)}")
    status = st.status(name)
    check_times(status, "submitTime", "queuedTime", "lastExecTime", "completionTime")
    expect(isinstance(status.get("currentSize"), int), f"currentSize not set: {status}")
    expect(not status.get("cooldownTime"), f"cooldownTime set without a schedule failure: {status}")
    ex = status.get("execStatus") or {}
    check_times(ex, "startTime", "completionTime")
    expect(st.condition_true(name, "Succeeded"), f"Succeeded condition not True: {ex.get('conditions')}")
    for other in ("Running", "Failed", "Queued", "Restarting"):
        expect(
            not st.condition_true(name, other), f"{other} still True after completion: {ex.get('conditions')}"
        )
    return st


def scenario_example():
    name = "lattice-simple1"
    with Scenario("example") as s:
        s.start_operator()
        s.apply(example_job(EXAMPLE, s.ns, exit_after="25s"))
        # An empty cluster of 32 GPUs: admitted (rule 2) and grown to maxSize 4 in the same plan.
        s.wait(
            f"{name} Running with 4 Running workers", lambda st: st.settled(name, "Running", 4), timeout=60
        )
        st = s.wait(f"{name}'s status while running", lambda st: example_running(st, name), timeout=15)
        check_workers(st, name, inject=True)
        print("ok example running with 4 workers, status set, pods follow the contract")

        # Every worker exits 0 after 25s: Completed, every status field set, cleanPodPolicy All.
        s.wait(f"{name} Completed", lambda st: st.stage(name) in ("Completed", "Failed"), timeout=90)
        st = s.wait(f"{name}'s status once Completed", lambda st: example_completed(st, name), timeout=15)
        workers = worker_counts(st, name)
        s.check(
            workers.get("succeeded") == 4 and not workers.get("active") and not workers.get("failed"),
            f"replicaStatuses.Worker of the Completed job is {workers}, want succeeded 4, active 0, failed 0",
        )
        found = wait_events(s, name, ["Admitted", "Completed"])
        for reason in ("Admitted", "Completed"):
            expect(
                all(e.get("type") == "Normal" for e in found[reason]), f"{reason} Event type: {found[reason]}"
            )
            expect(all(e.get("message") for e in found[reason]), f"{reason} Event without a message")
        expect(
            "workers" in found["Admitted"][0]["message"],
            f"Admitted message: {found['Admitted'][0]['message']}",
        )
        s.wait(
            "cleanPodPolicy All: every pod of the job deleted",
            lambda st: not [p for p in st.pods if p["metadata"].get("labels", {}).get(JOB_LABEL) == name],
            timeout=30,
        )
        print("ok example Completed; status fields, conditions, Events, cleanPodPolicy All")


def scenario_bound():
    """--bind-pods-at-create: the example's workers are created bound to the node the autoscaler chose
    (spec.nodeName, no kube-scheduler binding), keep the required node affinity, run on KWOK, and the
    job completes as without the flag."""
    name = "lattice-simple1"
    with Scenario("bound") as s:
        s.start_operator(extra_args=["--bind-pods-at-create=true"])
        s.apply(example_job(EXAMPLE, s.ns, exit_after="15s"))
        st = s.wait(
            f"{name} Running with 4 Running workers",
            lambda st: st if st.settled(name, "Running", 4) else None,
            timeout=60,
        )
        check_workers(st, name, inject=True)  # the contract, the required node affinity included
        for pod in st.workers(name):
            pinned = pod["metadata"].get("annotations", {}).get(NODE_ANNOTATION)
            expect(
                pinned and pod["spec"].get("nodeName") == pinned,
                f"{pod['metadata']['name']}: not on {pinned}",
            )
        workers = {p["metadata"]["name"] for p in st.workers(name)}
        scheduled = [
            e["involvedObject"]["name"]
            for e in kjson("get", "events", "-n", s.ns)["items"]
            if e.get("reason") == "Scheduled" and e["involvedObject"].get("name") in workers
        ]
        s.check(not scheduled, f"kube-scheduler bound pods the operator created bound: {scheduled}")
        print("ok bound: 4 workers created on their planned nodes, none bound by kube-scheduler")
        s.wait(f"{name} Completed", lambda st: st.stage(name) in ("Completed", "Failed"), timeout=90)
        s.wait(f"{name}'s status once Completed", lambda st: example_completed(st, name), timeout=15)
        print("ok bound: Completed as without the flag")


# ---------------------------------------------------------------- status for generic tools
MIRRORED = ("type", "status", "reason", "message", "lastTransitionTime", "observedGeneration")


def mirror_problems(status):
    """What differs between .status.conditions and the job-level conditions of
    .status.execStatus.conditions (kubectl wait and health checks read the first)."""
    spec_place = [
        {k: c.get(k) for k in MIRRORED} for c in (status.get("execStatus") or {}).get("conditions") or []
    ]
    standard = [{k: c.get(k) for k in MIRRORED} for c in status.get("conditions") or []]
    for c in spec_place:
        c["message"] = c["message"] or ""  # metav1.Condition always has one
    # Succeeded is written again as Completed (the final stage's name) at .status.conditions only.
    completed = [c for c in standard if c["type"] == "Completed"]
    standard = [c for c in standard if c["type"] != "Completed"]
    succeeded = [dict(c, type="Completed") for c in standard if c["type"] == "Succeeded"]
    problems = (
        [] if spec_place and standard == spec_place else [f"conditions {standard} != execStatus {spec_place}"]
    )
    if completed != succeeded:
        problems.append(f"Completed {completed} does not repeat Succeeded {succeeded}")
    return problems


def wide_rows(ns):
    """`kubectl get tj -o wide` as {name: {column: text}}, cut at the header's column starts (an
    empty cell is blank, not a word)."""
    lines = kubectl("get", TJ, "-n", ns, "-o", "wide").stdout.splitlines()
    header = lines[0]
    starts = [i for i, ch in enumerate(header) if ch != " " and (i == 0 or header[i - 1] == " ")]
    names = header.split()
    rows = {}
    for line in lines[1:]:
        cells = [line[a:b].strip() for a, b in zip(starts, starts[1:] + [None], strict=True)]
        rows[cells[0]] = dict(zip(names, cells, strict=True))
    return rows


def kubectl_wait(s, name, condition, timeout):
    result = kubectl(
        "wait",
        f"{TJ}/{name}",
        "-n",
        s.ns,
        f"--for=condition={condition}",
        f"--timeout={timeout}s",
        check=False,
    )
    expect(
        result.returncode == 0, f"kubectl wait {name} --for=condition={condition}: {result.stderr.strip()}"
    )


def scenario_status():
    """kubectl wait on the mirrored conditions, and `kubectl get tj -o wide` of a waiting job."""
    with Scenario("status") as s:
        s.start_operator()
        # 32 GPUs: big takes them all for 20s; first and second (16 GPUs each) wait behind it.
        s.apply(training_job("big", s.ns, min_size=4, max_size=4, exit_after="20s"))
        kubectl_wait(s, "big", "Running", 60)
        # One after the other: a position that moves is written within the message delay (5 min),
        # one that appears at once.
        s.apply(training_job("first", s.ns, min_size=2, max_size=2, exit_after="5s"))
        s.wait("first at queue position 1", lambda st: st.status("first").get("queuePosition") == 1, 30)
        s.apply(training_job("second", s.ns, min_size=2, max_size=2, exit_after="5s", exit_code=1))

        def waiting_shown(_):
            rows = wide_rows(s.ns)
            want = {
                "big": {"STAGE": "Running", "GPUS": "32", "WANTED": "32", "POSITION": ""},
                "first": {
                    "STAGE": "Waiting",
                    "REASON": "InsufficientResources",
                    "GPUS": "0",
                    "WANTED": "16",
                    "POSITION": "1",
                },
                "second": {
                    "STAGE": "Waiting",
                    "REASON": "InsufficientResources",
                    "GPUS": "0",
                    "WANTED": "16",
                    "POSITION": "2",
                },
            }
            got = {n: {k: rows.get(n, {}).get(k) for k in w} for n, w in want.items()}
            return rows if got == want else None

        rows = s.wait(
            "kubectl get tj -o wide: reason, GPUs and positions of the waiting jobs", waiting_shown, 30
        )
        print("ok kubectl get tj -o wide:", rows)
        # The short name is the chart's alone: no test leaves another CRD claiming `tj` behind.
        short = kubectl("get", "tj", "-n", s.ns, check=False)
        expect(
            short.returncode == 0 and not short.stderr.strip() and "second" in short.stdout,
            f"kubectl get tj: {short.stderr.strip()}",
        )
        st = s.state()
        message = st.status("first").get("message") or ""
        expect("largest placement possible now: 0" in message, f"first's message: {message!r}")
        for name in ("big", "first", "second"):
            expect(not mirror_problems(st.status(name)), f"{name}: {mirror_problems(st.status(name))}")

        # big's workers exit 0 after 20s; first then runs and succeeds, second runs and fails.
        kubectl_wait(s, "big", "Succeeded", 90)
        kubectl_wait(s, "big", "Completed", 10)
        kubectl_wait(s, "first", "Running", 60)
        kubectl_wait(s, "second", "Failed", 60)
        kubectl_wait(s, "first", "Succeeded", 60)
        st = s.state()
        for name in ("big", "first", "second"):
            status = st.status(name)
            expect(not mirror_problems(status), f"{name}: {mirror_problems(status)}")
            expect("queuePosition" not in status, f"{name} finished with a queue position: {status}")
            expect(status.get("gpus", {}).get("held") == 0, f"{name} finished holding GPUs: {status}")
        expect(st.status("big").get("reason") == "AllWorkersSucceeded", f"big: {st.status('big')}")
        expect(st.status("second").get("reason") == "WorkerFailed", f"second: {st.status('second')}")
        print("ok kubectl wait Running, Succeeded and Failed; .status.conditions mirrors execStatus")


# ---------------------------------------------------------------- (e) backoffLimit
def scenario_backoff():
    name, limit = "crashy", 2
    pod = f"{name}-worker-0"
    with Scenario("backoff") as s:
        s.start_operator()
        seen, stop = set(), threading.Event()

        def poll_uids():  # pods live ~2s: poll faster than kubectl's events may show them
            while not stop.is_set():
                out = kubectl(
                    "get",
                    "pod",
                    pod,
                    "-n",
                    s.ns,
                    "--ignore-not-found",
                    "-o",
                    "jsonpath={.metadata.uid}",
                    check=False,
                ).stdout.strip()
                if out:
                    seen.add(out)
                time.sleep(0.3)

        poller = threading.Thread(target=poll_uids, daemon=True)
        poller.start()
        try:
            s.apply(
                training_job(
                    name,
                    s.ns,
                    min_size=1,
                    max_size=1,
                    exit_after="2s",
                    exit_code=3,
                    backoff_limit=limit,
                    clean_pod_policy="None",
                )
            )
            s.wait(f"{name} Failed", lambda st: st.stage(name) == "Failed", timeout=120)
            time.sleep(6)  # a Failed job must not start more workers
        finally:
            stop.set()
            poller.join()

        def failed_ok(st):
            expect(st.stage(name) == "Failed", f"stage {st.stage(name)}")
            cond = st.condition(name, "Failed")
            expect(
                cond and cond.get("status") == "True" and cond.get("reason") == "BackoffLimitExceeded",
                f"Failed condition {cond}, want True with reason BackoffLimitExceeded",
            )
            check_times(st.status(name), "submitTime", "lastExecTime", "completionTime")
            return st

        st = s.wait(f"{name}'s status once Failed", failed_ok, timeout=15)
        workers = worker_counts(st, name)
        s.check(
            workers.get("failed", 0) >= 1 and not workers.get("active"),
            f"replicaStatuses.Worker of the Failed job is {workers}, want failed >= 1, active 0",
        )
        runs = seen | pod_incarnations(s.ns, pod)
        expect(
            len(runs) == limit + 1,
            f"{pod} ran {len(runs)} times, want {limit + 1} (first run + backoffLimit {limit} retries): {runs}",
        )
        failed = wait_events(s, name, ["Failed"])["Failed"]
        expect(
            any(
                e.get("type") == "Warning" and "BackoffLimitExceeded" in e.get("message", "") for e in failed
            ),
            f"Failed Event (Warning, naming BackoffLimitExceeded): {failed}",
        )
        last = kjson("get", "pod", pod, "-n", s.ns)  # cleanPodPolicy None keeps it
        expect(last["status"]["phase"] == "Failed", f"last worker phase {last['status']['phase']}")
        code = last["status"]["containerStatuses"][0]["state"].get("terminated", {}).get("exitCode")
        expect(code == 3, f"last worker exit code {code}")
        print(
            f"ok worker exiting 3 ran {len(runs)} times, job Failed (BackoffLimitExceeded), pod kept (None)"
        )


# ---------------------------------------------------------------- (f) deleting a job
def scenario_delete():
    with Scenario("delete") as s:
        s.start_operator()
        s.apply(training_job("whole", s.ns, min_size=4, max_size=4))
        s.wait("whole Running on all 4 nodes", lambda st: st.settled("whole", "Running", 4), timeout=60)
        s.apply(training_job("next", s.ns, min_size=2, max_size=2))
        s.wait(
            "next Waiting (no room)",
            lambda st: st.stage("next") == "Waiting" and not st.workers("next"),
            timeout=30,
        )
        expect(
            kubectl(
                "get", "service", "whole-workers", "-n", s.ns, "--ignore-not-found", "-o", "name"
            ).stdout.strip(),
            "no headless Service whole-workers",
        )
        kubectl("delete", TJ, "whole", "-n", s.ns, "--wait=false")
        s.wait(
            "whole's pods and Service gone, the job itself gone",
            lambda st: (
                "whole" not in st.jobs
                and not [
                    p
                    for p in st.pods
                    if p["metadata"].get("labels", {}).get("breezeml.ai/job-name") == "whole"
                ]
                and not kubectl(
                    "get", "service", "whole-workers", "-n", s.ns, "--ignore-not-found", "-o", "name"
                ).stdout.strip()
            ),
            timeout=45,
        )
        s.wait("next admitted on the freed nodes", lambda st: st.settled("next", "Running", 2), timeout=45)
        print("ok deleting a job removed its pods and Service and freed its GPUs for the queue")


# ---------------------------------------------------------------- (i) invalid next to valid
def scenario_invalid():
    """What the operator cannot honour never reaches it: the CRD refuses it with the API server's own
    message naming the field (the operator's own checks, for a CRD without these rules, are covered by
    the job actor's tests), and the jobs beside it run."""
    with Scenario("invalid") as s:
        op = s.start_operator()
        priority_too_big = training_job("big-priority", s.ns)
        priority_too_big["spec"]["priority"] = 3000000000
        refused = [
            (training_job("no-command", s.ns, inject=True, command=False), "command"),
            (training_job("inverted", s.ns, min_size=3, max_size=2), "minSize"),
            (training_job("negative-backoff", s.ns, backoff_limit=-1), "backoffLimit"),
            (priority_too_big, "priority"),
        ]
        for obj, field in refused:
            name = obj["metadata"]["name"]
            result = kubectl("apply", "-f", "-", input=json.dumps(obj), check=False)
            expect(result.returncode != 0, f"the API server accepted {name}")
            expect(
                field in result.stderr and "is invalid" in result.stderr,
                f"{name}: the refusal does not name {field}: {result.stderr.strip()}",
            )
        s.apply(training_job("fine", s.ns, min_size=1, max_size=1))
        s.wait("fine Running", lambda st: st.settled("fine", "Running", 1), timeout=60)
        names = [n.split("/")[-1] for n in kubectl("get", TJ, "-n", s.ns, "-o", "name").stdout.split()]
        expect(names == ["fine"], f"refused jobs exist: {names}")
        expect(op.alive(), "the operator exited")
        print("ok invalid jobs refused by the API server with the field named; the valid job ran")
