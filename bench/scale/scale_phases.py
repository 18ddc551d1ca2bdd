"""The benchmark's phases against a running operator: idle windows, the API server's pod-create
ceiling, filling the empty cluster, arrivals with latency probes, the GPU allocation sampler."""

import collections
import concurrent.futures
import threading
import time

from scale_kube import BenchError, Watch
from scale_observe import metric_sum, read_proc, scrape
from scale_workload import GENERAL_GROUPS, GPUS_PER_NODE, PROBE_GROUP, plain_pod, training_job

WAIT_GRACE_S = 5.0


class Bench:
    """Shared state of one run: the API client, trackers, the operator and when each job was applied."""

    def __init__(self, api, ns, group, run_id, node_set, capacity):
        self.api, self.ns, self.group, self.run_id, self.node_set = api, ns, group, run_id, node_set
        self.capacity = capacity  # GPUs of the general node groups
        self.jobs_path = f"/apis/{group}/v1/namespaces/{ns}/trainingjobs"
        self.applied = {}  # job name -> time.monotonic() just before the POST
        self.specs = {}  # job name -> JobSpec
        self.pods = self.tj = self.operator = None
        self.scraping = threading.Event()  # set while the sampler may scrape /metrics
        self.stopping = threading.Event()
        self.samples = []
        self.failures = []

    def apply(self, job):
        self.specs[job.name] = job
        manifest = training_job(job, self.ns, self.group, self.node_set, self.run_id)
        self.applied[job.name] = time.monotonic()
        self.api.create(self.jobs_path, manifest)

    def check(self):
        """Raises once the operator process has exited (the run cannot go on)."""
        if not self.operator.alive():
            code = self.operator.process.returncode
            how = f"signal {-code}" if code < 0 else f"code {code}"
            raise BenchError(f"the operator exited ({how}); see {self.operator.log_path}")

    def metrics(self):
        return scrape(self.operator.metrics_port)

    def api_requests(self):
        return metric_sum(self.metrics(), "lattice_api_requests_total")


def wait_for(what, predicate, timeout, interval=0.2, check=None):
    deadline = time.monotonic() + timeout
    while not predicate():
        if check:
            check()
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def idle_window(b, seconds, max_settle=60):
    """Operator CPU and RSS over `seconds` once it is quiet: no pod or TrainingJob event for 3 s
    and no API request of its own for 2 consecutive seconds (up to max_settle s of waiting). No
    /metrics scrape inside the window (a scrape costs the operator CPU)."""
    was_scraping = b.scraping.is_set()
    b.scraping.clear()
    # What the operator's cluster-wide watches deliver meanwhile (other users' pods and nodes too).
    seen = collections.Counter()

    def count(kind, obj, t):
        if kind in ("ADDED", "MODIFIED", "DELETED"):
            seen[(obj.get("kind") or "?", t >= window[0])] += 1

    window = [float("inf")]
    counters = [
        Watch(b.api, path, count, f"idle-{kind}", from_now=True)
        for kind, path in (("pods", "/api/v1/pods"), ("nodes", "/api/v1/nodes"))
    ]
    for w in counters:
        w.start()
        w.synced.wait(30)
    settle_start, quiet, last = time.monotonic(), 0, b.api_requests()
    while quiet < 2 and time.monotonic() - settle_start < max_settle:
        time.sleep(1)
        now, count = time.monotonic(), b.api_requests()
        events_quiet = now - max(b.pods.last_event, b.tj.last_event) > 3
        quiet = quiet + 1 if count == last and events_quiet else 0
        last = count
    t0, (_, _, cpu0), req0 = time.monotonic(), read_proc(b.operator.pid), b.api_requests()
    window[0] = t0
    time.sleep(seconds)
    t1, (rss1, hwm1, cpu1) = time.monotonic(), read_proc(b.operator.pid)
    req1 = b.api_requests()
    for w in counters:
        w.stop()
    events = {
        "pods": sum(v for (k, inside), v in seen.items() if inside and k != "Node"),
        "nodes": sum(v for (k, inside), v in seen.items() if inside and k == "Node"),
    }
    if was_scraping:
        b.scraping.set()
    return {
        "cpu_cores": (cpu1 - cpu0) / (t1 - t0),
        "rss_mib": rss1 / 1024,
        "hwm_mib": hwm1 / 1024,
        "window_s": t1 - t0,
        "api_requests": req1 - req0,
        "settle_s": t0 - settle_start,
        "settled": quiet >= 2,
        "cluster_events": events,
    }


def pod_ceiling(b, count, concurrency):
    """Creates `count` gated plain pods as fast as `concurrency` connections can; pods/s. Then
    deletes them and waits until they are gone."""
    path = f"/api/v1/namespaces/{b.ns}/pods"
    pods = [plain_pod(i, b.ns, b.node_set) for i in range(count)]
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda p: b.api.create(path, p), pods))
    elapsed = time.monotonic() - t0
    b.api.request("DELETE", f"{path}?labelSelector=lattice.dev%2Fbench-ceiling%3Dtrue")
    wait_for(
        "the ceiling pods to go",
        lambda: b.pods.count_live(lambda r: r.name.startswith("ceiling-")) == 0,
        timeout=120,
        check=b.check,
    )
    return {"pods": count, "concurrency": concurrency, "seconds": elapsed, "pods_per_s": count / elapsed}


def scheduled_pod_ceiling(b, nodes, concurrency, timeout=300):
    """The same ceiling with the work a worker pod causes downstream: one plain 2-GPU pod per two GPUs
    of `nodes`, each pinned to its node as the operator pins workers, ungated, so kube-scheduler binds
    them and kwok runs them while they are created over `concurrency` connections. The creation rate is
    taken as the burst's is (pods over the span from the first create answered to the last); also the
    seconds from the first request until bound pods hold 95% of their GPUs. Then deletes them and
    waits until they are gone."""
    path = f"/api/v1/namespaces/{b.ns}/pods"
    slots = [node for node in sorted(nodes) for _ in range(GPUS_PER_NODE // 2)]
    pods = [plain_pod(i, b.ns, b.node_set, node) for i, node in enumerate(slots)]
    gpus_before = b.pods.general()[0]
    answered, round_trips = [], []

    def create(pod):
        sent = time.monotonic()
        b.api.create(path, pod)
        answered.append(time.monotonic())  # list.append is atomic under the GIL
        round_trips.append(answered[-1] - sent)

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(create, pods))
    target = gpus_before + 0.95 * 2 * len(pods)
    held_95 = None
    try:
        wait_for(
            "95% of the ceiling pods' GPUs held",
            lambda: b.pods.general()[0] >= target,
            timeout,
            check=b.check,
        )
        held_95 = time.monotonic() - t0
    except BenchError as e:
        b.failures.append(f"scheduled ceiling: {e}")
    b.api.request("DELETE", f"{path}?labelSelector=lattice.dev%2Fbench-ceiling%3Dtrue")
    wait_for(
        "the ceiling pods to go",
        lambda: b.pods.count_live(lambda r: r.name.startswith("ceiling-")) == 0,
        timeout=180,
        check=b.check,
    )
    answered.sort()
    span = answered[-1] - answered[0] if len(answered) > 1 else 0.0
    return {
        "pods": len(pods),
        "concurrency": concurrency,
        "seconds": answered[-1] - t0 if answered else None,
        "pods_per_s": len(pods) / span if span > 0 else None,
        "round_trip_mean_s": sum(round_trips) / len(round_trips) if round_trips else None,
        "held_95_s": held_95,
    }


def fill(b, jobs, timeout, concurrency=4):
    """Applies the fill wave at once to the empty cluster and waits until pods Running hold 95% of
    the general GPUs, or the wave cannot fill it any more (no job of it waits and one has already
    completed: from then on the cluster drains), or `timeout`."""
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(b.apply, jobs))
    applied = time.monotonic() - start
    target, names = 0.95 * b.capacity, [j.name for j in jobs]

    def filled_or_draining():
        if b.pods.general()[1] >= target:
            return True
        current = b.tj.stages()
        stages = [current.get(n) for n in names]
        return "Completed" in stages and not any(s in (None, "New", "Waiting") for s in stages)

    try:
        wait_for("95% of the GPUs Running", filled_or_draining, timeout, check=b.check)
    except BenchError as e:
        b.check()
        b.failures.append(f"fill: {e}")
    return start, applied


def arrivals(b, jobs, rate, concurrency=4):
    """Applies the arrival wave at each job's arrival_s (Poisson at `rate`) after the call; records
    how far the submissions lagged behind the schedule."""
    start, lags = time.monotonic(), []
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        futures = []
        for job in sorted(jobs, key=lambda j: j.arrival_s):
            b.check()
            delay = start + job.arrival_s - time.monotonic()
            if delay > 0 and b.stopping.wait(delay):
                break
            lags.append(max(0.0, -delay))
            futures.append(pool.submit(b.apply, job))
        for f in futures:
            f.result()
    return {"start": start, "seconds": time.monotonic() - start, "max_lag_s": max(lags, default=0.0)}


def probe_one(b, job, probe_nodes, timeout=300):
    """Applies one probe job once the probe nodes are free; times apply → all pods created and
    → all Running from the pod events (our clock), then waits for it to complete. Creation is the
    operator's part: it is recorded even when the pods do not all run within `timeout` (a test
    cluster whose kube-scheduler and kwok lag); then running_s is None. A probe that does not
    run or complete in time is also a failure of the run; the next probe waits for its pods to go."""
    wait_for("the probe nodes to be free", lambda: b.pods.used_gpus(probe_nodes) == 0, timeout, check=b.check)
    held, _ = b.pods.general()
    waiting = sum(1 for s in b.tj.stages().values() if s in ("New", "Waiting"))
    b.apply(job)
    t0, n = b.applied[job.name], job.min_size

    def created():
        return len(b.pods.job_pods(job.name)) >= n

    def all_running():
        pods = b.pods.job_pods(job.name)
        return len(pods) >= n and all(p.running is not None for p in pods[:n])

    wait_for(f"the {n} pods of {job.name} created", created, timeout, interval=0.05, check=b.check)
    sample = {
        "job": job.name,
        "workers": n,
        "created_s": max(p.created for p in b.pods.job_pods(job.name)[:n]) - t0,
        "running_s": None,
        "cluster_held": held / b.capacity,
        "jobs_waiting": waiting,
    }
    try:
        wait_for(f"the {n} pods of {job.name} Running", all_running, timeout, interval=0.05, check=b.check)
    except BenchError as e:
        b.failures.append(f"probe {job.name}: {e}")
        return sample
    sample["running_s"] = max(p.running for p in b.pods.job_pods(job.name)[:n]) - t0
    try:
        wait_for(
            f"{job.name} Completed",
            lambda: b.tj.stages().get(job.name) in ("Completed", "Failed"),
            timeout,
            check=b.check,
        )
    except BenchError as e:
        b.failures.append(f"probe {job.name}: {e}")
    return sample


def probes(b, jobs, probe_nodes, results):
    for job in jobs:
        if b.stopping.is_set():
            return
        try:
            results.append(probe_one(b, job, probe_nodes))
        except BenchError as e:
            b.failures.append(f"probe {job.name}: {e}")
            return


def gpu_sample(b, general_groups=GENERAL_GROUPS):
    """One point of the GPU allocation series: the operator's planned allocation (its gauges) and
    the GPUs bound pods hold, of the general groups; the jobs waiting; whether one of them would fit
    the free GPUs now (per node, whole workers)."""
    m = b.metrics()
    allocated = sum(metric_sum(m, "lattice_gpus_allocated", node_group=g) for g in general_groups)
    allocatable = sum(metric_sum(m, "lattice_gpus_allocatable", node_group=g) for g in general_groups)
    held, running = b.pods.general()
    stages, busy, now = b.tj.stages(), b.pods.active_jobs(), time.monotonic()
    # Waiting: no pod, Waiting or not yet given a status by the operator, and applied at least
    # WAIT_GRACE_S ago (a job that arrived a moment ago had no chance to be placed yet).
    waiting = [
        b.specs[n]
        for n, s in stages.items()
        if s in ("New", "Waiting")
        and n not in busy
        and n in b.specs
        and b.specs[n].placement != PROBE_GROUP
        and now - b.applied.get(n, now) >= WAIT_GRACE_S
    ]
    slots = b.pods.free_slots()
    fit = any(sum(slots[g][j.gpus] for g in j.groups()) >= j.min_size for j in waiting)
    return {
        "t": time.monotonic(),
        "planned": allocated / allocatable if allocatable else None,
        "held": held / b.capacity,
        "running": running / b.capacity,
        "queue": metric_sum(m, "lattice_queue_length"),
        "waiting": len(waiting),
        "fit": fit,
    }


def sampler(b, interval=1.0):
    while not b.stopping.is_set():
        if b.scraping.is_set():
            try:
                b.samples.append(gpu_sample(b))
            except (OSError, ValueError) as e:
                b.failures.append(f"gpu sample: {e}")
        b.stopping.wait(interval)


def wait_all_done(b, names, timeout):
    """Until every job in `names` is Completed or Failed; returns the names still unfinished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not b.stopping.is_set():
        stages = b.tj.stages()
        left = [n for n in names if stages.get(n) not in ("Completed", "Failed")]
        if not left:
            return []
        b.check()
        time.sleep(1)
    stages = b.tj.stages()
    return [n for n in names if stages.get(n) not in ("Completed", "Failed")]
