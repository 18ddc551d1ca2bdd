#!/usr/bin/env python3
"""Tests remove what they create: the cluster-scoped objects and namespaces of the
local cluster are recorded when the `cluster` fixture starts and compared when
it ends; anything new (and not being deleted) is a leftover and fails the check.

Usage: leftovers.py record FILE | check FILE
Needs KUBECONFIG and kubectl on PATH (the fixture's environment).
"""

import json
import subprocess
import sys

# Cluster-scoped kinds a test might create, and namespaces.
KINDS = [
    "customresourcedefinitions.apiextensions.k8s.io",
    "namespaces",
    "clusterroles.rbac.authorization.k8s.io",
    "clusterrolebindings.rbac.authorization.k8s.io",
    "validatingadmissionpolicies.admissionregistration.k8s.io",
    "validatingadmissionpolicybindings.admissionregistration.k8s.io",
    "validatingwebhookconfigurations.admissionregistration.k8s.io",
    "mutatingwebhookconfigurations.admissionregistration.k8s.io",
    "priorityclasses.scheduling.k8s.io",
    "nodes",
    "persistentvolumes",
]


def kubectl(*args):
    result = subprocess.run(["kubectl", *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"leftovers: kubectl {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def system_owned(kind, name):
    """Objects the control plane makes itself, some of them a while after it first answers (bootstrap
    roles, priority classes, system namespaces): never a test's leftover, whenever they appear."""
    if kind == "namespaces":
        return name.startswith("kube-") or name == "default"
    return name.startswith("system:") or name.startswith("system-") or name.startswith("kubeadm:")


def current():
    """{kind: [names]} of the objects that exist and are not being deleted."""
    out = {}
    for kind in KINDS:
        items = json.loads(kubectl("get", kind, "-o", "json"))["items"]
        # A CRD the chart keeps on uninstall (helm.sh/resource-policy: keep, crds.keep) survives
        # by design: the TrainingJobs in it are users' data.
        out[kind] = sorted(
            i["metadata"]["name"]
            for i in items
            if not i["metadata"].get("deletionTimestamp")
            and (i["metadata"].get("annotations") or {}).get("helm.sh/resource-policy") != "keep"
        )
    return out


def short_name_clashes():
    """Short names that more than one CRD claims: `kubectl get <short>` warns and picks one."""
    owners = {}
    for crd in json.loads(kubectl("get", "crd", "-o", "json"))["items"]:
        if crd["metadata"].get("deletionTimestamp"):
            continue
        for short in crd["spec"]["names"].get("shortNames", []):
            owners.setdefault(short, []).append(crd["metadata"]["name"])
    return {s: sorted(names) for s, names in owners.items() if len(names) > 1}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("record", "check"):
        sys.exit(__doc__.strip().splitlines()[-2])
    path = sys.argv[2]
    if sys.argv[1] == "record":
        with open(path, "w") as f:
            json.dump({"objects": current(), "short_name_clashes": short_name_clashes()}, f, indent=1)
        print(f"leftovers: recorded the cluster's objects in {path}")
        return
    with open(path) as f:
        recorded = json.load(f)
    before = recorded["objects"]
    now = current()
    left = [
        f"{kind}/{name}"
        for kind in KINDS
        for name in now[kind]
        if name not in before.get(kind, []) and not system_owned(kind, name)
    ]
    for short, names in short_name_clashes().items():
        text = f"short name {short!r} claimed by {', '.join(names)} (kubectl get {short} warns)"
        if recorded["short_name_clashes"].get(short) == names:
            print(f"leftovers: note: {text}, as when the fixture started")
        else:
            left.append(text)
    if left:
        print("leftovers: the tests left these behind (they were not there when the fixture started):")
        for item in left:
            print(f"  {item}")
        sys.exit(1)
    print(f"leftovers: none ({sum(len(v) for v in now.values())} objects, as when the fixture started)")


if __name__ == "__main__":
    main()
