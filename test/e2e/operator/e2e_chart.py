"""The chart installed with real Helm (operator Deployment scaled to 0: the operator runs as a local
process), and a kubeconfig holding only the chart ServiceAccount's token, so the local operator has
exactly the chart's RBAC."""

import json
import os

from e2e_kube import SOURCE_DIR, expect, kubectl, run, wait_crd_established, wait_until

CHART = os.path.join(SOURCE_DIR, "helm", "lattice-operator")
NS, RELEASE, SA, DEPLOYMENT = "lattice", "operator", "lattice-operator", "lattice-operator"
CRD = "trainingjobs.breezeml.ai"
LEASE = "lattice-operator"  # the chart's --leader-election-id (its fullname)


def _installed_values():
    result = run(["helm", "get", "values", RELEASE, "-n", NS, "-o", "json"], check=False)
    if result.returncode != 0:
        return None
    return json.loads(result.stdout or "{}") or {}


def ensure_chart(leader_election=False):
    """`helm upgrade --install` of the chart (only when it is missing or configured otherwise), then
    the Deployment at 0 replicas. values.schema.json wants replicaCount >= 1, so the Deployment is
    scaled down after Helm; replicaCount 2 is what grants the Lease rights leader election needs."""
    replicas = 2 if leader_election else 1
    # A namespace being deleted (an earlier test's cleanup) refuses the release's objects: wait it out.
    wait_until(
        f"namespace {NS} not terminating",
        lambda: (
            kubectl(
                "get", "namespace", NS, "--ignore-not-found", "-o", "jsonpath={.status.phase}", check=False
            ).stdout.strip()
            != "Terminating"
        ),
        timeout=180,
    )
    if _installed_values() != {"replicaCount": replicas}:
        run(
            [
                "helm",
                "upgrade",
                "--install",
                RELEASE,
                CHART,
                "-n",
                NS,
                "--create-namespace",
                "--set",
                f"replicaCount={replicas}",
            ],
            timeout=180,
        )
    wait_crd_established(CRD)
    kubectl("scale", "deployment", DEPLOYMENT, "-n", NS, "--replicas=0")
    wait_until(
        "the chart's operator pods to go (the e2e operator runs as a local process)",
        lambda: (
            not kubectl(
                "get", "pods", "-n", NS, "-l", f"app.kubernetes.io/instance={RELEASE}", "-o", "name"
            ).stdout.strip()
        ),
        timeout=60,
    )
    wait_until(
        f"ServiceAccount {NS}/{SA}",
        lambda: kubectl("get", "sa", SA, "-n", NS, "--ignore-not-found", "-o", "name").stdout.strip(),
        timeout=30,
    )


def uninstall_chart():
    if _installed_values() is not None:
        run(["helm", "uninstall", RELEASE, "-n", NS, "--wait"], timeout=180)


def write_sa_kubeconfig(path, server=None, duration="2h"):
    """A kubeconfig with the chart ServiceAccount's bound token and the admin kubeconfig's server and
    CA (or `server`, e.g. a closed port for the /readyz-before-sync check)."""
    token = kubectl("create", "token", SA, "-n", NS, f"--duration={duration}").stdout.strip()
    raw = json.loads(kubectl("config", "view", "--raw", "--minify", "-o", "json").stdout)
    cluster = dict(raw["clusters"][0]["cluster"])
    expect(
        "certificate-authority-data" in cluster or "certificate-authority" in cluster,
        "the admin kubeconfig has no CA",
    )
    if server:
        cluster["server"] = server
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "lattice-operator",
        "clusters": [{"name": "local", "cluster": cluster}],
        "users": [{"name": "lattice-operator", "user": {"token": token}}],
        "contexts": [
            {
                "name": "lattice-operator",
                "context": {"cluster": "local", "user": "lattice-operator", "namespace": NS},
            }
        ],
    }
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(config, f)
    os.chmod(path, 0o600)
    return path


def sa_can_i(kubeconfig, verb, resource, namespace=None):
    args = ["kubectl", f"--kubeconfig={kubeconfig}", "auth", "can-i", verb, resource]
    args += ["-n", namespace] if namespace else ["--all-namespaces"]
    return run(args, check=False).stdout.strip() == "yes"


def lease_holder():
    lease = kubectl("get", "lease", LEASE, "-n", NS, "-o", "json", "--ignore-not-found").stdout.strip()
    if not lease:
        return None
    return json.loads(lease).get("spec", {}).get("holderIdentity") or None


def delete_lease():
    kubectl("delete", "lease", LEASE, "-n", NS, "--ignore-not-found")
