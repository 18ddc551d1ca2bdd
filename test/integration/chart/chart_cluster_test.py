#!/usr/bin/env python3
"""The Helm chart and the TrainingJob CRD against the local cluster, as a new user.

Usage: chart_cluster_test.py CASE   (CTest runs the cases in order, see CMakeLists.txt)
Needs KUBECONFIG and the cluster's kubectl and helm on PATH (lattice_add_integration_test
sets them). Fails, never skips, when the cluster is unreachable.
"""

import base64
import glob
import json
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chart_cluster_rbac import case_sa_rights  # noqa: E402
from chart_cluster_support import (  # noqa: E402
    CHART,
    CRD,
    EXAMPLE,
    INSTALL,
    INVALID,
    LICENSE,
    NS,
    OTHER,
    PASSWORD,
    RELEASE,
    USER,
    WATCHED,
    can_i,
    exists,
    expect,
    kjson,
    kubectl,
    release_installed,
    require_cluster,
    run,
    wait_crd_established,
    wait_until,
)


# ---------------------------------------------------------------- install (fixture setup)
def case_install():
    require_cluster()
    # Leftovers of an earlier, interrupted run: start from a clean state.
    if release_installed():
        run(["helm", "uninstall", RELEASE, "-n", NS, "--wait"])
    if exists("crd", CRD):
        kubectl("delete", "crd", CRD, "--wait=true")
    for ns in (WATCHED, OTHER):
        kubectl("delete", "namespace", ns, "--ignore-not-found", "--wait=true")
    result = run(INSTALL)
    print(result.stdout)
    expect(
        "kubectl get deployment lattice-operator --namespace lattice" in result.stdout,
        "NOTES do not tell how to check the deployment",
    )
    expect(LICENSE not in result.stdout + result.stderr, "helm install printed the license")
    wait_crd_established(CRD)
    # The spec's status command.
    out = kubectl("get", "deployment", "lattice-operator", "--namespace", NS).stdout
    print(out)
    expect(out.splitlines()[1].startswith("lattice-operator "), f"no Deployment lattice-operator:\n{out}")
    # The pod lands on a KWOK node (fake kubelet), which reports it Running and Ready.
    kubectl("rollout", "status", "deployment/lattice-operator", "-n", NS, "--timeout=180s")


# ---------------------------------------------------------------- objects
def case_objects():
    deploy = kjson("get", "deployment", "lattice-operator", "-n", NS)
    pod = deploy["spec"]["template"]["spec"]
    expect(
        pod["imagePullSecrets"] == [{"name": "dockersecret"}],
        f"imagePullSecrets {pod.get('imagePullSecrets')}",
    )
    expect(pod["serviceAccountName"] == "lattice-operator", "service account")
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    expect(
        env["LATTICE_LICENSE"]["valueFrom"]["secretKeyRef"]["name"] == "lattice-operator-license",
        "LATTICE_LICENSE from the license Secret",
    )
    docker = kjson("get", "secret", "dockersecret", "-n", NS)
    expect(docker["type"] == "kubernetes.io/dockerconfigjson", "dockersecret type")
    auths = json.loads(base64.b64decode(docker["data"][".dockerconfigjson"]))["auths"]
    expect(
        base64.b64decode(auths["breezeml.jfrog.io"]["auth"]).decode() == f"{USER}:{PASSWORD}",
        "dockerconfigjson auth for breezeml.jfrog.io",
    )
    basic = kjson("get", "secret", "jfrogsecret", "-n", NS)
    expect(base64.b64decode(basic["data"]["username"]).decode() == USER, "jfrogsecret username")
    lic = kjson("get", "secret", "lattice-operator-license", "-n", NS)
    expect(base64.b64decode(lic["data"]["license"]).decode() == LICENSE, "license Secret")
    # The license is nowhere else: no ConfigMap, annotation, label, arg or env value.
    encoded = base64.b64encode(LICENSE.encode()).decode()
    for kind in ("configmaps", "deployments", "pods", "services", "serviceaccounts"):
        text = kubectl("get", kind, "-n", NS, "-o", "json").stdout
        expect(LICENSE not in text and encoded not in text, f"license found in {kind}")
    expect(kjson("get", "events", "-n", NS) is not None, "events readable")
    svc = kjson("get", "service", "lattice-operator", "-n", NS)
    ports = {p["name"]: (p["port"], p["targetPort"]) for p in svc["spec"]["ports"]}
    expect(ports == {"metrics": (8080, "metrics"), "probes": (8081, "probes")}, f"service ports {ports}")
    print("ok deployment, secrets, service, license only in its Secret")


# ---------------------------------------------------------------- example job
def case_example_job():
    kubectl("apply", "-f", EXAMPLE)  # the spec's example, unchanged
    out = kubectl("get", "tj", "-n", NS).stdout
    print(out)
    header = out.splitlines()[0].split()
    expect(header == ["NAME", "STAGE", "SIZE", "MIN", "MAX", "PRIORITY", "AGE"], f"columns {header}")
    row = next(line.split() for line in out.splitlines()[1:] if line.startswith("lattice-simple1 "))
    # Stage and Size belong to the operator (empty until it runs); Min/Max/Priority from the spec.
    expect(row[-4:-1] == ["2", "4", "0"], f"lattice-simple1 row {row}")
    job = kjson("get", "trainingjob", "lattice-simple1", "-n", NS)
    expect(job["spec"]["framework"] == "pytorch", "framework defaulted to pytorch")
    # Defaults applied by the API server.
    minimal = (
        "apiVersion: breezeml.ai/v1\nkind: TrainingJob\nmetadata:\n  name: chart-defaults\n"
        f"  namespace: {NS}\nspec:\n  replicaSpecs:\n    template:\n      spec:\n        containers:\n"
        "          - name: w\n            image: busybox\n"
    )
    kubectl("apply", "-f", "-", input=minimal)
    spec = kjson("get", "tj", "chart-defaults", "-n", NS)["spec"]
    got = {k: spec.get(k) for k in ("minSize", "maxSize", "injectLattice", "framework", "priority")}
    expect(
        got == {"minSize": 1, "maxSize": 1, "injectLattice": False, "framework": "pytorch", "priority": 0},
        f"server-side defaults {got}",
    )
    # Pod template metadata survives (not pruned).
    kubectl(
        "patch",
        "tj",
        "chart-defaults",
        "-n",
        NS,
        "--type=merge",
        "-p",
        '{"spec":{"replicaSpecs":{"template":{"metadata":{"labels":{"team":"vision"}}}}}}',
    )
    labels = kjson("get", "tj", "chart-defaults", "-n", NS)["spec"]["replicaSpecs"]["template"]["metadata"]
    expect(labels.get("labels") == {"team": "vision"}, f"template labels pruned: {labels}")
    kubectl("delete", "tj", "chart-defaults", "-n", NS)
    # The status subresource takes the operator's fields; `kubectl get tj` shows them.
    kubectl(
        "patch",
        "tj",
        "lattice-simple1",
        "-n",
        NS,
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status":{"stage":"Running","currentSize":3}}',
    )
    row = kubectl("get", "tj", "lattice-simple1", "-n", NS, "--no-headers").stdout.split()
    expect(row[1:6] == ["Running", "3", "2", "4", "0"], f"row after status patch {row}")
    print("ok example applies; columns, defaults, status subresource")


# ---------------------------------------------------------------- invalid jobs
def case_invalid_jobs():
    files = sorted(glob.glob(os.path.join(INVALID, "*.yaml")))
    expect(len(files) >= 10, f"expected the invalid samples in {INVALID}")
    for path in files:
        text = open(path).read()
        field = re.search(r"^# expect-field: (.+)$", text, re.M).group(1).strip()
        message = re.search(r"^# expect-message: (.+)$", text, re.M).group(1).strip()
        result = kubectl("apply", "-f", path, check=False)
        name = os.path.basename(path)
        expect(result.returncode != 0, f"{name} was accepted")
        expect(field in result.stderr, f"{name}: error does not name {field}:\n{result.stderr}")
        expect(message in result.stderr, f"{name}: error lacks {message!r}:\n{result.stderr}")
        print(f"ok {name}: {result.stderr.strip().splitlines()[-1][:200]}")


# ---------------------------------------------------------------- kubectl explain
EXPLAIN = {
    "spec": "TrainingJobSpec defines the desired state",
    "spec.runPolicy": "RunPolicy encapsulates various runtime policies",
    "spec.runPolicy.cleanPodPolicy": "policy to kill pods",
    "spec.runPolicy.backoffLimit": "number of retries",
    "spec.runPolicy.activeDeadlineSeconds": "may be active",
    "spec.runPolicy.ttlSecondsAfterFinished": "TTL to clean up",
    "spec.runPolicy.suspend": "suspended",
    "spec.replicaSpecs": "The lattice operator will generate replica numbers dynamically",
    "spec.replicaSpecs.template": "Template of every worker pod",
    "spec.replicaSpecs.template.spec.containers": "List of containers belonging to the pod",
    "spec.minSize": "We only consider running the job with [MinSize, MaxSize] nodes",
    "spec.maxSize": "at most maxSize",
    "spec.injectLattice": "inject the Lattice Agent",
    "spec.framework": "The framework of the TrainingJob",
    "spec.priority": "A job with higher priority will always be scheduled first",
    "status.execStatus": "execution status handles single-job scheduling information",
    "status.execStatus.conditions": "current observed job conditions",
    "status.currentSize": "how many workers should a job run with",
    "status.stage": "Waiting",
    "status.submitTime": "the time when the job was submitted to the cluster",
    "status.queuedTime": "We use this timestamp to allow FIFO",
    "status.lastExecTime": "Time when the job was last executed",
    "status.completionTime": "Time when the job was completed",
    "status.requeueTime": "Time when we want to remove the job from the running list",
    "status.cooldownTime": "Time before which the trainingjob is on cooldown",
}


def case_explain():
    # The spec's exact command, then every field.
    out = kubectl("explain", "trainingjob.spec.minSize").stdout
    expect(
        "[MinSize, MaxSize]" in out and "<integer>" in out,
        f"kubectl explain trainingjob.spec.minSize:\n{out}",
    )
    for field, text in EXPLAIN.items():
        out = kubectl("explain", f"trainingjob.{field}", "--api-version=breezeml.ai/v1").stdout
        flat = " ".join(out.split())
        expect(text in flat, f"kubectl explain trainingjob.{field} lacks {text!r}:\n{out}")
        print(f"ok explain {field}")


# ---------------------------------------------------------------- upgrade
def case_upgrade():
    """helm upgrade changes the CRD (both ways), and switches RBAC to one namespace and back."""
    with tempfile.TemporaryDirectory() as tmp:
        newer = os.path.join(tmp, "lattice-operator")
        shutil.copytree(CHART, newer)
        crd_path = os.path.join(newer, "templates", "crd-trainingjobs.yaml")
        text = open(crd_path).read()
        marker = "      additionalPrinterColumns:\n"
        expect(marker in text, "printer columns block not found in the CRD template")
        text = text.replace(
            marker,
            marker + "        - jsonPath: .spec.framework\n          name: Framework\n"
            "          type: string\n",
            1,
        )
        open(crd_path, "w").write(text)
        chart_yaml = os.path.join(newer, "Chart.yaml")
        chart_text = open(chart_yaml).read()
        with open(chart_yaml, "w") as f:
            f.write(chart_text.replace("\nversion: 0.1.0", "\nversion: 0.1.1-test", 1))
        run(["helm", "upgrade", RELEASE, newer, "-n", NS, "--reuse-values"])
        header = kubectl("get", "tj", "-n", NS).stdout.splitlines()[0].split()
        expect(header[1] == "FRAMEWORK", f"upgrade did not add the column: {header}")
        print("ok helm upgrade added a printer column to the CRD")
    run(["helm", "upgrade", RELEASE, CHART, "-n", NS, "--reuse-values"])
    header = kubectl("get", "tj", "-n", NS).stdout.splitlines()[0].split()
    expect("FRAMEWORK" not in header, f"upgrade back did not remove the column: {header}")
    print("ok helm upgrade back to the chart restored the CRD")
    # monitorNamespace: rights shrink to the watched namespace plus cluster-wide reads.
    if not exists("namespace", WATCHED):
        kubectl("create", "namespace", WATCHED)
    run(
        [
            "helm",
            "upgrade",
            RELEASE,
            CHART,
            "-n",
            NS,
            "--reuse-values",
            "--set",
            f"monitorNamespace={WATCHED}",
        ]
    )
    args = kjson("get", "deployment", "lattice-operator", "-n", NS)["spec"]["template"]["spec"]["containers"][
        0
    ]["args"]
    expect(f"--namespace={WATCHED}" in args, f"args {args}")
    expect(
        can_i("create", "pods", WATCHED) and can_i("list", "trainingjobs.breezeml.ai", WATCHED),
        "namespaced: pods/trainingjobs in the watched namespace",
    )
    expect(
        not can_i("create", "pods", "default") and not can_i("list", "trainingjobs.breezeml.ai"),
        "namespaced: no writes or TrainingJobs outside the watched namespace",
    )
    expect(
        can_i("list", "pods") and can_i("list", "nodes"), "namespaced: cluster-wide reads of pods and nodes"
    )
    expect(not can_i("get", "secrets", WATCHED), "namespaced: no secrets")
    print("ok monitorNamespace upgrade: namespaced RBAC")
    # Two replicas: leader election and its Lease rights.
    run(
        [
            "helm",
            "upgrade",
            RELEASE,
            CHART,
            "-n",
            NS,
            "--reuse-values",
            "--set",
            "monitorNamespace=",
            "--set",
            "replicaCount=2",
        ]
    )
    args = kjson("get", "deployment", "lattice-operator", "-n", NS)["spec"]["template"]["spec"]["containers"][
        0
    ]["args"]
    expect("--leader-elect=true" in args, f"leader election flags {args}")
    expect(
        can_i("create", "leases.coordination.k8s.io", NS) and can_i("create", "pods", "default"),
        "replicaCount 2: Lease rights, cluster-wide again",
    )
    run(["helm", "upgrade", RELEASE, CHART, "-n", NS, "--reuse-values", "--set", "replicaCount=1"])
    kubectl("rollout", "status", "deployment/lattice-operator", "-n", NS, "--timeout=180s")
    print("ok replicaCount upgrade: leader election")


# ---------------------------------------------------------------- uninstall (fixture cleanup)
def release_objects():
    found = []
    sel = f"app.kubernetes.io/instance={RELEASE}"
    for kind in ("deployments", "services", "serviceaccounts", "secrets", "roles", "rolebindings"):
        for ns in (NS, WATCHED):
            out = kubectl("get", kind, "-n", ns, "-l", sel, "-o", "name", check=False).stdout.split()
            found += [f"{ns}/{o}" for o in out]
    for kind in ("clusterroles", "clusterrolebindings"):
        found += kubectl("get", kind, "-l", sel, "-o", "name").stdout.split()
    return found


def case_uninstall():
    require_cluster()
    try:
        if release_installed():
            run(["helm", "uninstall", RELEASE, "-n", NS, "--wait"])
        left = release_objects()
        expect(not left, f"helm uninstall left objects behind: {left}")
        # The operator's pods go with their Deployment (garbage collector).
        wait_until(
            "the operator pods to go away",
            lambda: (
                not kubectl(
                    "get", "pods", "-n", NS, "-l", f"app.kubernetes.io/instance={RELEASE}", "-o", "name"
                ).stdout.strip()
            ),
        )
        expect(exists("crd", CRD), "crds.keep (default): the CRD must survive helm uninstall")
        if exists("tj", "lattice-simple1", "-n", NS):
            print("ok the example TrainingJob survived helm uninstall")
        print("ok uninstall removed every release object and kept the CRD")
        # Reinstall without credentials (public/local image): takes the kept CRD over,
        # creates no registry secrets; with crds.keep=false uninstall deletes the CRD.
        run(["helm", "install", RELEASE, CHART, "-n", NS, "--set", "crds.keep=false"])
        expect(
            not exists("secret", "jfrogsecret", "-n", NS) and not exists("secret", "dockersecret", "-n", NS),
            "no credentials: no registry secrets",
        )
        pod = kjson("get", "deployment", "lattice-operator", "-n", NS)["spec"]["template"]["spec"]
        expect("imagePullSecrets" not in pod, "no credentials: no imagePullSecrets")
        run(["helm", "uninstall", RELEASE, "-n", NS, "--wait"])
        wait_until("the CRD to be deleted (crds.keep=false)", lambda: not exists("crd", CRD), timeout=120)
        expect(not release_objects(), "second uninstall left objects behind")
        print("ok crds.keep=false: uninstall deleted the CRD")
    finally:
        # NS too: the install created it (helm --create-namespace); the cluster fixture's leftovers
        # check fails on a namespace the tests leave behind.
        for ns in (WATCHED, OTHER):
            kubectl("delete", "namespace", ns, "--ignore-not-found", "--wait=false", check=False)
        # Waited for: the next install into NS (the e2e suite's, the packaged chart's) is refused
        # while the namespace is terminating.
        kubectl("delete", "namespace", NS, "--ignore-not-found", "--wait=true", "--timeout=180s", check=False)


CASES = {
    "install": case_install,
    "objects": case_objects,
    "example-job": case_example_job,
    "invalid-jobs": case_invalid_jobs,
    "explain": case_explain,
    "sa-rights": case_sa_rights,
    "upgrade": case_upgrade,
    "uninstall": case_uninstall,
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(CASES)}}}")
    try:
        CASES[sys.argv[1]]()
    except AssertionError as e:
        print(f"FAIL {sys.argv[1]}: {e}")
        sys.exit(1)
    print(f"PASS {sys.argv[1]}")


if __name__ == "__main__":
    main()
