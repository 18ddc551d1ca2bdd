"""The local cluster's own processes, for a burst: which ones react to a created pod (kube-scheduler
binds it, kwok runs it, kube-controller-manager's garbage collector and EndpointSlice controller track
it), their CPU during the creation wave, and pausing them (SIGSTOP) for the wave, so the API server
answers the system's creates with nothing downstream, as it answers the gated ceiling's.

On this 2-core machine those processes and the API server share the cores: a system's creation rate
during a burst is then bounded by what its own pods cause downstream, not by the system. Pausing them
measures the system's own creation capacity against the gated ceiling measured the same way."""

import atexit
import os
import signal
import threading
import time

# comm names (/proc/PID/comm, at most 15 characters) of the cluster's processes.
CONTROL_PLANE = {
    "kube-apiserver": "kube-apiserver",
    "etcd": "etcd",
    "kube-scheduler": "kube-scheduler",
    "kube-controller": "kube-controller-manager",
    "kwok": "kwok",
}
# The ones that react to a pod being created; the API server and etcd must keep answering.
DOWNSTREAM = ("kube-scheduler", "kube-controller-manager", "kwok")


def match_control_plane(procs, cluster_dir):
    """{name: pid} of the local cluster's processes among `procs` ((pid, comm, cmdline) rows): a known
    comm whose command line names `cluster_dir` (the directory of the cluster's kubeconfig and
    certificates), so another cluster's processes on the machine are never touched. The lowest pid
    wins when a name repeats (pure)."""
    out = {}
    for pid, comm, cmdline in sorted(procs):
        name = CONTROL_PLANE.get(comm)
        if name and cluster_dir in cmdline and name not in out:
            out[name] = pid
    return out


def list_processes():
    """(pid, comm, cmdline) of every process this user can read."""
    rows = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as f:
                comm = f.read().strip()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        rows.append((int(entry), comm, cmdline))
    return rows


def control_plane_pids():
    """{name: pid} of the local cluster's processes (scripts/cluster: its kubeconfig's directory)."""
    kubeconfig = os.environ.get("KUBECONFIG", "")
    if not kubeconfig:
        return {}
    return match_control_plane(list_processes(), os.path.dirname(os.path.abspath(kubeconfig)))


def wave_has_ended(samples, now, gap=1.0):
    """True once a cumulative counter sampled as (t, count) rows has risen and then not moved for
    `gap` seconds up to `now`: the first creation wave is over (pure)."""
    if not samples or samples[-1][1] <= samples[0][1]:
        return False
    last_count = samples[-1][1]
    rose_at = next(t for t, c in samples if c == last_count)
    return now - rose_at >= gap


class Paused:
    """SIGSTOP the given processes until resume() (idempotent), which also runs at interpreter exit,
    so a failing run never leaves the cluster frozen."""

    def __init__(self, pids):
        self.pids = dict(pids)
        self.stopped_at = None
        self.seconds = None
        self.lock = threading.Lock()  # resumed by the create counter's thread or the run's
        atexit.register(self.resume)

    def pause(self):
        # Marked paused before the first signal: if a later one fails, resume() still continues
        # the processes already stopped.
        self.stopped_at = time.monotonic()
        for pid in self.pids.values():
            os.kill(pid, signal.SIGSTOP)

    def resume(self):
        with self.lock:
            if self.stopped_at is None:
                return
            for pid in self.pids.values():
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
            self.seconds = time.monotonic() - self.stopped_at
            self.stopped_at = None
