"""The chart's operator pod on the real node (test real.operator_pod).

    operator_pod.py OPERATOR_IMAGE PYTHON_IMAGE

1. `helm install operator helm/lattice-operator --namespace lattice
   --create-namespace --set image=<local tag> ...` (placement on real-0,
   JSON logs): the pod becomes Ready through its probes; its logs are JSON
   lines; /metrics answers through the chart's Service; `helm test` passes
   and its pod ran on real-0. Figures: install -> Ready, RSS, idle CPU.
2. A TrainingJob with two workers on the real node, Running. `kubectl delete
   pod` of the operator: the Deployment's new pod becomes Ready and adopts
   the job: the same worker pods (same UIDs), no extra, no missing one.
   Figures: delete -> new pod Ready -> first write.
3. `replicaCount: 2`: one leader holding the Lease as its pod, one standby;
   deleting the leader hands the Lease to another live replica (the standby,
   or the Deployment's replacement when it asks first) at once, and so does
   force-deleting the next one; one leader each time; the workers stay.
4. With the Deployment scaled to 0, `helm test` fails, naming the readiness
   check.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request

import realtest as rt
from realtest import expect, kubectl, kubectl_json, log

JOB_NS = "real-operator-pod"
JOB = "adopt-me"


def metrics_through_service() -> str:
    svc = kubectl_json("get", "svc", "-n", rt.NAMESPACE, "lattice-operator")
    port = next(p["port"] for p in svc["spec"]["ports"] if p["name"] == "metrics")
    url = f"http://{svc['spec']['clusterIP']}:{port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def pod_metric(pod: dict, name: str) -> float:
    url = f"http://{pod['status']['podIP']}:8080/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    raise rt.Failure(f"{url} has no {name}")


def job_object(image: str, name: str = JOB, size: int = 2) -> dict:
    container = {
        "name": "trainingjob",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["python3", "-c", "import time; time.sleep(3600)"],
        "resources": {
            "requests": {"cpu": "10m", "memory": "32Mi", "nvidia.com/gpu": "1"},
            "limits": {"nvidia.com/gpu": "1"},
        },
    }
    template = {"spec": {**rt.PLACEMENT, "terminationGracePeriodSeconds": 2, "containers": [container]}}
    return rt.training_job(name, JOB_NS, (size, size), template)


def workers() -> dict[str, str]:
    """name -> uid of the job's live worker pods."""
    found = rt.pods(JOB_NS, f"breezeml.ai/job-name={JOB}")
    return {
        p["metadata"]["name"]: p["metadata"]["uid"]
        for p in found
        if not p["metadata"].get("deletionTimestamp")
    }


def job_stage(name: str) -> str:
    return kubectl("get", "trainingjob", "-n", JOB_NS, name, "-o", "jsonpath={.status.stage}", check=False)


def install_and_check(operator_image: str, results: dict) -> dict:
    rt.helm_uninstall()
    started = rt.helm_install(operator_image)
    [pod] = rt.wait_operator_ready(1)
    ready_after = time.time() - started
    results["install_to_ready_s"] = round(ready_after, 2)
    log(f"helm install -> operator pod Ready: {ready_after:.2f}s ({pod['metadata']['name']})")
    expect(pod["spec"]["nodeName"] == rt.REAL_NODE, f"the operator pod runs on {rt.REAL_NODE}")
    probes = pod["spec"]["containers"][0]
    expect("readinessProbe" in probes and "livenessProbe" in probes, "Ready through its probes")

    lines = [
        line for line in kubectl("logs", "-n", rt.NAMESPACE, pod["metadata"]["name"]).splitlines() if line
    ]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise rt.Failure(f"a log line is not JSON: {line!r}") from err
    expect(len(parsed) >= 3, f"kubectl logs shows {len(parsed)} JSON log lines")

    text = rt.wait_for("metrics through the Service", metrics_through_service, 30)
    expect("lattice_" in text, "/metrics answers through the chart's Service with lattice_ metrics")

    out = rt.run(["helm", "test", rt.RELEASE, "-n", rt.NAMESPACE, "--logs", "--timeout", "120s"], check=False)
    log("helm test:\n" + out.strip())
    test_pod = kubectl_json("get", "pod", "-n", rt.NAMESPACE, "lattice-operator-test")
    expect(test_pod["status"]["phase"] == "Succeeded", "helm test: the chart's test pod succeeded")
    expect(test_pod["spec"]["nodeName"] == rt.REAL_NODE, f"helm test: its pod ran on {rt.REAL_NODE}")
    expect("Phase:          Succeeded" in out or "Succeeded" in out, "helm test reports success")

    pid = rt.container_pid(pod, "operator")
    time.sleep(5)
    cpu0, t0 = rt.process_cpu_seconds(pid), time.monotonic()
    time.sleep(30)
    cpu1, t1 = rt.process_cpu_seconds(pid), time.monotonic()
    results["idle_rss_mib"] = round(rt.process_rss_kib(pid) / 1024, 1)
    results["idle_cpu_millicores"] = round(1000 * (cpu1 - cpu0) / (t1 - t0), 1)
    log(f"operator pod idle: RSS {results['idle_rss_mib']} MiB, CPU {results['idle_cpu_millicores']} m")
    return pod


def adoption(python_image: str, pod: dict, results: dict) -> None:
    kubectl("create", "namespace", JOB_NS, check=False)
    rt.wait_for(
        "ServiceAccount default", lambda: kubectl("get", "sa", "default", "-n", JOB_NS, check=False), 60
    )
    rt.apply([job_object(python_image)])

    def running_with_two():
        found = rt.pods(JOB_NS, f"breezeml.ai/job-name={JOB}")
        return len(found) == 2 and all(rt.is_ready(p) for p in found)

    rt.wait_for("2 Ready workers of the job", running_with_two, 180)
    before = workers()
    log(f"workers before: {before}")

    old = pod["metadata"]["name"]
    deleted_at = time.time()
    kubectl("delete", "pod", "-n", rt.NAMESPACE, old, "--wait=false")
    # A job submitted while no operator runs: the new operator's first write
    # is its admission (the status stage set), after it has adopted the rest.
    rt.apply([job_object(python_image, "submitted-meanwhile", 1)])
    [new] = rt.wait_for(
        "a new Ready operator pod",
        lambda: [p for p in rt.operator_pods() if p["metadata"]["name"] != old and rt.is_ready(p)] or None,
        180,
        0.1,
    )
    ready_at = time.time()
    rt.wait_for("the new operator's first write", lambda: job_stage("submitted-meanwhile"), 120, 0.1)
    written_at = time.time()
    results["delete_to_new_ready_s"] = round(ready_at - deleted_at, 2)
    results["new_ready_to_first_write_s"] = round(written_at - ready_at, 2)
    log(
        f"operator pod deleted -> new pod Ready {ready_at - deleted_at:.2f}s -> first write "
        f"{written_at - ready_at:.2f}s ({new['metadata']['name']})"
    )
    time.sleep(10)  # a wrong adoption would show as pods created or deleted by now
    after = workers()
    expect(after == before, f"the new operator adopted the same workers (no duplicate, no orphan): {after}")
    expect(job_stage(JOB) == "Running", "the adopted job is still Running")
    kubectl("delete", "trainingjob", "-n", JOB_NS, "submitted-meanwhile")


def leaders() -> list[str]:
    """The live operator pods that report lattice_leader 1."""
    return [
        p["metadata"]["name"]
        for p in rt.operator_pods()
        if rt.is_ready(p) and pod_metric(p, "lattice_leader") == 1
    ]


def hand_over(holder: str, delete_args: list[str], what: str, timeout: float) -> float:
    """Deletes the leader's pod; another live replica (the standby, or the
    Deployment's replacement if it is quicker) must take the Lease."""
    started = time.time()
    kubectl("delete", "pod", "-n", rt.NAMESPACE, holder, "--wait=false", *delete_args)

    def new_holder():
        name = rt.lease_holder()
        live = {p["metadata"]["name"] for p in rt.operator_pods()}
        return name if name != holder and name in live else None

    taken_by = rt.wait_for(
        f"another replica to take the Lease after the leader's {what}", new_holder, timeout, 0.1
    )
    elapsed = round(time.time() - started, 2)
    log(f"leader {holder} {what} -> {taken_by} holds the Lease in {elapsed}s")
    rt.wait_for(f"lattice_leader 1 on {taken_by} only", lambda: leaders() == [taken_by], 30)
    expect(True, f"after the {what}: one leader, {taken_by}, holding the Lease as its pod")
    return elapsed


def leader_handover(operator_image: str, results: dict) -> None:
    before = workers()
    rt.helm_install(operator_image, replicas=2)
    two = rt.wait_operator_ready(2)
    names = {p["metadata"]["name"] for p in two}
    holder = rt.wait_for(
        "the Lease held by an operator pod", lambda: rt.lease_holder() in names and rt.lease_holder(), 60
    )
    leader = next(p for p in two if p["metadata"]["name"] == holder)
    standby = next(p for p in two if p["metadata"]["name"] != holder)
    expect(True, f"replicaCount 2: {holder} holds the Lease as its pod")
    expect(pod_metric(leader, "lattice_leader") == 1, "the leader reports lattice_leader 1")
    expect(pod_metric(standby, "lattice_leader") == 0, "the standby reports lattice_leader 0")

    results["leader_delete_to_handover_s"] = hand_over(holder, [], "deletion", 60)
    # The leader's pod force-deleted (gone from the API at once; the kubelet
    # still stops the process, which releases the Lease on SIGTERM; had it
    # not, the Lease would pass when it expires). A SIGKILL of the process
    # alone restarts the container in the same pod, which keeps the Lease
    # under the same name.
    rt.wait_operator_ready(2)
    results["leader_kill_to_handover_s"] = hand_over(
        rt.lease_holder(), ["--grace-period=0", "--force"], "force deletion", 90
    )
    rt.wait_operator_ready(2)
    time.sleep(5)
    expect(workers() == before, "after the handovers the job has the same workers")


def helm_test_fails_without_operator() -> None:
    """The test hook can fail: with no operator pod it reports the readiness
    check failed (and the CRD check still passes)."""
    kubectl("scale", "deployment/lattice-operator", "-n", rt.NAMESPACE, "--replicas=0")
    rt.wait_for("no operator pods", lambda: not rt.operator_pods(), 120)
    out = rt.run(["helm", "test", rt.RELEASE, "-n", rt.NAMESPACE, "--timeout", "120s"], check=False)
    test_pod = kubectl_json("get", "pod", "-n", rt.NAMESPACE, "lattice-operator-test")
    log_text = kubectl("logs", "-n", rt.NAMESPACE, "lattice-operator-test")
    log("helm test without an operator:\n" + log_text.strip())
    expect(test_pod["status"]["phase"] == "Failed", "helm test fails while no operator pod runs")
    expect("FAIL readiness" in log_text and "ok   crd" in log_text, "... naming the readiness check")
    expect("Failed" in out or "failed" in out, "helm test reports the failure")


def scenario() -> None:
    operator_image, python_image = sys.argv[1], sys.argv[2]
    results: dict = {"operator_image": operator_image}
    try:
        pod = install_and_check(operator_image, results)
        adoption(python_image, pod, results)
        leader_handover(operator_image, results)
        helm_test_fails_without_operator()
    finally:
        kubectl("delete", "namespace", JOB_NS, "--wait=false", check=False)
        rt.save_results("operator_pod", results)
    rt.helm_uninstall()
    log(f"figures: {json.dumps(results)}")


if __name__ == "__main__":
    rt.main(scenario)
