"""Observability with the operator running several jobs: promtool on /metrics, a real Prometheus scraping
it, the probes (and /readyz before the watches sync), and the debug port's actors and autoscaler."""

import json
import os
import time

from e2e_chart import write_sa_kubeconfig
from e2e_jobs import training_job
from e2e_kube import GPU, GPU_NODES, GPUS_PER_NODE, TJ, expect, free_gpus_per_node, kjson, kubectl, wait_until
from e2e_operator import LOG_DIR, find_reason, free_port
from e2e_prometheus import Prometheus, promtool_check_metrics
from e2e_scenario import Scenario


def actor_list(answer):
    """/debug/actors: a list of actors, or an object holding it under "actors"."""
    if isinstance(answer, dict):
        answer = answer.get("actors")
    expect(isinstance(answer, list), f"/debug/actors is not a list of actors: {str(answer)[:300]}")
    for a in answer:
        expect(
            isinstance(a, dict) and "kind" in a and "name" in a and "mailbox" in a,
            f"actor entry without kind/name/mailbox: {a}",
        )
    return answer


def check_readyz_before_sync(s):
    """An operator whose API server never answers: alive (/healthz 200) but never ready."""
    closed = free_port()  # nothing listens there
    path = write_sa_kubeconfig(
        os.path.join(LOG_DIR, "observability-unreachable-kubeconfig"), server=f"https://127.0.0.1:{closed}"
    )
    op = s.start_operator("unsynced", kubeconfig=path, wait=False)
    wait_until(
        "/healthz 200 on the operator that cannot reach its API server",
        lambda: (not op.alive() and ("exited", op.process.returncode)) or op.probe("/healthz")[0] == 200,
        timeout=30,
        interval=0.3,
    )
    expect(
        op.alive(),
        f"the operator exited ({op.process.returncode}) when the API server was unreachable:\n"
        + op.log_tail(20),
    )
    answers = []
    for _ in range(10):
        answers.append(op.probe("/readyz"))
        time.sleep(0.3)
    expect(
        all(a[0] is not None and a[0] != 200 for a in answers),
        f"/readyz before the watches synced answered {sorted({a[0] for a in answers}, key=str)} (want non-200)",
    )
    print(f"ok /readyz before sync: {answers[-1][0]} {answers[-1][1].strip()[:120]!r}; /healthz 200")
    code = op.stop()
    expect(code == 0, f"the unsynced operator exited {code} on SIGTERM:\n{op.log_tail(20)}")


def scenario_observability():
    ns_jobs = {"big": (2, 8), "one": (1, 8), "half": (1, 4)}  # name: (workers, GPUs each)
    with Scenario("observability") as s:
        check_readyz_before_sync(s)
        op = s.start_operator()
        for name, (n, gpus) in ns_jobs.items():
            s.apply(training_job(name, s.ns, min_size=n, max_size=n, gpus=gpus))
        s.wait(
            "big, one, half Running",
            lambda st: all(st.settled(j, "Running", n) for j, (n, _) in ns_jobs.items()),
            timeout=60,
        )
        # 4 GPUs are left on one node: a job of 2 x 8 GPUs waits.
        s.apply(training_job("waiter", s.ns, min_size=2, max_size=2, gpus=8))
        s.wait("waiter Waiting", lambda st: st.stage("waiter") == "Waiting", timeout=30)
        waiter_seen_waiting = time.monotonic()

        for path in ("/healthz", "/readyz"):
            status, body = op.probe(path)
            expect(status == 200, f"{path} answered {status}: {body[:200]}")
        text = op.metrics_text()
        ok, output = promtool_check_metrics(text)
        expect(ok, f"promtool check metrics failed on /metrics:\n{output}")
        expect("lattice_jobs{" in text, "/metrics has no lattice_jobs series")
        print("ok probes 200, promtool check metrics passes")

        running = sum(
            1
            for j in kjson("get", TJ, "-n", s.ns)["items"]
            if (j.get("status") or {}).get("stage") == "Running"
        )
        expect(running == 3, f"{running} TrainingJobs Running in {s.ns}, want 3")
        with Prometheus("observability", [f"127.0.0.1:{op.metrics_port}"]) as prom:
            prom.wait_scraped()
            prom.wait_query('sum(lattice_jobs{stage="Running"})', running)
            prom.wait_query(f'sum(lattice_jobs{{namespace="{s.ns}",stage="Waiting"}})', 1)
            prom.wait_query("lattice_queue_length", 1)
            print(f"ok Prometheus: sum(lattice_jobs{{stage=\"Running\"}}) = {running}, queue 1")

            check_actors(s, op)
            check_waiting_reason(s, op, "waiter")
            # Free the 4-GPU node: one 8-GPU node free now, still not enough for 2 workers.
            delete_job(s, "half")
            s.wait("half gone", lambda st: "half" not in st.jobs and not st.workers("half"), timeout=30)
            check_waiting_reason(s, op, "waiter")
            wait_until(
                "half's job actor stopped",
                lambda: (
                    not [
                        a
                        for a in actor_list(op.debug("/debug/actors"))
                        if a["kind"] == "job" and a["name"] == f"{s.ns}/half"
                    ]
                ),
                timeout=15,
            )
            # Free a second node: the waiter is admitted, the queue empties.
            waited_at_least = time.monotonic() - waiter_seen_waiting
            delete_job(s, "one")
            s.wait("waiter Running", lambda st: st.settled("waiter", "Running", 2), timeout=45)
            prom.wait_query('sum(lattice_jobs{stage="Running"})', 2)
            prom.wait_query("lattice_queue_length", 0)
            print("ok after deletions: Running 2, queue 0 in Prometheus")
            check_latency_histograms(prom, waited_at_least)


def check_latency_histograms(prom, waited_at_least):
    """Each of the four jobs was admitted once and had its workers created once; the waiter's
    admission wait alone is longer than the time the test saw it Waiting."""
    prom.wait_query("lattice_admission_wait_seconds_count", 4)
    prom.wait_query("lattice_apply_to_created_seconds_count", 4)
    prom.wait_query(f"lattice_admission_wait_seconds_sum >= bool {waited_at_least:.3f}", 1)
    print(f"ok histograms: 4 admissions, 4 decisions created, admission waits >= {waited_at_least:.1f}s")


def delete_job(s, name):
    kubectl("delete", TJ, name, "-n", s.ns, "--wait=false")


def check_actors(s, op):
    def complete():
        actors = actor_list(op.debug("/debug/actors"))
        have = {(a["kind"], a["name"]) for a in actors}
        jobs = [f"{s.ns}/{j['metadata']['name']}" for j in kjson("get", TJ, "-n", s.ns)["items"]]
        gpu_nodes = [
            n["metadata"]["name"]
            for n in kjson("get", "nodes")["items"]
            if int(n["status"].get("allocatable", {}).get(GPU, 0)) > 0
        ]
        missing = [("job", j) for j in jobs if ("job", j) not in have]
        missing += [("node", n) for n in gpu_nodes if ("node", n) not in have]
        return (not missing and actors) or None

    actors = wait_until(
        "a job actor per TrainingJob and a node actor per GPU node in /debug/actors", complete, timeout=15
    )
    kinds = sorted({a["kind"] for a in actors})
    expect("autoscaler" in kinds, f"no autoscaler actor in /debug/actors (kinds {kinds})")
    one = op.debug(f"/debug/jobs/{s.ns}/big")
    expect("big" in json.dumps(one), f"/debug/jobs/{s.ns}/big does not describe the job: {str(one)[:300]}")
    node = op.debug(f"/debug/nodes/{GPU_NODES[0]}")
    expect(GPU_NODES[0] in json.dumps(node), f"/debug/nodes/{GPU_NODES[0]}: {str(node)[:300]}")
    print(f"ok /debug/actors: {len(actors)} actors, kinds {kinds}; job and node endpoints answer")


def check_waiting_reason(s, op, name):
    """The reason in /debug/autoscaler says what the cluster says: 2 x 8 GPUs needed, and how many
    such workers fit right now (whole free nodes among the suite's, the only ones the job may use)."""

    def probe():
        free = free_gpus_per_node()
        largest = sum(min(f, GPUS_PER_NODE) // GPUS_PER_NODE for f in free.values())
        reason = find_reason(op.debug("/debug/autoscaler"), s.ns, name)
        want = [
            f"needs 2 x {{nvidia.com/gpu: {GPUS_PER_NODE}}}",
            f"largest placement possible now: {largest}",
        ]
        return (reason and all(w in reason for w in want) and (reason, largest)) or None

    try:
        reason, largest = wait_until(
            f"{name}'s reason in /debug/autoscaler to match the free GPUs", probe, timeout=20
        )
    except AssertionError:
        print("/debug/autoscaler:", json.dumps(op.debug("/debug/autoscaler"))[:3000])
        print("free GPUs per node:", free_gpus_per_node())
        raise
    print(f"ok waiting reason matches the cluster (largest placement {largest}): {reason}")
