"""kubectl and helm as subprocesses, namespaces, polling with diagnostics, RFC3339 times.

Standard library only. KUBECONFIG and a PATH with the cluster's kubectl and helm come from
lattice_add_integration_test (cmake/testing.cmake).
"""

import datetime
import json
import os
import shutil
import subprocess
import time

SOURCE_DIR = os.environ.get("LATTICE_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "..")
)
BUILD_DIR = os.environ.get("LATTICE_BUILD_DIR") or os.path.join(SOURCE_DIR, "build", "asan")
GROUP = "breezeml.ai"
TJ = f"trainingjobs.{GROUP}"  # qualified: other CRDs in the cluster use the plural "trainingjobs"
GPU = "nvidia.com/gpu"
# The suite's own KWOK nodes (scripts/cluster add-nodes): 4 x 8 GPUs like kwok-gpu-0..3, but tainted
# so that only the scenarios' jobs (which select and tolerate them) land there. The cluster is shared:
# other tests' and developers' GPU pods on kwok-gpu-* must not change the scenarios' capacity.
NODE_PREFIX = "e2e-gpu"
GPU_NODES = [f"{NODE_PREFIX}-{i}" for i in range(4)]
GPUS_PER_NODE = 8
NODE_SET_LABEL = "lattice.dev/node-set"  # add-nodes sets it to the prefix
TAINT_KEY = "lattice.dev/e2e"
NS_PREFIX = "lattice-e2e-"


class ScenarioError(AssertionError):
    """A failed expectation of a scenario (printed with diagnostics by the runner)."""


def expect(cond, message):
    if not cond:
        raise ScenarioError(message)


def run(args, check=True, input=None, timeout=120, env=None):
    result = subprocess.run(args, capture_output=True, text=True, input=input, timeout=timeout, env=env)
    if check and result.returncode != 0:
        raise ScenarioError(
            f"`{' '.join(args)}` failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return result


def kubectl(*args, check=True, input=None, timeout=120):
    return run(["kubectl"] + list(args), check=check, input=input, timeout=timeout)


def kjson(*args):
    """`kubectl <args> -o json`, decoded."""
    return json.loads(kubectl(*args, "-o", "json").stdout)


def apply_object(obj):
    kubectl("apply", "-f", "-", input=json.dumps(obj))


def exists(*args):
    return kubectl("get", *args, "--ignore-not-found", "-o", "name", check=False).stdout.strip() != ""


def require_cluster():
    for tool in ("kubectl", "helm"):
        expect(
            shutil.which(tool), f"{tool} not on PATH (run through CTest, or eval \"$(scripts/cluster env)\")"
        )
    result = kubectl("get", "--raw", "/readyz", check=False)
    expect(
        result.returncode == 0 and "ok" in result.stdout,
        f"cluster unreachable (KUBECONFIG={os.environ.get('KUBECONFIG')}): {result.stderr.strip()}",
    )


# ---------------------------------------------------------------- time
def parse_time(text):
    """RFC3339 (Kubernetes' metav1.Time, optionally with fractional seconds) to an aware datetime."""
    expect(isinstance(text, str) and text, f"not a time: {text!r}")
    value = text.replace("Z", "+00:00")
    if "." in value:  # fromisoformat in 3.9/3.10 wants 3 or 6 fraction digits
        head, tail = value.split(".", 1)
        digits = "".join(c for c in tail if c.isdigit())
        value = f"{head}.{(digits + '000000')[:6]}{tail[len(digits) :]}"
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError as e:
        raise ScenarioError(f"not an RFC3339 time: {text!r} ({e})") from e


def utc_now():
    return datetime.datetime.now(datetime.UTC)


def seconds_between(a, b):
    return (b - a).total_seconds()


# ---------------------------------------------------------------- polling
def wait_until(what, probe, timeout=60, interval=1.0, diagnostics=None):
    """Calls probe() until it returns a truthy value (returned). On timeout raises with the last
    value and, if given, diagnostics() printed first (job yaml, pods, events, operator log)."""
    deadline = time.time() + timeout
    last = None
    while True:
        try:
            last = probe()
        except ScenarioError as e:  # a probe may assert on a transient state: keep its message
            last = f"probe failed: {e}"
        else:
            if last:
                return last
        if time.time() >= deadline:
            break
        time.sleep(interval)
    if diagnostics:
        diagnostics()
    raise ScenarioError(f"timed out after {timeout}s waiting for {what}; last observation: {last!r}")


def wait_crd_established(name, timeout=60):
    """Polled: `kubectl wait --for=condition=established` fails at once, without waiting, when it
    reads a new CRD before it has any condition (".status.conditions accessor error")."""
    wait_until(
        f"CRD {name} Established",
        lambda: (
            kubectl(
                "get",
                "crd",
                name,
                "--ignore-not-found",
                "-o",
                'jsonpath={.status.conditions[?(@.type=="Established")].status}',
                check=False,
            ).stdout.strip()
            == "True"
        ),
        timeout=timeout,
    )


# ---------------------------------------------------------------- namespaces
def delete_namespace(ns, wait=True, timeout=120):
    kubectl("delete", "namespace", ns, "--ignore-not-found", "--wait=false", check=False)
    if wait:
        deadline = time.time() + timeout
        while exists("namespace", ns):
            if time.time() > deadline:
                strip_finalizers(ns)
                deadline = time.time() + 30
            time.sleep(1)


def strip_finalizers(ns, group=GROUP):
    """TrainingJobs whose finalizer's owner (the operator) is gone would block the namespace."""
    out = kubectl("get", f"trainingjobs.{group}", "-n", ns, "-o", "name", check=False).stdout.split()
    for name in out:
        kubectl(
            "patch", name, "-n", ns, "--type=merge", "-p", '{"metadata":{"finalizers":null}}', check=False
        )


def make_namespace(ns):
    """A fresh namespace (a leftover of an interrupted run is deleted first), ready for pods."""
    delete_namespace(ns)
    kubectl("create", "namespace", ns)
    kubectl("label", "namespace", ns, "lattice.dev/e2e=true")
    # The controller-manager makes the default ServiceAccount (pods need it); its informers can take
    # minutes to come back after a case restarted the API server or etcd, so past 20 s the case makes
    # it itself (an existing one is all the controller would have made).
    what = f"ServiceAccount {ns}/default"

    def has_account():
        return exists("serviceaccount", "default", "-n", ns)

    try:
        wait_until(what, has_account, timeout=20)
    except ScenarioError:
        print(f"namespace {ns}: no default ServiceAccount from the controller-manager in 20 s; creating it")
        kubectl("create", "serviceaccount", "default", "-n", ns, check=False)
        wait_until(what, has_account, timeout=10)


# ---------------------------------------------------------------- cluster state
def gpu_request(pod):
    total = 0
    for c in pod["spec"].get("containers", []):
        amount = (c.get("resources", {}).get("requests") or {}).get(GPU)
        if amount is None:
            amount = (c.get("resources", {}).get("limits") or {}).get(GPU, 0)
        total += int(amount)
    return total


def is_terminal(pod):
    return pod.get("status", {}).get("phase") in ("Succeeded", "Failed")


def free_gpus_per_node(nodes=None):
    """What kube-scheduler sees on `nodes` (default: the suite's): allocatable minus requests of
    non-terminal pods bound to the node."""
    nodes = nodes or GPU_NODES
    free = {}
    for node in kjson("get", "nodes")["items"]:
        if node["metadata"]["name"] in nodes:
            free[node["metadata"]["name"]] = int(node["status"].get("allocatable", {}).get(GPU, 0))
    for pod in kjson("get", "pods", "-A")["items"]:
        node = pod["spec"].get("nodeName")
        if node in free and not is_terminal(pod):
            free[node] -= gpu_request(pod)
    return free


def pods_on_suite_nodes():
    """Non-terminal pods on the suite's nodes (earlier scenarios' pods still being deleted)."""
    return [
        f"{p['metadata']['namespace']}/{p['metadata']['name']} on {p['spec']['nodeName']}"
        for p in kjson("get", "pods", "-A")["items"]
        if p["spec"].get("nodeName") in GPU_NODES and not is_terminal(p)
    ]


def suite_nodes_problems():
    nodes = {n["metadata"]["name"]: n for n in kjson("get", "nodes")["items"]}
    problems = []
    for name in GPU_NODES:
        node = nodes.get(name)
        if not node:
            problems.append(f"{name} missing")
            continue
        alloc = int(node["status"].get("allocatable", {}).get(GPU, 0))
        ready = [c for c in node["status"].get("conditions", []) if c["type"] == "Ready"]
        taints = [t.get("key") for t in node["spec"].get("taints") or []]
        if (
            alloc != GPUS_PER_NODE
            or not ready
            or ready[0]["status"] != "True"
            or node["spec"].get("unschedulable")
            or taints != [TAINT_KEY]
        ):
            problems.append(
                f"{name}: {GPU} {alloc}, ready {ready and ready[0]['status']}, taints {taints}, "
                f"unschedulable {node['spec'].get('unschedulable')}"
            )
    extra = [n for n in nodes if n.startswith(NODE_PREFIX + "-") and n not in GPU_NODES]
    if extra:
        problems.append(f"unexpected nodes {extra}")
    return problems


def ensure_suite_nodes():
    """The suite's 4 nodes, (re)made with scripts/cluster add-nodes when missing or different."""
    if not suite_nodes_problems():
        return
    cluster = os.path.join(SOURCE_DIR, "scripts", "cluster")
    run([cluster, "delete-nodes", "--prefix", NODE_PREFIX], timeout=300)
    run(
        [
            cluster,
            "add-nodes",
            "--count",
            str(len(GPU_NODES)),
            "--prefix",
            NODE_PREFIX,
            "--gpus",
            str(GPUS_PER_NODE),
            "--taints",
            f"{TAINT_KEY}=true:NoSchedule",
        ],
        timeout=300,
    )
    problems = suite_nodes_problems()
    expect(not problems, f"scripts/cluster add-nodes did not make the suite's nodes: {problems}")


def delete_suite_nodes():
    run(
        [os.path.join(SOURCE_DIR, "scripts", "cluster"), "delete-nodes", "--prefix", NODE_PREFIX], timeout=300
    )


def require_idle_cluster(keep=None, timeout=60):
    """The scenarios size their jobs for the suite's 4 empty nodes of 8 GPUs. Deletes the namespaces
    of earlier (or interrupted) scenarios and waits until their pods have left the nodes."""
    ensure_suite_nodes()
    for n in kjson("get", "namespaces")["items"]:
        if n["metadata"]["name"].startswith(NS_PREFIX) and n["metadata"]["name"] != keep:
            delete_namespace(n["metadata"]["name"], wait=False)
    wait_until(
        "no pods on the suite's nodes",
        lambda: not pods_on_suite_nodes() or None,
        timeout=timeout,
        interval=1,
        diagnostics=lambda: print("still there:", pods_on_suite_nodes()),
    )


def placement():
    """nodeSelector and tolerations that put a pod on the suite's nodes."""
    return {
        "nodeSelector": {NODE_SET_LABEL: NODE_PREFIX},
        "tolerations": [{"key": TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"}],
    }


def events(ns):
    return kjson("get", "events", "-n", ns)["items"]


def print_section(title, text):
    print(f"----- {title}")
    print(text.rstrip())
