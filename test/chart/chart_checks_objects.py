"""Chart checks about the objects: RBAC, registry and license Secrets, the spec's example."""

import base64
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chart_render as cr  # noqa: E402
from chart_checks_values import SPEC  # noqa: E402
from chart_render import (
    container,  # noqa: E402
    expect,  # noqa: E402
)


# ---------------------------------------------------------------- RBAC
def all_rules(r):
    for kind in ("ClusterRole", "Role"):
        for role in r.kinds(kind):
            for rule in role.get("rules", []):
                yield kind, role["metadata"], rule


def case_rbac_least_privilege():
    for label, args in (
        ("cluster-wide", []),
        ("namespaced", ["--set", "monitorNamespace=ml-jobs"]),
        ("leader election", ["--set", "replicaCount=2"]),
    ):
        r = cr.render(args)
        for kind, meta, rule in all_rules(r):
            for field in ("apiGroups", "resources", "verbs"):
                expect("*" not in rule.get(field, []), f"{label}: wildcard in {kind} {meta['name']}: {rule}")
            expect("secrets" not in rule["resources"], f"{label}: {kind} grants secrets: {rule}")
            expect(
                not {"escalate", "bind", "impersonate"} & set(rule["verbs"]),
                f"{label}: dangerous verb {rule}",
            )
        print(f"ok {label}: no wildcards, no secrets")
    cluster = cr.render()
    rules = grants(cluster.one("ClusterRole", "lattice-operator-lattice")["rules"])
    expect(
        rules[("breezeml.ai", "trainingjobs")] == {"get", "list", "watch", "update", "patch"}, "trainingjobs"
    )
    expect(rules[("breezeml.ai", "trainingjobs/status")] == {"get", "update", "patch"}, "status")
    expect(rules[("", "pods")] == {"get", "list", "watch", "create", "delete", "patch"}, "pods")
    expect(rules[("", "nodes")] == {"get", "list", "watch"}, "nodes read-only")
    expect(not cluster.kinds("Role"), "cluster-wide, one replica: no Role")
    ns = cr.render(["--set", "monitorNamespace=ml-jobs"])
    crules = grants(ns.one("ClusterRole", "lattice-operator-lattice")["rules"])
    expect(
        crules == {("", "nodes"): {"get", "list", "watch"}, ("", "pods"): {"get", "list", "watch"}},
        f"namespaced: cluster-wide grants must be reads of nodes and pods only: {crules}",
    )
    role = ns.one("Role", "lattice-operator")
    expect(role["metadata"]["namespace"] == "ml-jobs", "Role in the watched namespace")
    binding = ns.one("RoleBinding", "lattice-operator")
    expect(
        binding["subjects"]
        == [{"kind": "ServiceAccount", "name": "lattice-operator", "namespace": "lattice"}],
        f"RoleBinding subject {binding['subjects']}",
    )
    expect(
        grants(role["rules"])[("", "services")] == {"get", "list", "watch", "create", "delete", "patch"},
        "services in the watched namespace",
    )
    le = cr.render(["--set", "replicaCount=2"])
    lease = le.one("Role", "lattice-operator-leader-election")
    expect(lease["metadata"]["namespace"] == "lattice", "Lease role in the operator's namespace")
    expect(
        any(
            r.get("resourceNames") == ["lattice-operator"] and set(r["verbs"]) == {"get", "update"}
            for r in lease["rules"]
        ),
        f"lease rules {lease['rules']}",
    )


def grants(rules):
    out = {}
    for rule in rules:
        for group in rule["apiGroups"]:
            for res in rule["resources"]:
                out.setdefault((group, res), set()).update(rule["verbs"])
    return out


# ---------------------------------------------------------------- secrets
def case_credentials_and_license():
    r = cr.render()
    expect(not r.kinds("Secret"), "no credentials, no license: no Secret")
    lic = "LIC-7f3a-SECRET-KEY"
    args = ["--set", f"jfrog.username=alice,jfrog.password=pa55,license={lic}"]
    r = cr.render(args)
    pull = r.one("Secret", "dockersecret")
    config = json.loads(base64.b64decode(pull["data"][".dockerconfigjson"]))
    auth = config["auths"]["breezeml.jfrog.io"]
    expect(base64.b64decode(auth["auth"]) == b"alice:pa55", f"docker auth {auth}")
    expect(auth["username"] == "alice" and auth["password"] == "pa55", "docker username/password")
    basic = r.one("Secret", "jfrogsecret")
    expect(basic["type"] == "kubernetes.io/basic-auth", "jfrog secret type")
    pod = r.one("Deployment")["spec"]["template"]["spec"]
    expect(pod["imagePullSecrets"] == [{"name": "dockersecret"}], "dockersecret is the imagePullSecret")
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    expect(
        env["LATTICE_LICENSE"]["valueFrom"]["secretKeyRef"]
        == {"name": "lattice-operator-license", "key": "license"},
        "license by secretKeyRef",
    )
    # The license, plain or base64, appears nowhere but the license Secret's data.
    encoded = base64.b64encode(lic.encode()).decode()
    for obj, src in zip(r.objects, r.sources, strict=True):
        text = json.dumps(obj)
        is_license_secret = obj["kind"] == "Secret" and obj["metadata"]["name"] == "lattice-operator-license"
        if is_license_secret:
            expect(obj["data"] == {"license": encoded}, "license Secret data")
            continue
        expect(lic not in text and encoded not in text, f"license leaks into {obj['kind']} {src}")
    expect(lic not in r.notes and encoded not in r.notes, "license printed in NOTES")
    # The pull secret is for the image's registry.
    for image, registry in (
        ("docker.io/me/op", "docker.io"),
        ("me/op", "https://index.docker.io/v1/"),
        ("localhost:5000/op", "localhost:5000"),
        ("op:dev", "https://index.docker.io/v1/"),
    ):
        r = cr.render(["--set", f"image={image},jfrog.username=a,jfrog.password=b"])
        auths = json.loads(base64.b64decode(r.one("Secret", "dockersecret")["data"][".dockerconfigjson"]))[
            "auths"
        ]
        expect(list(auths) == [registry], f"image {image}: registry {list(auths)}, want {registry}")
        print(f"ok image {image} -> registry {registry}")
    for image, ref in (
        ("op:dev", "op:dev"),
        ("r.io/op@sha256:" + "a" * 64, "r.io/op@sha256:" + "a" * 64),
        ("localhost:5000/op", "localhost:5000/op:0.1.0"),
    ):
        got = container(cr.render(["--set", f"image={image}"]))["image"]
        expect(got == ref, f"image {image} rendered as {got}, want {ref}")


def case_example_job_matches_spec():
    text = open(SPEC).read()
    block = re.search(r"## Example TrainingJob yaml file\n```yaml\n(.*?)```", text, re.S).group(1)
    example = open(os.path.join(cr.SOURCE_DIR, "examples", "lattice-simple1.yaml")).read()
    expect(example == block, "examples/lattice-simple1.yaml differs from the spec's example")
