"""What the benchmark observes, each with its own clock (time.monotonic()): worker pods and
TrainingJobs (from watches of the bench namespace), the operator process (/proc) and its /metrics."""

import collections
import json
import os
import re
import threading
import time
import urllib.error
import urllib.request

from scale_workload import GPU, GPUS_PER_NODE, PROBE_GROUP

TERMINAL = ("Succeeded", "Failed")


def _gpus(pod):
    total = 0
    for c in pod.get("spec", {}).get("containers", []):
        value = c.get("resources", {}).get("requests", {}).get(GPU)
        total += int(value) if value else 0
    return total


class PodRecord:
    __slots__ = (
        "name",
        "job",
        "gpus",
        "node",
        "bound",
        "created",
        "running",
        "finished",
        "deleting",
        "gone",
        "active",
        "is_running",
    )

    def __init__(self, name, job, gpus, created):
        self.name, self.job, self.gpus, self.created = name, job, gpus, created
        self.node, self.running, self.finished, self.gone = None, None, None, None
        self.deleting = None  # first seen with a deletionTimestamp (or gone without one)
        self.active, self.is_running, self.bound = False, False, False


class PodTracker:
    """Pods of the bench namespace by uid (worker names repeat when a pod is recreated): when each
    was first seen, Running and finished; GPUs taken per node (pods bound or pinned to it by the
    operator, not finished: what a new job could not use); and a timeline of the GPUs held (pods
    bound by the scheduler, not finished) and Running on the general node groups."""

    def __init__(self, api_group, node_group):
        self.job_label = f"{api_group}/job-name"
        self.pin_annotation = f"{api_group}/node"
        self.node_group = node_group  # node -> group, bench nodes only
        self.lock = threading.Lock()
        self.pods = {}  # uid -> PodRecord
        self.by_job = collections.defaultdict(list)  # job name -> [uid]
        self.uid_of = {}  # name -> uid of the live pod of that name
        self.used = collections.Counter()  # node -> GPUs held
        self.active_by_job = collections.Counter()  # job -> pods not finished
        self.held_general = 0
        self.running_general = 0
        self.timeline = [(time.monotonic(), 0, 0)]  # (t, GPUs held, GPUs Running) on general nodes
        self.worker_creations = []  # t of each worker pod first seen
        self.last_event = time.monotonic()
        self.general_nodes = {n for n, g in node_group.items() if g != PROBE_GROUP}

    def _apply(self, rec, active, running, node, bound):
        if rec.job and rec.active != active:
            self.active_by_job[rec.job] += 1 if active else -1
        self._count(rec, -1)
        rec.active, rec.is_running, rec.node = active, running and active, node or rec.node
        rec.bound = rec.bound or bound
        self._count(rec, +1)

    def _count(self, rec, sign):
        if not (rec.active and rec.node):
            return
        self.used[rec.node] += sign * rec.gpus
        if rec.bound and rec.node in self.general_nodes:
            self.held_general += sign * rec.gpus
            if rec.is_running:
                self.running_general += sign * rec.gpus

    def on_event(self, kind, obj, t):
        with self.lock:
            self.last_event = t
            if kind == "SYNCED":
                return
            if kind == "RELISTED":
                for name, uid in list(self.uid_of.items()):
                    if name not in obj:
                        self._gone(self.pods[uid], t)
                self._mark(t)
                return
            meta = obj["metadata"]
            uid = meta["uid"]
            rec = self.pods.get(uid)
            if rec is None:
                job = meta.get("labels", {}).get(self.job_label)
                rec = PodRecord(meta["name"], job, _gpus(obj), t)
                self.pods[uid] = rec
                self.uid_of[rec.name] = uid
                if job:
                    self.by_job[job].append(uid)
                    self.worker_creations.append(t)
            if kind == "DELETED":
                self._gone(rec, t)
            else:
                phase = obj.get("status", {}).get("phase")
                if phase == "Running" and rec.running is None:
                    rec.running = t
                if phase in TERMINAL and rec.finished is None:
                    rec.finished = t
                if meta.get("deletionTimestamp") and rec.deleting is None:
                    rec.deleting = t
                bound = obj.get("spec", {}).get("nodeName")
                node = bound or meta.get("annotations", {}).get(self.pin_annotation)
                active = phase not in TERMINAL and not meta.get("deletionTimestamp")
                self._apply(rec, active, phase == "Running", node, bool(bound))
            self._mark(t)

    def _gone(self, rec, t):
        rec.gone = rec.gone or t
        rec.deleting = rec.deleting or t
        self._apply(rec, False, False, rec.node, False)
        if self.uid_of.get(rec.name) is not None and self.pods.get(self.uid_of[rec.name]) is rec:
            del self.uid_of[rec.name]

    def _mark(self, t):
        last = self.timeline[-1]
        if last[1] != self.held_general or last[2] != self.running_general:
            self.timeline.append((t, self.held_general, self.running_general))

    # -- reads (thread-safe)
    def job_pods(self, job):
        with self.lock:
            return [self.pods[u] for u in self.by_job.get(job, [])]

    def used_gpus(self, nodes):
        """GPUs held by pods on `nodes`."""
        with self.lock:
            return sum(self.used.get(n, 0) for n in nodes)

    def free_slots(self):
        """{group: {gpus per worker: whole workers that fit the free GPUs}} of the general groups."""
        with self.lock:
            used = dict(self.used)
        slots = collections.defaultdict(lambda: collections.Counter())
        for node in self.general_nodes:
            free = GPUS_PER_NODE - used.get(node, 0)
            for size in (1, 2, 4, 8):
                slots[self.node_group[node]][size] += max(free, 0) // size
        return slots

    def active_jobs(self):
        """Jobs with at least one pod not finished."""
        with self.lock:
            return {job for job, n in self.active_by_job.items() if n > 0}

    def general(self):
        with self.lock:
            return self.held_general, self.running_general

    def count_live(self, predicate=lambda rec: True):
        with self.lock:
            return sum(1 for r in self.pods.values() if r.gone is None and predicate(r))


class JobTracker:
    """TrainingJobs of the bench namespace: their stage (`stage_of(obj)`, by default status.stage) and
    when we saw each stage first. Subclasses see each change through `observed` and `forget`."""

    def __init__(self, stage_of=None):
        self.stage_of = stage_of or (lambda obj: obj.get("status", {}).get("stage") or "New")
        self.lock = threading.Lock()
        self.stage = {}
        self.seen = collections.defaultdict(dict)  # name -> {stage: t}
        self.last_event = time.monotonic()

    def on_event(self, kind, obj, t):
        with self.lock:
            self.last_event = t
            if kind in ("SYNCED", "RELISTED"):
                return
            name = obj["metadata"]["name"]
            if kind == "DELETED":
                self.stage[name] = "Deleted"
                self.forget(name)
                return
            stage = self.stage_of(obj)
            self.stage[name] = stage
            self.seen[name].setdefault(stage, t)
            self.observed(kind, name, obj)

    def observed(self, kind, name, obj):
        """A job added or changed (under the lock)."""

    def forget(self, name):
        """A job deleted (under the lock)."""

    def stages(self):
        with self.lock:
            return dict(self.stage)

    def count(self, stage):
        with self.lock:
            return sum(1 for s in self.stage.values() if s == stage)


def read_proc(pid):
    """(VmRSS KiB, VmHWM KiB, user+system CPU seconds) of a live process."""
    rss = hwm = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return rss, hwm, (int(fields[11]) + int(fields[12])) / ticks  # utime, stime: fields 14 and 15


class ProcessSampler(threading.Thread):
    """VmRSS, VmHWM and CPU seconds of the operator every `interval` seconds."""

    def __init__(self, pid, interval=0.5):
        super().__init__(name="proc-sampler", daemon=True)
        self.pid, self.interval = pid, interval
        self.samples = []  # (t, rss KiB, hwm KiB, cpu s)
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            try:
                self.samples.append((time.monotonic(),) + read_proc(self.pid))
            except OSError:
                return
            self.stopping.wait(self.interval)


METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
FAMILIES = (
    "lattice_api_requests_total",
    "lattice_plan_duration_seconds",
    "lattice_gpus_allocated",
    "lattice_apply_to_running_seconds",
    "lattice_apply_to_created_seconds",
    "lattice_admission_wait_seconds",
    "lattice_api_request_duration_seconds",
    "lattice_gpus_allocatable",
    "lattice_queue_length",
    "lattice_jobs",
    "lattice_admissions_total",
    "lattice_preemptions_total",
    "lattice_resizes_total",
    "lattice_requeues_total",
)


def parse_metrics(text):
    """The families the benchmark reads, as {(name, ((label, value), ...)): value}."""
    out = {}
    for line in text.splitlines():
        if not line.startswith("lattice_"):
            continue
        m = METRIC_LINE.match(line)
        if not m or not m.group(1).startswith(FAMILIES):
            continue
        labels = tuple(sorted(LABEL.findall(m.group(3) or "")))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def scrape(port, timeout=10):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=timeout) as response:
        return parse_metrics(response.read().decode())


def metric_sum(sample, name, **match):
    """Sum of a family's series whose labels include `match`."""
    total = 0.0
    for (n, labels), value in sample.items():
        if n == name and all((k, v) in labels for k, v in match.items()):
            total += value
    return total


def http_ok(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


ADMITTED_LINE = re.compile(r"^admitted after ([0-9.]+)s in the queue$")
CREATED_LINE = re.compile(r"^all [0-9]+ worker pods created ([0-9.]+)s after the decision$")


def operator_timings(log_lines, objects):
    """The operator's own figures for the jobs `objects` ("ns/name") from its JSON log: the first
    admission wait and the first decision → all workers created, in seconds, by object."""
    out = {}
    for line in log_lines:
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        obj = entry.get("object")
        if obj not in objects:
            continue
        msg = entry.get("msg", "")
        for key, pattern in (("admission_wait_s", ADMITTED_LINE), ("decision_to_created_s", CREATED_LINE)):
            m = pattern.match(msg)
            if m:
                out.setdefault(obj, {}).setdefault(key, float(m.group(1)))
    return out
