"""The chart's ci/*-values.yaml files (the set chart-testing installs): each passes
`helm lint --strict` without a warning and renders with `helm template` into what
the file is for."""

import glob
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chart_render as cr  # noqa: E402
from chart_render import container, expect  # noqa: E402


def names(r, kind):
    return sorted(o["metadata"]["name"] for o in r.kinds(kind))


# What each file must render into (a file without an entry fails the case).
EXPECTATIONS = {
    "default-values.yaml": lambda r: (
        names(r, "Deployment") == ["lattice-operator"]
        and not r.kinds("PodDisruptionBudget")
        and not r.kinds("ValidatingAdmissionPolicy")
        and not r.kinds("Secret")
    ),
    "ha-values.yaml": lambda r: (
        r.one("Deployment")["spec"]["replicas"] == 3
        and "--leader-elect=true" in container(r)["args"]
        and r.one("PodDisruptionBudget")["spec"]["minAvailable"] == 2
        and names(r, "Role") == ["lattice-operator-leader-election"]
    ),
    "namespaced-values.yaml": lambda r: (
        r.one("Role", "lattice-operator")["metadata"]["namespace"] == "ml-jobs"
        and "--namespace=ml-jobs" in container(r)["args"]
    ),
    "other-group-values.yaml": lambda r: (
        names(r, "CustomResourceDefinition") == ["trainingjobs.ml.example.com"]
        and names(r, "Deployment") == ["ml-lattice"]
        and "--api-group=ml.example.com" in container(r)["args"]
        and any(
            "ml.example.com" in rule["apiGroups"]
            for rule in r.one("ClusterRole", "ml-lattice-lattice")["rules"]
        )
    ),
    "admission-policy-values.yaml": lambda r: (
        names(r, "ValidatingAdmissionPolicy") == ["lattice-operator-lattice-pod-template"]
        and r.one("ValidatingAdmissionPolicyBinding")["spec"]["matchResources"]["namespaceSelector"]
        == {"matchLabels": {"lattice.breezeml.ai/tenant": "true"}}
    ),
    "monitoring-values.yaml": lambda r: (
        names(r, "Secret") == ["dockersecret", "jfrogsecret", "lattice-operator-license"]
        and names(r, "ConfigMap") == ["lattice-operator-dashboard"]
        and r.one("Service")["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    ),
}


def case_ci_values():
    files = sorted(glob.glob(os.path.join(cr.CHART_DIR, "ci", "*-values.yaml")))
    found = [os.path.basename(f) for f in files]
    expect(found, "no ci/*-values.yaml in the chart")
    expect(
        sorted(found) == sorted(EXPECTATIONS),
        f"ci files {found} and the expectations of chart_checks_ci.py {sorted(EXPECTATIONS)} differ",
    )
    for path in files:
        name = os.path.basename(path)
        lint = cr.run_helm(
            ["lint", "--strict", "--kube-version", cr.KUBE_VERSION, cr.CHART_DIR, "-f", path], check=False
        )
        expect(lint.returncode == 0, f"helm lint --strict -f ci/{name} failed:\n{lint.stdout}{lint.stderr}")
        expect("[WARNING]" not in lint.stdout, f"helm lint -f ci/{name} warned:\n{lint.stdout}")
        cr.run_helm(["template", "operator", cr.CHART_DIR, "--kube-version", cr.KUBE_VERSION, "-f", path])
        rendered = cr.render(["-f", path])
        expect(EXPECTATIONS[name](rendered), f"ci/{name} did not render what it is for")
        print(f"ok ci/{name}: lint --strict, template, {len(rendered.objects)} objects as expected")
