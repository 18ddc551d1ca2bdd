"""Isolation from the other users of the shared cluster: a second TrainingJob CRD (group
bench.breezeml.ai), a namespace per run, KWOK nodes of our own (prefix bench-<run>, tainted
lattice.dev/bench), and the operator as a local process managing only that group and namespace.
Everything made here is labelled lattice.dev/bench-run=<run> and removed by cleanup()."""

import calendar
import json
import os
import re
import resource
import signal
import socket
import time

from scale_kube import SOURCE_DIR, BenchError, kubectl, run, scripts_cluster
from scale_observe import http_ok
from scale_process import ManagedProcess
from scale_workload import BENCH_TAINT, NODE_GROUP_LABEL, NODE_SET_LABEL

RUN_LABEL = "lattice.dev/bench-run"
DRIVER = "lattice.dev/bench-driver"  # driver_identity()
OPERATOR_PID = "lattice.dev/bench-operator-pid"
DEFAULT_PORTS = (19080, 19081, 19082)


def crd_manifest(group):
    """The chart's TrainingJob CRD rendered for `group` (helm template, CRD document only)."""
    chart = os.path.join(SOURCE_DIR, "helm", "lattice-operator")
    text = run(["helm", "template", "bench", chart, "--set", f"group={group}"]).stdout
    docs = [d for d in text.split("\n---") if "\nkind: CustomResourceDefinition" in "\n" + d.lstrip("-\n")]
    if len(docs) != 1:
        raise BenchError(f"helm template rendered {len(docs)} CRDs, expected 1")
    # No short name: `kubectl get tj` must keep meaning the real breezeml.ai
    # TrainingJobs for everyone else on the cluster (kubectl prefers the
    # alphabetically first group, and bench.breezeml.ai sorts first).
    doc = re.sub(r"\n\s*shortNames:\n(\s*- [^\n]*\n)+", "\n", docs[0])
    if "shortNames" in doc:
        raise BenchError("could not drop the CRD's shortNames")
    return doc


def _crd_state(name):
    """None (absent), "terminating", "established" or "pending"."""
    out = kubectl("get", "crd", name, "--ignore-not-found", "-o", "json", check=False).stdout.strip()
    if not out:
        return None
    crd = json.loads(out)
    if crd["metadata"].get("deletionTimestamp"):
        return "terminating"
    conds = {c["type"]: c["status"] for c in crd.get("status", {}).get("conditions") or []}
    return "established" if conds.get("Established") == "True" else "pending"


def install_crd(group, timeout=120):
    """Applies the CRD (after an earlier run's deletion of it finished) and waits until it serves."""
    name = f"trainingjobs.{group}"
    deadline = time.time() + timeout
    while _crd_state(name) == "terminating":
        if time.time() > deadline:
            raise BenchError(f"crd/{name} still terminating after {timeout}s")
        time.sleep(1)
    kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=lattice-bench",
        "-f",
        "-",
        input=crd_manifest(group),
    )
    while _crd_state(name) != "established":
        if time.time() > deadline:
            raise BenchError(f"crd/{name} not Established after {timeout}s")
        time.sleep(0.5)


def create_namespace(ns, run_id):
    kubectl("create", "namespace", ns)
    kubectl("label", "namespace", ns, f"{RUN_LABEL}={run_id}")
    kubectl("annotate", "namespace", ns, f"{DRIVER}={driver_identity()}")
    # Pods cannot be created before the controller-manager made the default ServiceAccount.
    deadline = time.time() + 60
    while kubectl("get", "serviceaccount", "default", "-n", ns, check=False).returncode != 0:
        if time.time() > deadline:
            raise BenchError(f"no ServiceAccount default in {ns} after 60s")
        time.sleep(0.5)


def add_nodes(prefix, layout):
    """scripts/cluster add-nodes for each node group (one set: names <prefix>-0..N-1)."""
    for group in layout:
        taints = [f"{BENCH_TAINT[0]}={BENCH_TAINT[1]}:NoSchedule"]
        taints += [f"{k}={v}:NoSchedule" for k, v in group.taints]
        scripts_cluster(
            "add-nodes",
            "--count",
            str(group.count),
            "--prefix",
            prefix,
            "--gpus",
            "8",
            "--labels",
            f"{NODE_GROUP_LABEL}={group.name}",
            "--taints",
            ",".join(taints),
            "--no-wait",
        )


def wait_nodes(api, prefix, count, timeout):
    """Until `count` nodes of the set are Ready without the not-ready taint; returns name -> group."""
    deadline = time.time() + timeout
    while True:
        status, answer = api.request("GET", f"/api/v1/nodes?labelSelector={NODE_SET_LABEL}%3D{prefix}")
        nodes = answer.get("items", []) if status == 200 else []
        ready = {}
        for node in nodes:
            conds = {c["type"]: c["status"] for c in node.get("status", {}).get("conditions", [])}
            taints = {t["key"] for t in node.get("spec", {}).get("taints", [])}
            if conds.get("Ready") == "True" and "node.kubernetes.io/not-ready" not in taints:
                ready[node["metadata"]["name"]] = node["metadata"]["labels"].get(NODE_GROUP_LABEL)
        if len(ready) >= count:
            return ready
        if time.time() > deadline:
            raise BenchError(f"{len(ready)} of {count} nodes {prefix}-* Ready after {timeout}s")
        time.sleep(1)


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def pick_ports():
    """19080-19082 if free (another run may hold them), else ephemeral ones."""
    if all(port_free(p) for p in DEFAULT_PORTS):
        return DEFAULT_PORTS
    # All three stay bound until picked, so the kernel cannot hand one out twice.
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(3)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return tuple(s.getsockname()[1] for s in sockets)
    finally:
        for s in sockets:
            s.close()


def _allow_core_dump():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


class Operator(ManagedProcess):
    """lattice-operator as a local process with the admin kubeconfig, managing one group and one
    namespace; JSON log in `log_path`."""

    def __init__(self, binary, group, ns, log_path, extra_args, kubeconfig=None, ports=None):
        """kubeconfig: the identity it runs as (default: $KUBECONFIG, the cluster's admin); ports:
        (metrics, probe, debug) (default: 19080-19082 when free)."""
        if not os.access(binary, os.X_OK):
            raise BenchError(f"operator binary {binary} not found or not executable")
        self.metrics_port, self.probe_port, self.debug_port = ports or pick_ports()
        kubeconfig = (
            kubeconfig
            or os.environ.get("KUBECONFIG")
            or os.path.expanduser("~/.cache/lattice/cluster/kubeconfig")
        )
        self.args = [
            binary,
            "--kubeconfig",
            kubeconfig,
            "--api-group",
            group,
            "--namespace",
            ns,
            "--bind-address",
            "127.0.0.1",
            "--metrics-port",
            str(self.metrics_port),
            "--probe-port",
            str(self.probe_port),
            "--debug-port",
            str(self.debug_port),
            "--log-format",
            "json",
            "--log-level",
            "info",
        ] + list(extra_args)
        self.log_path, self.process = log_path, None

    def start(self, ns, timeout=120):
        # A crash leaves a core file next to the log (cwd), for `gdb binary core`.
        self.launch(self.args, self.log_path, preexec_fn=_allow_core_dump)
        kubectl("annotate", "namespace", ns, "--overwrite", f"{OPERATOR_PID}={self.process.pid}", check=False)
        ready = f"http://127.0.0.1:{self.probe_port}/readyz"
        self.wait_ready(lambda: http_ok(ready), timeout, "the operator", self.log_path, poll=0.3)
        return self


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def delete_run(ns, run_id, wait_s):
    """Deletes the namespace (its TrainingJobs and pods) and the run's nodes."""
    kubectl("delete", "namespace", ns, "--ignore-not-found", "--wait=false", check=False)
    deadline = time.time() + wait_s
    while (
        time.time() < deadline
        and kubectl("get", "namespace", ns, "--ignore-not-found", "-o", "name", check=False).stdout.strip()
    ):
        time.sleep(2)
    scripts_cluster("delete-nodes", "--prefix", f"bench-{run_id}")


def delete_crd_if_unused(group, ns):
    """Removes the bench CRD unless another run's namespace still exists (it may be running)."""
    out = kubectl(
        "get",
        "namespaces",
        "-l",
        RUN_LABEL,
        "-o",
        "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}",
        check=False,
    ).stdout.split()
    others = [n for n in out if n != ns]
    if others:
        print(f"bench: keeping crd/trainingjobs.{group}: other runs' namespaces exist: {' '.join(others)}")
        return False
    kubectl("delete", "crd", f"trainingjobs.{group}", "--ignore-not-found", "--wait=false", check=False)
    return True


def driver_identity(pid=None):
    """host/pid-namespace/pid of a driver: a pid means something only on the same host and in the
    same pid namespace (another container sharing the cluster has its own pids)."""
    try:
        pidns = os.readlink("/proc/self/ns/pid").strip("pid:[]")
    except OSError:
        pidns = "?"
    return f"{socket.gethostname()}.{pidns}.{os.getpid() if pid is None else pid}"


def cleanup_stale(group, max_age_s=6 * 3600):
    """Namespaces, nodes and operators of earlier runs whose driver is gone (killed, or a crash):
    same host and pid namespace with the driver's pid dead, or older than max_age_s (a run another
    machine or container left behind; no run takes that long)."""
    text = kubectl("get", "namespaces", "-l", RUN_LABEL, "-o", "json", check=False).stdout
    items = json.loads(text).get("items", []) if text.strip() else []
    here, now = driver_identity(pid=""), time.time()
    for item in items:
        meta = item["metadata"]
        ns, run_id = meta["name"], meta["labels"].get(RUN_LABEL, "")
        annotations = meta.get("annotations", {})
        driver, operator = annotations.get(DRIVER, ""), annotations.get(OPERATOR_PID, "")
        created = calendar.timegm(time.strptime(meta["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ"))
        local = driver.startswith(here) and driver[len(here) :].isdigit()
        if local and _alive(int(driver[len(here) :])):
            continue
        if not local and now - created < max_age_s:
            continue
        if local and operator.isdigit() and _alive(int(operator)):
            try:
                cmdline = open(f"/proc/{operator}/cmdline", "rb").read().decode(errors="replace")
            except OSError:
                cmdline = ""
            if "lattice-operator" in cmdline and group in cmdline and ns in cmdline:
                print(f"bench: stopping operator pid {operator} of the stale run {run_id}")
                os.kill(int(operator), signal.SIGKILL)
        print(f"bench: removing the stale run {run_id} (namespace {ns}, nodes bench-{run_id}-*)")
        delete_run(ns, run_id, wait_s=0)
