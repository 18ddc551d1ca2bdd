"""What the side-by-side benchmark observes of a system besides its pods (scale_observe.PodTracker): its
jobs' stages (each system's own status), and its processes: RSS and CPU from /proc, bytes exchanged
with the API server from the kernel's TCP counters."""

import collections
import re
import subprocess
import threading
import time

from scale_observe import JobTracker, read_proc


class StageTracker(JobTracker):
    """Jobs of the bench namespace by the system's own `stage_of(obj)`, and what their writes changed."""

    def __init__(self, stage_of):
        super().__init__(stage_of)
        # Every change of a job object is one write that changed it: counted per job, and by the fields
        # it changed (status.<field>, spec, metadata.<field>), to see what a job's writes are for.
        self.writes = collections.Counter()
        self.changed = collections.Counter()
        self._last = {}

    def observed(self, kind, name, obj):
        before = self._last.get(name)
        self._last[name] = obj
        if before is not None and kind == "MODIFIED":
            fields = changed_fields(before, obj)
            if fields:
                self.writes[name] += 1
                self.changed.update(fields)

    def forget(self, name):
        self._last.pop(name, None)


IGNORED = {"resourceVersion", "managedFields", "generation"}


def changed_fields(before, after):
    """What one write changed: status.<field> and metadata.<field> by name, "spec" as a whole (pure)."""
    out = []
    for section in ("metadata", "status"):
        a, b = before.get(section) or {}, after.get(section) or {}
        for key in sorted(set(a) | set(b)):
            if key in IGNORED or a.get(key) == b.get(key):
                continue
            va, vb = a.get(key), b.get(key)
            if section == "status" and isinstance(va, dict) and isinstance(vb, dict):  # e.g. execStatus
                out += [f"status.{key}.{k}" for k in sorted(set(va) | set(vb)) if va.get(k) != vb.get(k)]
            else:
                out.append(f"{section}.{key}")
    if before.get("spec") != after.get("spec"):
        out.append("spec")
    return out


_SOCKET = re.compile(r"^\S+\s+\d+\s+\d+\s+\S+:(\d+)\s+\S+\s+users:\(\(\"[^\"]*\",pid=(\d+),")
_COUNTER = re.compile(r"\b(bytes_received|bytes_acked):(\d+)")


def parse_ss(text):
    """{(pid, local port): (bytes received, bytes acked)} from `ss -tinpH` output (a socket's line, then
    its TCP info line)."""
    out, key = {}, None
    for line in text.splitlines():
        m = _SOCKET.match(line)
        if m:
            key = (int(m.group(2)), int(m.group(1)))
            continue
        if key is not None and line[:1].isspace():
            counters = dict(_COUNTER.findall(line))
            out[key] = (int(counters.get("bytes_received", 0)), int(counters.get("bytes_acked", 0)))
            key = None
    return out


class SocketBytes:
    """Bytes each process received from and sent to the API server over TCP, from the kernel's per-socket
    counters (`ss -ti`), kept per socket at their highest so a connection that closes still counts (up to
    the last look at it). The same measure for every system, whatever its HTTP client: lists, watch events
    and request answers received, requests sent."""

    def __init__(self, api_port):
        self.api_port = api_port
        self.lock = threading.Lock()
        self.seen = {}  # (pid, port) -> (received, sent)

    def update(self):
        try:
            text = subprocess.run(
                ["ss", "-tinpH", f"dport = :{self.api_port}"], capture_output=True, text=True, timeout=10
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return
        with self.lock:
            for key, (received, sent) in parse_ss(text).items():
                old = self.seen.get(key, (0, 0))
                self.seen[key] = (max(old[0], received), max(old[1], sent))

    def totals(self, pid):
        with self.lock:
            pairs = [v for (p, _), v in self.seen.items() if p == pid]
        return sum(r for r, _ in pairs), sum(s for _, s in pairs)


def process_snapshot(pids, sockets=None):
    """{name: {"rss_kib", "hwm_kib", "cpu_s", "received", "sent"}} of live processes (bytes from and to the
    API server when `sockets` is given)."""
    if sockets is not None:
        sockets.update()
    out = {}
    for name, pid in pids.items():
        try:
            rss, hwm, cpu = read_proc(pid)
        except (OSError, ValueError):
            continue
        out[name] = {"rss_kib": rss, "hwm_kib": hwm, "cpu_s": cpu}
        if sockets is not None:
            out[name]["received"], out[name]["sent"] = sockets.totals(pid)
    return out


class ProcessesSampler(threading.Thread):
    """Every `interval` s: the RSS and CPU seconds of each of a system's processes."""

    def __init__(self, pids, sockets=None, interval=0.5, socket_every=2):
        super().__init__(name="processes-sampler", daemon=True)
        self.pids, self.interval, self.sockets, self.socket_every = (
            dict(pids),
            interval,
            sockets,
            socket_every,
        )
        self.samples = []  # (t, {name: snapshot})
        self.stopping = threading.Event()

    def run(self):
        n = 0
        while not self.stopping.is_set():
            if self.sockets is not None and n % self.socket_every == 0:
                self.sockets.update()  # often enough that a closing connection loses little
            n += 1
            self.samples.append((time.monotonic(), process_snapshot(self.pids)))
            self.stopping.wait(self.interval)

    def window(self, t0, t1):
        return [(t, s) for t, s in self.samples if t0 <= t <= t1]


def usage_between(samples, t0, t1):
    """Per process and "total" (the system's processes together): peak and mean RSS (MiB) and CPU cores
    between t0 and t1, from ProcessesSampler samples."""
    inside = [(t, s) for t, s in samples if t0 <= t <= t1]
    if len(inside) < 2:
        return {}
    names = sorted({n for _, s in inside for n in s})
    out = {}
    for name in names + ["total"]:
        rss = [
            sum(v["rss_kib"] for v in s.values()) if name == "total" else s[name]["rss_kib"]
            for _, s in inside
            if name == "total" or name in s
        ]
        first, last = inside[0], inside[-1]

        def cpu(s, name=name):
            return (
                sum(v["cpu_s"] for v in s.values()) if name == "total" else s.get(name, {}).get("cpu_s", 0.0)
            )

        span = last[0] - first[0]
        out[name] = {
            "rss_peak_mib": round(max(rss) / 1024, 1),
            "rss_mean_mib": round(sum(rss) / len(rss) / 1024, 1),
            "cpu_cores": round((cpu(last[1]) - cpu(first[1])) / span, 4) if span > 0 else None,
        }
    return out
