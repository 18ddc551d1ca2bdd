"""Chart checks about values: lint, rendering with defaults and with every key, the
spec's values table, values.schema.json."""

import base64
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chart_render as cr  # noqa: E402
from chart_render import (
    env_names,  # noqa: E402
    expect,  # noqa: E402
)

HERE = os.path.dirname(os.path.abspath(__file__))
ALL_KEYS = os.path.join(HERE, "all-keys-values.yaml")
SPEC = os.path.join(cr.SOURCE_DIR, "docs", "spec.md")


# ---------------------------------------------------------------- lint
def case_lint():
    # The plain command a user types, then with the cluster's version and overrides.
    plain = cr.run_helm(["lint", "--strict", cr.CHART_DIR], check=False)
    expect(plain.returncode == 0, f"helm lint --strict failed:\n{plain.stdout}{plain.stderr}")
    for extra in ([], ["-f", ALL_KEYS], ["--set", "jfrog.username=u,jfrog.password=p,license=l"]):
        result = cr.run_helm(
            ["lint", "--strict", "--kube-version", cr.KUBE_VERSION, cr.CHART_DIR] + extra, check=False
        )
        print(result.stdout.strip())
        expect(result.returncode == 0, f"helm lint --strict {extra} failed:\n{result.stdout}{result.stderr}")
        expect(
            "[WARNING]" not in result.stdout and "[ERROR]" not in result.stdout,
            f"helm lint {extra} reported warnings/errors",
        )


# ---------------------------------------------------------------- defaults
def case_template_defaults():
    r = cr.render()
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in r.objects)
    print("rendered:", kinds)
    expect(
        kinds
        == sorted(
            [
                ("CustomResourceDefinition", "trainingjobs.breezeml.ai"),
                ("ServiceAccount", "lattice-operator"),
                ("ClusterRole", "lattice-operator-lattice"),
                ("ClusterRoleBinding", "lattice-operator-lattice"),
                ("ClusterRole", "lattice-operator-lattice-view"),
                ("ClusterRole", "lattice-operator-lattice-edit"),
                ("ClusterRole", "lattice-operator-lattice-queue-reader"),
                ("Service", "lattice-operator"),
                ("Deployment", "lattice-operator"),
            ]
        ),
        f"unexpected objects with default values: {kinds}",
    )
    deploy = r.one("Deployment", "lattice-operator")
    pod = deploy["spec"]["template"]["spec"]
    c = pod["containers"][0]
    expect(deploy["metadata"]["namespace"] == "lattice", "Deployment not in the release namespace")
    expect(deploy["spec"]["replicas"] == 1, "replicaCount default 1")
    expect(
        deploy["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1},
        "one replica without leader election: old pod stops before the new one starts",
    )
    expect(c["image"] == "breezeml.jfrog.io/breezeml-docker/lattice-operator:0.1.0", f"image {c['image']}")
    expect(c["imagePullPolicy"] == "IfNotPresent", "imagePullPolicy default")
    expect(
        c["resources"]
        == {"limits": {"cpu": "100m", "memory": "128Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        f"resources {c['resources']}",
    )
    expect(pod["terminationGracePeriodSeconds"] == 10, "terminationGracePeriodSeconds default 10")
    expect("imagePullSecrets" not in pod, "no credentials: no imagePullSecrets")
    expect("nodeSelector" not in pod and "affinity" not in pod, "empty nodeSelector/affinity rendered")
    expect(c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "probes"}, "liveness probe")
    expect(c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "probes"}, "readiness probe")
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    expect(ports == {"metrics": 8080, "probes": 8081}, f"container ports {ports}")
    expect("--api-group=breezeml.ai" in c["args"], f"args {c['args']}")
    expect(not any(a.startswith("--namespace") for a in c["args"]), "all namespaces: no --namespace flag")
    expect(not any(a.startswith("--leader-elect") for a in c["args"]), "one replica: no leader election")
    expect("--identity=$(POD_NAME)" in c["args"], "identity from POD_NAME")
    expect(env_names(r) == ["POD_NAME", "POD_NAMESPACE"], f"env without license: {env_names(r)}")
    svc = r.one("Service")
    expect(svc["spec"]["type"] == "ClusterIP", "service type default")
    sports = {p["name"]: (p["port"], p["targetPort"]) for p in svc["spec"]["ports"]}
    expect(sports == {"metrics": (8080, "metrics"), "probes": (8081, "probes")}, f"service ports {sports}")
    expect("annotations" not in svc["metadata"], "no Prometheus annotations by default")
    notes = r.notes
    for line in (
        "kubectl get deployment lattice-operator --namespace lattice",
        "kind: TrainingJob",
        "kubectl get tj --namespace lattice",
    ):
        expect(line in notes, f"NOTES.txt lacks {line!r}")


# ---------------------------------------------------------------- every key overridden
def case_template_all_keys():
    r = cr.render(["-f", ALL_KEYS])
    deploy = r.one("Deployment", "ml-operator")
    pod = deploy["spec"]["template"]["spec"]
    c = pod["containers"][0]
    args = c["args"]
    checks = {
        "affinity": pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
            "nodeSelectorTerms"
        ][0]["matchExpressions"][0]["key"]
        == "kubernetes.io/arch",
        "group": r.one("CustomResourceDefinition")["spec"]["group"] == "ml.example.com"
        and "--api-group=ml.example.com" in args,
        "image+imageTag": c["image"] == "registry.example.com:5000/team/lattice-operator:9.9.9",
        "imagePullPolicy": c["imagePullPolicy"] == "Always",
        "monitorNamespace": "--namespace=ml-jobs" in args
        and r.one("Role", "ml-operator")["metadata"]["namespace"] == "ml-jobs",
        "nodeSelector": pod["nodeSelector"] == {"eks.amazonaws.com/nodegroup": "Group1"},
        "tolerations": pod["tolerations"][0]["key"] == "dedicated",
        "replicaCount": deploy["spec"]["replicas"] == 3
        and "--leader-elect=true" in args
        and "--leader-election-id=ml-operator" in args
        and deploy["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0},
        "resources": c["resources"]
        == {"limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "200m", "memory": "256Mi"}},
        "service.enablePrometheus": r.one("Service")["metadata"]["annotations"]["prometheus.io/port"]
        == "9091"
        and deploy["spec"]["template"]["metadata"]["annotations"]["prometheus.io/scrape"] == "true",
        "service.externalPort/internalPort": {
            (p["name"], p["port"]) for p in r.one("Service")["spec"]["ports"]
        }
        == {("metrics", 9090), ("probes", 9092)}
        and "--metrics-port=9091" in args,
        "service.probePort": "--probe-port=9092" in args
        and {p["containerPort"] for p in c["ports"]} == {9091, 9092},
        "service.type": r.one("Service")["spec"]["type"] == "NodePort",
        "terminationGracePeriodSeconds": pod["terminationGracePeriodSeconds"] == 42,
        "jfrog.secretName": r.one("Secret", "my-jfrog")["type"] == "kubernetes.io/basic-auth",
        "jfrog.dockerSecretName": r.one("Secret", "my-pull")["type"] == "kubernetes.io/dockerconfigjson"
        and pod["imagePullSecrets"] == [{"name": "my-pull"}],
        "jfrog.username/password": base64.b64decode(r.one("Secret", "my-jfrog")["data"]["username"])
        == b"alice",
        "license": base64.b64decode(r.one("Secret", "ml-operator-license")["data"]["license"])
        == b"LIC-ALL-KEYS-0001"
        and "LATTICE_LICENSE" in env_names(r),
        "crds.keep": "annotations" not in r.one("CustomResourceDefinition")["metadata"],
        "grafanaDashboard.enabled": r.one("ConfigMap", "ml-operator-dashboard")["metadata"]["labels"][
            "grafana_dashboard"
        ]
        == "1"
        and "lattice_jobs" in r.one("ConfigMap", "ml-operator-dashboard")["data"]["lattice-operator.json"]
        and not cr.render().kinds("ConfigMap"),
        "logLevel/logFormat": "--log-level=debug" in args and "--log-format=json" in args,
        "httpMaxConnections": "--http-max-connections=64" in args,
        "metrics.auth.enabled": "--metrics-auth=true" in args
        and r.one("ClusterRole", "ml-operator-lattice-metrics-reader")["rules"]
        == [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}],
        "metrics.tls.enabled": "--metrics-tls=true" in args
        and r.one("Service")["metadata"]["annotations"]["prometheus.io/scheme"] == "https",
        "metrics.tls.secretName": "--metrics-cert-dir=/etc/lattice/metrics-tls" in args
        and pod["volumes"] == [{"name": "metrics-tls", "secret": {"secretName": "ml-metrics-tls"}}],
        "extraArgs": args[-1] == "--requeue-timeout=5m",
        "autoscaler": {
            "--growth-policy=fair",
            "--service-class-gpu-hours=0.5,2,8",
            "--rescale-interval=5m",
            "--restart-cost=1m",
            "--resize-payback=8",
            "--arrival-window=30m",
            "--arrival-headroom-factor=1.5",
            "--growth-rounds=2",
            "--growth-age-fraction=0.5",
            "--growth-quiet=5m",
            "--reserve-for-head=false",
            "--lend-reserved=false",
            "--topology-keys=topology.kubernetes.io/rack,node-group",
            "--use-throughput=false",
            "--throughput-max-age=30m",
            "--min-marginal-speedup=0.6",
            "--throughput-poll-interval=1m",
            "--agent-status-port=29411",
            "--throughput-probe-timeout=5s",
            "--throughput-probe-concurrency=8",
            "--bind-pods-at-create=true",
        }
        <= set(args),
        "podSecurityContext": pod["securityContext"]["runAsUser"] == 1234,
        "securityContext": c["securityContext"]["readOnlyRootFilesystem"] is False,
        "fullnameOverride": r.one("Service")["metadata"]["name"] == "ml-operator",
        "nameOverride": deploy["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == "ml-lattice",
        "podDisruptionBudget.enabled": not r.kinds("PodDisruptionBudget"),
        "podDisruptionBudget.minAvailable": cr.render(
            ["-f", ALL_KEYS, "--set", "podDisruptionBudget.enabled=true"]
        ).one("PodDisruptionBudget", "ml-operator")["spec"]["minAvailable"]
        == 2,
        "admissionPolicy.enabled": len(r.kinds("ValidatingAdmissionPolicy")) == 1,
        "admissionPolicy.allowedServiceAccounts": r.one("ValidatingAdmissionPolicy")["spec"]["validations"][
            -1
        ]["expression"]
        == 'variables.serviceAccount in ["trainer"]',
        "admissionPolicy.validationActions": r.one("ValidatingAdmissionPolicyBinding")["spec"][
            "validationActions"
        ]
        == ["Warn", "Audit"],
        "admissionPolicy.namespaceSelector": r.one("ValidatingAdmissionPolicyBinding")["spec"][
            "matchResources"
        ]["namespaceSelector"]
        == {"matchLabels": {"team": "ml"}},
    }
    # With the Prometheus Operator's API present, enablePrometheus adds a ServiceMonitor.
    monitor = cr.render(["-f", ALL_KEYS, "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor"])
    endpoints = monitor.one("ServiceMonitor", "ml-operator")["spec"]["endpoints"]
    checks["service.enablePrometheus (ServiceMonitor)"] = endpoints == [
        {
            "port": "metrics",
            "path": "/metrics",
            "bearerTokenFile": "/var/run/secrets/kubernetes.io/serviceaccount/token",
            "scheme": "https",
            "tlsConfig": {"insecureSkipVerify": True},
        }
    ]
    checks["no ServiceMonitor without the API"] = not r.kinds("ServiceMonitor")
    failed = [k for k, ok in checks.items() if not ok]
    for k, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {k}")
    expect(not failed, f"overridden keys not reflected in the rendered objects: {failed}")
    # Every leaf key of values.yaml must be overridden by all-keys-values.yaml.
    defaults = cr.render().values
    overridden = r.values
    same = [k for k, v in flatten(defaults).items() if flatten(overridden).get(k) == v]
    expect(not same, f"all-keys-values.yaml leaves these keys at their default: {same}")


def flatten(values, prefix=""):
    out = {}
    for key, value in values.items():
        path = f"{prefix}{key}"
        if (
            isinstance(value, dict)
            and value
            and key
            not in ("affinity", "nodeSelector", "podSecurityContext", "securityContext", "namespaceSelector")
        ):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


# ---------------------------------------------------------------- values vs spec
def spec_values_table():
    rows = {}
    text = open(SPEC).read()
    section = text[text.index("### Installation configuration") :]
    for line in section.splitlines()[2:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] in ("Key", "-----") or set(cells[0]) <= {"-"}:
            continue
        rows[cells[0]] = cells[1:]
    return rows


def spec_default(key, cells):
    kind, default = cells[0], cells[1] if len(cells) > 1 else ""
    if key in ("jfrog.username", "jfrog.password", "license"):
        return ""  # the table's "default" column holds a description: no default
    default = default.strip("`")
    if kind == "int":
        return int(default)
    if kind == "bool":
        return default == "true"
    if kind == "object":
        return json.loads(default)
    return default.strip('"')


def case_values_match_spec():
    rows = spec_values_table()
    expect(len(rows) == 22, f"expected the spec's 22 values keys, parsed {len(rows)}: {sorted(rows)}")
    values = flatten(cr.render().values)
    for key, cells in rows.items():
        expect(key in values, f"spec key {key} missing from values.yaml")
        want = spec_default(key, cells)
        expect(values[key] == want, f"{key}: default {values[key]!r}, spec says {want!r}")
        print(f"ok {key} = {want!r}")
    # helm-docs: every leaf key of values.yaml carries a `# --` comment.
    undocumented = undocumented_keys(os.path.join(cr.CHART_DIR, "values.yaml"))
    expect(not undocumented, f"values.yaml keys without a '# --' helm-docs comment: {undocumented}")
    readme = open(os.path.join(cr.CHART_DIR, "README.md")).read()
    for key in values:
        expect(f"| {key} |" in readme, f"chart README.md values table lacks {key}")


def undocumented_keys(path):
    stack, missing, comment = [], [], False
    for line in open(path):
        stripped = line.strip()
        if stripped.startswith("# --"):
            comment = True
            continue
        if stripped.startswith("#") or not stripped:
            continue
        m = re.match(r"^( *)([A-Za-z][\w.]*):(.*)$", line.rstrip("\n"))
        if not m:
            continue  # list items, nested literal content
        indent = len(m.group(1)) // 2
        stack = stack[:indent] + [m.group(2)]
        is_parent = m.group(3).strip() == ""
        if not is_parent and not comment:
            missing.append(".".join(stack))
        if is_parent and comment:
            pass  # a documented object value (e.g. podSecurityContext)
        comment = False
    # Children of documented object values (podSecurityContext: ...) are part of that value.
    return [k for k in missing if k.split(".")[0] not in ("podSecurityContext", "securityContext")]


# ---------------------------------------------------------------- schema
SCHEMA_CASES = [
    # (--set argument, text the error must contain)
    ("replicaCount=two", "at '/replicaCount': got string, want integer"),
    ("replicaCount=0", "at '/replicaCount': minimum"),
    ("service.probePort=abc", "at '/service/probePort': got string, want integer"),
    ("service.externalPort=70000", "at '/service/externalPort': maximum"),
    ("service.enablePrometheus=yes", "at '/service/enablePrometheus': got string, want boolean"),
    ("service.type=Internal", "at '/service/type': value must be one of"),
    ("terminationGracePeriodSeconds=soon", "at '/terminationGracePeriodSeconds': got string, want integer"),
    ("nodeSelector=gpu", "at '/nodeSelector': got string, want object"),
    ("affinity=close", "at '/affinity': got string, want object"),
    ("imagePullPolicy=Sometimes", "at '/imagePullPolicy': value must be one of"),
    ("group=Not_A_Group", "at '/group'"),
    ("monitorNamespace=Bad_NS", "at '/monitorNamespace'"),
    ("resources.limits.cpu=lots", "at '/resources/limits/cpu'"),
    ("jfrog.secretName=", "at '/jfrog/secretName'"),
    ("crds.keep=maybe", "at '/crds/keep': got string, want boolean"),
    ("licence=typo", "additional properties 'licence' not allowed"),
    ("jfrog.user=alice", "additional properties 'user' not allowed"),
    ("nameOverride=Not_A_Name", "at '/nameOverride'"),
    ("podDisruptionBudget.minAvailable=-1", "at '/podDisruptionBudget/minAvailable': minimum"),
    ("admissionPolicy.enabled=sometimes", "at '/admissionPolicy/enabled': got string, want boolean"),
    (
        "admissionPolicy.validationActions={Block}",
        "at '/admissionPolicy/validationActions/0': value must be one of",
    ),
    ("admissionPolicy.allowedServiceAccounts={Bad'Name}", "at '/admissionPolicy/allowedServiceAccounts/0'"),
]


def case_schema_rejects():
    for arg, want in SCHEMA_CASES:
        result = cr.run_helm(
            ["template", "operator", cr.CHART_DIR, "--kube-version", cr.KUBE_VERSION, "--set", arg],
            check=False,
        )
        expect(result.returncode != 0, f"--set {arg} was accepted")
        expect(want in result.stderr, f"--set {arg}: error lacks {want!r}:\n{result.stderr}")
        print(f"ok --set {arg} -> {want}")
    # A numeric license or password given with --set is still text.
    r = cr.render(["--set", "license=12345,jfrog.username=1,jfrog.password=2"])
    expect(
        base64.b64decode(r.one("Secret", "lattice-operator-license")["data"]["license"]) == b"12345",
        "numeric license",
    )
    # Credentials come in pairs, with a clear message.
    result = cr.run_helm(
        [
            "template",
            "operator",
            cr.CHART_DIR,
            "--kube-version",
            cr.KUBE_VERSION,
            "--set",
            "jfrog.username=alice",
        ],
        check=False,
    )
    expect(
        result.returncode != 0 and "jfrog.username and jfrog.password must be set together" in result.stderr,
        f"username without password: {result.stderr}",
    )
    # Ports must not collide on the Service or the container.
    result = cr.run_helm(
        [
            "template",
            "operator",
            cr.CHART_DIR,
            "--kube-version",
            cr.KUBE_VERSION,
            "--set",
            "service.probePort=8080",
        ],
        check=False,
    )
    expect(result.returncode != 0 and "service.probePort" in result.stderr, f"port clash: {result.stderr}")
