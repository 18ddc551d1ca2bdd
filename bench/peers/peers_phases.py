"""One system's run: its namespace and watches, the API server ceiling, the system started, then the
three phases (burst, contention, churn) with snapshots of its processes, its API requests (per
FlowSchema, counted by the API server) and its metrics at each boundary; then everything removed."""

import concurrent.futures
import os
import threading
import time

import peers_manifests as pm
from peers_downstream import DOWNSTREAM, Paused, control_plane_pids, wave_has_ended
from peers_kube import api_server_metrics, flow_schema_counts
from peers_observe import ProcessesSampler, SocketBytes, StageTracker, process_snapshot
from scale_kube import BenchError, Watch, kubectl
from scale_observe import PodTracker, metric_sum, scrape
from scale_phases import pod_ceiling, scheduled_pod_ceiling
from scale_setup import create_namespace

TERMINAL = ("Completed", "Failed")
NODE_GROUP = "bench-peers"  # lattice.dev/node-group of the run's nodes
WAIT_GRACE_S = 5.0


class Ctx:
    """What a system needs to know about the run (shared nodes, its own namespace)."""

    def __init__(self, api, run_id, ns, node_set, nodes, node_group, out_dir):
        self.api, self.run_id, self.ns, self.node_set = api, run_id, ns, node_set
        self.nodes, self.node_group, self.out_dir = nodes, node_group, out_dir
        self.capacity = nodes * 8


class SystemRun:
    def __init__(self, ctx, system, plan):
        self.ctx, self.system, self.plan = ctx, system, plan
        self.applied, self.specs, self.apply_s = {}, {}, {}
        self.pods = self.jobs = self.sampler = None
        self.sockets = SocketBytes(ctx.api.port)
        self.watches, self.samples, self.failures = [], [], []
        # Outcomes, not errors: jobs a system did not finish within a phase's time (its figures say so).
        self.notes = []
        self.raw = {"system": system.name, "title": system.title, "phases": {}, "snapshots": {}}
        self.stopping = threading.Event()
        self.sampling = threading.Event()

    # -- plumbing
    def check(self):
        for name, proc in self.system.processes().items():
            if not proc.alive():
                raise BenchError(f"{name} exited ({proc.process.returncode}); see {proc.log_path}")

    @property
    def ns(self):
        return self.ctx.ns

    @property
    def node_set(self):
        return self.ctx.node_set

    @property
    def api(self):
        return self.ctx.api

    def apply(self, job):
        self.specs[job.name] = job
        manifest = self.system.manifest(job)
        t0 = self.applied[job.name] = time.monotonic()
        self.api.create(self.system.jobs_path, manifest)
        self.apply_s[job.name] = time.monotonic() - t0

    def apply_all(self, jobs, concurrency=4):
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(self.apply, jobs))

    def wait_done(self, names, timeout):
        """Until every job in `names` is Completed or Failed; returns those left."""
        deadline = time.monotonic() + timeout
        while True:
            stages = self.jobs.stages()
            left = [n for n in names if stages.get(n) not in TERMINAL]
            if not left or time.monotonic() > deadline:
                return left
            self.check()
            time.sleep(0.5)

    def snapshot(self, label):
        """Processes, API requests per FlowSchema, and the system's own metrics at a phase boundary."""
        pids = {n: p.pid for n, p in self.system.processes().items()}
        snap = {"t": time.monotonic(), "processes": process_snapshot(pids, self.sockets)}
        try:
            snap["flow_schemas"] = flow_schema_counts(
                api_server_metrics(self.api), list(self.system.flow_schemas().values())
            )
        except (OSError, BenchError) as e:
            self.failures.append(f"snapshot {label}: API server metrics: {e}")
        try:
            snap["metrics"] = _system_metrics(self.system)
        except OSError as e:
            self.failures.append(f"snapshot {label}: {self.system.name} metrics: {e}")
        self.raw["snapshots"][label] = snap
        return snap

    # -- setup and teardown
    def setup(self):
        c = self.ctx
        create_namespace(c.ns, c.run_id)
        self.pods = PodTracker(self.system.job_label.rsplit("/", 1)[0], c.node_group)
        self.jobs = StageTracker(self.system.stage)
        self.watches = [
            Watch(c.api, f"/api/v1/namespaces/{c.ns}/pods", self.pods.on_event, "pod-watch"),
            Watch(c.api, self.system.jobs_path, self.jobs.on_event, "job-watch"),
        ]

    def start_watches(self, watches):
        for w in watches:
            w.start()
        for w in watches:
            if not w.synced.wait(60):
                raise BenchError(f"watch {w.path} not synced after 60s: {w.error}")

    def teardown(self):
        self.stopping.set()
        if self.sampler:
            self.sampler.stopping.set()
        for w in self.watches:
            w.stop()
        kubectl(
            "delete", "namespace", self.ns, "--ignore-not-found", "--wait=true", "--timeout=180s", check=False
        )

    # -- the run
    def execute(self):
        p = self.plan
        self.setup()
        pod_watch, job_watch = self.watches
        self.start_watches([pod_watch])
        # Before the system is installed: Kueue's pod webhook would otherwise see the plain pods too.
        self.raw["ceiling"] = pod_ceiling(self, p.ceiling_pods, p.ceiling_concurrency)
        if p.scheduled_ceiling_concurrency > 0:
            self.raw["ceiling_scheduled"] = scheduled_pod_ceiling(
                self, self.pods.general_nodes, p.scheduled_ceiling_concurrency
            )
        self.system.install()
        self.start_watches([job_watch])  # its CRD exists now
        self.system.start()
        self.sampler = ProcessesSampler(
            {n: pr.pid for n, pr in self.system.processes().items()}, self.sockets
        )
        self.sampler.start()
        threading.Thread(target=self._gpu_sampler, name="gpu-sampler", daemon=True).start()
        time.sleep(p.idle_seconds)
        self.snapshot("start")
        if "burst" in p.phases:
            self.raw["phases"]["burst"] = self.burst(p.burst, p.burst_timeout)
            self.snapshot("burst_end")
        if "contention" in p.phases:
            self.raw["phases"]["contention"] = self.contention(
                p.low, p.high, p.settle_timeout, p.contention_timeout
            )
            self.snapshot("contention_end")
        if "churn" in p.phases:
            self.raw["phases"]["churn"] = self.churn(p.churn, p.churn_timeout)
            self.snapshot("churn_end")
        self.sampling.clear()
        time.sleep(p.idle_seconds)
        self.snapshot("end")

    def burst(self, jobs, timeout):
        print(f"peers: {self.system.name}: burst: {len(jobs)} jobs at once")
        self.sampling.set()
        counted, creates = threading.Event(), []
        # The cluster's processes and the system's, every 0.1 s: where the machine's CPU goes in the wave.
        control = control_plane_pids()
        own = {n: pr.pid for n, pr in self.system.processes().items()}
        cluster = ProcessesSampler({**control, **own, "bench-driver": os.getpid()}, interval=0.1)
        cluster.start()
        paused = self._downstream_to_pause(control)
        sampler = threading.Thread(target=self._count_creates, args=(counted, creates, paused), daemon=True)
        sampler.start()
        start = time.monotonic()
        try:
            if paused:
                paused.pause()
            self.apply_all(jobs)
            applied = time.monotonic()
            left = self.wait_done([j.name for j in jobs], timeout)
        finally:
            if paused:
                paused.resume()
        if left:
            self.notes.append(f"burst: {len(left)} jobs unfinished after {timeout:.0f}s: {left[:5]}")
        counted.set()
        sampler.join()
        cluster.stopping.set()
        return {"start": start, "applied": applied, "end": time.monotonic(), "unfinished": left,
                "create_samples": creates, "cluster_samples": cluster.samples, "system_processes": list(own),
                "downstream_paused_s": paused.seconds if paused else None}  # fmt: skip

    def _downstream_to_pause(self, control):
        """With --pause-downstream: the processes to SIGSTOP for the first wave, or None (noted) when
        the system does not count its creates (nothing would say when the wave ended) or a process of
        the cluster is missing."""
        if not self.plan.pause_downstream:
            return None
        missing = [n for n in DOWNSTREAM if n not in control]
        if not getattr(self.system, "pods_created", None) or missing:
            self.notes.append(f"burst: downstream not paused (no create counter, or missing: {missing})")
            return None
        return Paused({n: control[n] for n in DOWNSTREAM})

    def _count_creates(self, stop, out, paused=None, interval=0.05, limit_s=120.0, pause_limit_s=30.0):
        """The system's own count of answered pod creates every `interval` (systems that count them:
        this operator), for the creation rate measured as the ceilings are, at the creating client.
        Resumes `paused` once the first wave has ended (no create for 1 s), or after `pause_limit_s`."""
        count = getattr(self.system, "pods_created", None)
        began = time.monotonic()
        deadline = began + limit_s
        while count and not stop.is_set() and time.monotonic() < deadline:
            try:
                out.append((time.monotonic(), count()))
            except (OSError, ValueError) as e:
                self.failures.append(f"create counter: {e}")
                break
            now = time.monotonic()
            if paused and (wave_has_ended(out, now) or now - began > pause_limit_s):
                paused.resume()
            stop.wait(interval)
        if paused:
            paused.resume()

    def contention(self, low, high, settle_timeout, timeout):
        print(f"peers: {self.system.name}: contention: {len(low)} low-priority jobs, then {len(high)} high")
        start = time.monotonic()
        self.apply_all(low)
        full = None
        deadline = start + settle_timeout
        while time.monotonic() < deadline:
            self.check()
            if self.pods.general()[1] >= 0.95 * self.ctx.capacity:
                full = time.monotonic()
                break
            time.sleep(0.5)
        held_at_first = self.pods.general()[0] / self.ctx.capacity
        arrivals_start = time.monotonic()
        for job in sorted(high, key=lambda j: j.arrival_s):
            delay = arrivals_start + job.arrival_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.check()
            self.apply(job)
        left = self.wait_done([j.name for j in high], timeout)
        if left:
            self.notes.append(f"contention: {len(left)} high-priority jobs unfinished: {left[:5]}")
        end = time.monotonic()
        self.sampling.clear()
        # The low-priority jobs ran for the whole phase; remove them before the churn.
        status, answer = self.api.request(
            "DELETE", f"{self.system.jobs_path}?labelSelector={pm.PHASE_LABEL.replace('/', '%2F')}%3Dlow"
        )
        if status not in (200, 202):
            self.failures.append(f"contention: deleting the low-priority jobs answered {status}")
        low_names = {j.name for j in low}
        gone_deadline = time.monotonic() + 180
        while self.pods.count_live(lambda r: r.job in low_names) and time.monotonic() < gone_deadline:
            time.sleep(0.5)
        return {
            "start": start,
            "full": full,
            "held_at_first_arrival": held_at_first,
            "arrivals_start": arrivals_start,
            "end": end,
            "unfinished": left,
            "low_jobs": sorted(low_names),
            "cleaned": time.monotonic(),
        }

    def churn(self, jobs, timeout):
        print(
            f"peers: {self.system.name}: churn: {len(jobs)} jobs over {max((j.arrival_s for j in jobs), default=0):.0f}s"
        )
        self.snapshot("churn_start")
        start, lags = time.monotonic(), []
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = []
            for job in sorted(jobs, key=lambda j: j.arrival_s):
                self.check()
                delay = start + job.arrival_s - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                lags.append(max(0.0, -delay))
                futures.append(pool.submit(self.apply, job))
            for f in futures:
                f.result()
        arrived = time.monotonic()
        left = self.wait_done([j.name for j in jobs], timeout)
        if left:
            self.notes.append(f"churn: {len(left)} jobs unfinished: {left[:5]}")
        return {"start": start, "arrived": arrived, "end": time.monotonic(), "unfinished": left,
                "max_lag_s": max(lags, default=0.0)}  # fmt: skip

    def _gpu_sampler(self, interval=1.0):
        """While a phase with queueing runs: GPUs held by bound pods, jobs waiting (applied >= 5 s ago, no
        live pod, neither finished nor Running: a Running job without live pods is one whose workers have
        just ended, before its status says so) and, for this operator, the GPUs its plan allocates."""
        while not self.stopping.is_set():
            if self.sampling.is_set():
                try:
                    self.samples.append(self._gpu_sample())
                except (OSError, ValueError) as e:
                    self.failures.append(f"gpu sample: {e}")
            self.stopping.wait(interval)

    def _gpu_sample(self):
        now = time.monotonic()
        held, running = self.pods.general()
        active, stages = self.pods.active_jobs(), self.jobs.stages()
        waiting = waiting_jobs(now, dict(self.applied), active, stages)
        with self.pods.lock:
            created = sum(r.gpus for r in self.pods.pods.values() if r.active)
        planned = None
        if self.system.name == "lattice":
            m = scrape(self.system.operator.metrics_port)
            group = {"node_group": NODE_GROUP}
            alloc = metric_sum(m, "lattice_gpus_allocated", **group)
            total = metric_sum(m, "lattice_gpus_allocatable", **group)
            planned = alloc / total if total else None
        cap = self.ctx.capacity
        return {"t": now, "created": created / cap, "held": held / cap, "running": running / cap,
                "waiting": waiting, "planned": planned}  # fmt: skip


def waiting_jobs(now, applied, active, stages):
    """Jobs waiting at `now`: applied (name -> time) at least WAIT_GRACE_S ago, no live pod (`active`),
    neither finished nor Running (a Running job without live pods has just ended, its status not yet
    saying so)."""
    return sum(
        1
        for name, t in applied.items()
        if now - t >= WAIT_GRACE_S
        and name not in active
        and stages.get(name) not in TERMINAL + ("Deleted", "Running")
    )


def _system_metrics(system):
    """The series of the system's /metrics the report reads: this operator's request counters by verb and
    resource, and where its writes waited (for a rate-limiter token, for a gateway); the training
    operator's client request counters (controller-runtime)."""
    import urllib.request

    with urllib.request.urlopen(system.metrics_url(), timeout=10) as response:
        text = response.read().decode()
    keep = ("lattice_api_requests_total", "rest_client_requests_total", "lattice_preemptions_total",
            "lattice_resizes_total", "lattice_admissions_total", "lattice_api_request_duration_seconds_sum",
            "lattice_api_request_duration_seconds_count", "lattice_plan_duration_seconds_sum",
            "lattice_api_rate_limiter_wait_seconds_sum", "lattice_api_rate_limiter_wait_seconds_count",
            "lattice_write_queue_wait_seconds_sum", "lattice_write_queue_wait_seconds_count",
            "lattice_plan_duration_seconds_count", "rest_client_request_duration_seconds_sum",
            "rest_client_request_duration_seconds_count")  # fmt: skip
    return [line for line in text.splitlines() if line.startswith(keep)]


def out_path(out_dir, name):
    return os.path.join(out_dir, name)
