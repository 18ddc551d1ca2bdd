"""Helpers of the real node's scenario tests (standard library only): kubectl
and helm as subprocesses, polling with deadlines, the chart's install with
the locally built image, and the figures the scenarios record.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

SOURCE_DIR = os.environ.get(
    "LATTICE_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
)
CHART = os.path.join(SOURCE_DIR, "helm", "lattice-operator")
CLUSTER_DIR = os.environ.get("LATTICE_CLUSTER_DIR") or os.path.expanduser("~/.cache/lattice/cluster")
REAL_NODE = "real-0"
NAMESPACE = "lattice"
RELEASE = "operator"
PLACEMENT = {
    "nodeSelector": {"lattice.dev/real": "true"},
    "tolerations": [
        {"key": "lattice.dev/real", "operator": "Equal", "value": "true", "effect": "NoSchedule"}
    ],
}


class Failure(Exception):
    pass


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Failure(what)
    log(f"ok: {what}")


def run(args: list[str], check: bool = True, input_text: str | None = None, timeout: float = 300) -> str:
    result = subprocess.run(args, input=input_text, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise Failure(
            f"{' '.join(args)} exited {result.returncode}: {result.stderr.strip() or result.stdout.strip()}"
        )
    return result.stdout


def kubectl(*args: str, check: bool = True, input_text: str | None = None, timeout: float = 120) -> str:
    return run(["kubectl", *args], check=check, input_text=input_text, timeout=timeout)


def kubectl_json(*args: str) -> dict:
    return json.loads(kubectl(*args, "-o", "json"))


def apply(objects: list[dict]) -> None:
    kubectl("apply", "-f", "-", input_text=json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))


def wait_for(what: str, condition: Callable[[], object], timeout: float, interval: float = 0.2):
    """Polls until condition() returns a truthy value, which is returned."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except (Failure, OSError, subprocess.TimeoutExpired, json.JSONDecodeError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def pods(namespace: str, selector: str) -> list[dict]:
    return kubectl_json("get", "pods", "-n", namespace, "-l", selector)["items"]


def is_ready(pod: dict) -> bool:
    if pod["metadata"].get("deletionTimestamp"):
        return False
    for condition in pod.get("status", {}).get("conditions", []):
        if condition["type"] == "Ready":
            return condition["status"] == "True"
    return False


OPERATOR_SELECTOR = "app.kubernetes.io/name=lattice-operator,app.kubernetes.io/component!=chart-test"


def operator_pods() -> list[dict]:
    return [p for p in pods(NAMESPACE, OPERATOR_SELECTOR) if not p["metadata"].get("deletionTimestamp")]


def helm_values(image: str, replicas: int = 1, extra_args: list[str] | None = None) -> list[str]:
    """The spec's install command plus the local image, the real node's
    placement, JSON logs and the given replica count."""
    values = [
        "--set", f"image={image}",
        "--set", "imagePullPolicy=IfNotPresent",
        "--set", "logFormat=json",
        "--set", f"replicaCount={replicas}",
        "--set-json", f"nodeSelector={json.dumps(PLACEMENT['nodeSelector'])}",
        "--set-json", f"tolerations={json.dumps(PLACEMENT['tolerations'])}",
    ]  # fmt: skip
    if extra_args:
        values += ["--set-json", f"extraArgs={json.dumps(extra_args)}"]
    return values


def helm_install(image: str, replicas: int = 1, extra_args: list[str] | None = None) -> float:
    """`helm upgrade --install` of the chart (the spec's command when it is
    not installed yet); returns the time it was issued."""
    started = time.time()
    run(
        ["helm", "upgrade", "--install", RELEASE, CHART, "--namespace", NAMESPACE, "--create-namespace"]
        + helm_values(image, replicas, extra_args),
        timeout=300,
    )
    return started


def helm_uninstall() -> None:
    if RELEASE in run(["helm", "list", "-n", NAMESPACE, "-q"], check=False).split():
        run(["helm", "uninstall", RELEASE, "-n", NAMESPACE, "--wait", "--timeout", "120s"], check=False)
    wait_for("the operator pods to go", lambda: not pods(NAMESPACE, OPERATOR_SELECTOR), 120)


def wait_operator_ready(count: int, timeout: float = 180) -> list[dict]:
    """The Deployment's rollout done and COUNT operator pods Ready."""
    kubectl(
        "rollout",
        "status",
        "deployment/lattice-operator",
        "-n",
        NAMESPACE,
        f"--timeout={int(timeout)}s",
        timeout=timeout + 10,
    )

    def ready():
        found = [p for p in operator_pods() if is_ready(p)]
        return found if len(found) == count else None

    return wait_for(f"{count} Ready operator pod(s)", ready, timeout)


def lease_holder(name: str = "lattice-operator") -> str:
    lease = kubectl_json("get", "lease", "-n", NAMESPACE, name)
    return lease["spec"].get("holderIdentity", "")


def container_pid(pod: dict, container: str) -> int:
    """The host pid of a container's main process (the real node runs on this host)."""
    statuses = {s["name"]: s for s in pod["status"].get("containerStatuses", [])}
    container_id = statuses[container]["containerID"].split("://", 1)[1]
    sock = os.path.join(CLUSTER_DIR, "realnode", "containerd", "containerd.sock")
    out = run(["ctr", "--address", sock, "-n", "k8s.io", "tasks", "ls"])
    for line in out.splitlines()[1:]:
        fields = line.split()
        if fields and fields[0] == container_id:
            return int(fields[1])
    raise Failure(f"no task for container {container_id} of {pod['metadata']['name']}")


def process_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise Failure(f"no VmRSS for pid {pid}")


def process_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def training_job(name: str, namespace: str, size: tuple[int, int], template: dict, **spec) -> dict:
    """A TrainingJob of minSize..maxSize `size` whose pods cleanPodPolicy All removes; `spec` adds
    or replaces spec fields (priority, injectLattice, runPolicy, ...)."""
    return {
        "apiVersion": "breezeml.ai/v1",
        "kind": "TrainingJob",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "minSize": size[0],
            "maxSize": size[1],
            "runPolicy": {"cleanPodPolicy": "All"},
            "replicaSpecs": {"template": template},
            **spec,
        },
    }


def injected_pytorch(backoff_limit: int = 3) -> dict:
    """The spec fields of an elastic PyTorch job run under the Lattice agent."""
    return {
        "priority": 0,
        "injectLattice": True,
        "framework": "pytorch",
        "runPolicy": {"cleanPodPolicy": "All", "backoffLimit": backoff_limit},
    }


def read_jsonl(path: str) -> list[dict]:
    """The JSON lines of a file the training pods write; none while it does not exist."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def save_results(name: str, results: dict) -> None:
    directory = os.environ.get("LATTICE_REAL_RESULTS")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{name}.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
    log(f"results in {path}")


def main(scenario: Callable[[], None]) -> None:
    try:
        scenario()
    except Failure as failure:
        print(f"FAIL: {failure}", file=sys.stderr, flush=True)
        sys.exit(1)
