"""The operator ServiceAccount's rights, checked with `kubectl auth can-i` and with real
requests made with its own token (`kubectl create token`)."""

import json
import os
import tempfile

from chart_cluster_support import NS, OTHER, can_i, exists, expect, kubectl, run


def token_kubeconfig(tmp):
    """A kubeconfig that authenticates with the ServiceAccount's token only (no client cert)."""
    token = kubectl("create", "token", "lattice-operator", "-n", NS, "--duration=10m").stdout.strip()
    raw = json.loads(kubectl("config", "view", "--raw", "--minify", "-o", "json").stdout)
    cluster = raw["clusters"][0]["cluster"]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "sa",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "sa", "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "c", "user": "sa", "namespace": NS}}],
    }
    path = os.path.join(tmp, "sa-kubeconfig")
    with open(path, "w") as f:
        json.dump(config, f)
    return path


def as_operator(kubeconfig, *args, input=None):
    return run(["kubectl", f"--kubeconfig={kubeconfig}"] + list(args), check=False, input=input)


def expect_allowed(kubeconfig, *args, input=None):
    result = as_operator(kubeconfig, *args, input=input)
    expect(result.returncode == 0, f"operator token: `kubectl {' '.join(args)}` failed:\n{result.stderr}")
    print(f"ok allowed: kubectl {' '.join(args)}")


def expect_forbidden(kubeconfig, *args):
    result = as_operator(kubeconfig, *args)
    expect(
        result.returncode != 0 and "forbidden" in result.stderr.lower(),
        f"operator token: `kubectl {' '.join(args)}` should be Forbidden:\n{result.stdout}{result.stderr}",
    )
    print(f"ok forbidden: kubectl {' '.join(args)}")


def ensure_other_namespace():
    if not exists("namespace", OTHER):
        kubectl("create", "namespace", OTHER)
    if not exists("secret", "not-for-operator", "-n", OTHER):
        kubectl("create", "secret", "generic", "not-for-operator", "-n", OTHER, "--from-literal=k=v")


def test_pod(namespace, name):
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        }
    )


def case_sa_rights():
    ensure_other_namespace()
    allowed = [
        ("get", "trainingjobs.breezeml.ai", None, None),
        ("list", "trainingjobs.breezeml.ai", None, None),
        ("watch", "trainingjobs.breezeml.ai", None, None),
        ("update", "trainingjobs.breezeml.ai", "default", None),
        ("patch", "trainingjobs.breezeml.ai", "default", None),
        ("update", "trainingjobs.breezeml.ai", "default", "status"),
        ("patch", "trainingjobs.breezeml.ai", "default", "status"),
        ("update", "trainingjobs.breezeml.ai", "default", "finalizers"),
        ("create", "pods", "default", None),
        ("delete", "pods", "default", None),
        ("patch", "pods", "default", None),
        ("list", "pods", None, None),
        ("watch", "pods", None, None),
        ("create", "services", "default", None),
        ("delete", "services", "default", None),
        ("list", "nodes", None, None),
        ("watch", "nodes", None, None),
        ("create", "events", "default", None),
        ("patch", "events.events.k8s.io", "default", None),
    ]
    denied = [
        ("get", "secrets", OTHER, None),
        ("list", "secrets", None, None),
        ("get", "secrets", NS, None),
        ("get", "configmaps", OTHER, None),
        ("delete", "nodes", None, None),
        ("create", "trainingjobs.breezeml.ai", "default", None),
        ("delete", "trainingjobs.breezeml.ai", "default", None),
        ("create", "deployments", "default", None),
        ("create", "leases.coordination.k8s.io", NS, None),
        ("create", "clusterroles", None, None),
    ]
    for verb, res, ns, sub in allowed:
        expect(can_i(verb, res, ns, sub), f"auth can-i {verb} {res} {sub or ''} -n {ns}: want yes")
    for verb, res, ns, sub in denied:
        expect(not can_i(verb, res, ns, sub), f"auth can-i {verb} {res} -n {ns}: want no")
    print(f"ok kubectl auth can-i: {len(allowed)} allowed, {len(denied)} denied")
    with tempfile.TemporaryDirectory() as tmp:
        kc = token_kubeconfig(tmp)
        expect_allowed(kc, "get", "trainingjobs.breezeml.ai", "--all-namespaces")
        expect_allowed(kc, "get", "pods", "--all-namespaces")
        expect_allowed(kc, "get", "nodes")
        expect_allowed(
            kc,
            "patch",
            "trainingjob.breezeml.ai",
            "lattice-simple1",
            "-n",
            NS,
            "--subresource=status",
            "--type=merge",
            "-p",
            '{"status":{"stage":"Waiting","currentSize":0}}',
        )
        expect_allowed(kc, "create", "-f", "-", input=test_pod("default", "chart-rbac-probe"))
        expect_allowed(kc, "delete", "pod", "chart-rbac-probe", "-n", "default", "--wait=false")
        expect_allowed(
            kc, "create", "service", "clusterip", "chart-rbac-probe", "-n", "default", "--tcp=80:80"
        )
        expect_allowed(kc, "delete", "service", "chart-rbac-probe", "-n", "default")
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"generateName": "chart-rbac-", "namespace": NS},
            "involvedObject": {"kind": "TrainingJob", "name": "lattice-simple1", "namespace": NS},
            "reason": "Probe",
            "message": "rbac probe",
            "type": "Normal",
        }
        expect_allowed(kc, "create", "-f", "-", input=json.dumps(event))
        expect_forbidden(kc, "get", "secret", "not-for-operator", "-n", OTHER)
        expect_forbidden(kc, "get", "secrets", "--all-namespaces")
        expect_forbidden(kc, "get", "secret", "lattice-operator-license", "-n", NS)
        expect_forbidden(
            kc, "delete", "trainingjob.breezeml.ai", "lattice-simple1", "-n", NS, "--dry-run=server"
        )
        expect_forbidden(kc, "get", "configmaps", "-n", OTHER)
