"""Render the Helm chart into Python objects with the real helm binary.

Python's standard library has no YAML parser, so helm itself converts: a
temporary copy of the chart gets one extra template that `include`s every
other template, splits the documents and prints them with `toJson`. What the
tests see is exactly what `helm template` renders.
"""

import json
import os
import shutil
import subprocess
import tempfile

SOURCE_DIR = os.environ.get("LATTICE_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..")
)
CHART_DIR = os.path.join(SOURCE_DIR, "helm", "lattice-operator")
RENDER_TEMPLATE = "zz-test-render-json.yaml"


def versions():
    out = {}
    with open(os.path.join(SOURCE_DIR, "scripts", "cluster-versions.env")) as f:
        for line in f:
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.strip().split("=", 1)
                out[key] = value
    return out


# The local cluster's Kubernetes version: templates render for it unless a
# test asks for another (helm built without release ldflags assumes 1.20).
KUBE_VERSION = versions()["K8S_VERSION"]


def helm_binary():
    configured = os.environ.get("LATTICE_HELM")
    helm = configured or shutil.which("helm")
    if not helm or not os.access(helm, os.X_OK):
        where = f"at LATTICE_HELM={configured}" if configured else "on PATH"
        raise SystemExit(
            f"FAIL: no helm binary {where}: run scripts/build-cluster-bins (it builds the pinned helm "
            "into ~/.cache/lattice/bin/current), or set LATTICE_HELM to a helm 3.8+ binary"
        )
    return helm


def run_helm(args, check=True):
    result = subprocess.run([helm_binary()] + args, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def _json_template(chart_dir):
    names = sorted(
        f
        for f in os.listdir(os.path.join(chart_dir, "templates"))
        if f.endswith(".yaml") and f != RENDER_TEMPLATE
    )
    listed = " ".join(f'"lattice-operator/templates/{n}"' for n in names)
    return (
        "{{- $docs := list }}\n"
        f"{{{{- range $name := list {listed} }}}}\n"
        "{{- range $doc := regexSplit \"(?m)^---[ \\t]*$\" (include $name $) -1 }}\n"
        "{{- if regexMatch \"(?m)^[a-zA-Z]\" $doc }}\n"
        "{{- $obj := fromYaml $doc }}\n"
        "{{- if hasKey $obj \"Error\" }}{{ fail (printf \"%s does not parse: %s\" $name $obj.Error) }}{{ end }}\n"
        "{{- $docs = append $docs (dict \"source\" $name \"object\" $obj) }}\n"
        "{{- end }}\n"
        "{{- end }}\n"
        "{{- end }}\n"
        "{{ toJson (dict \"documents\" $docs \"values\" .Values "
        "\"notes\" (include \"lattice-operator/templates/NOTES.txt\" .)) }}\n"
    )


def expect(cond, message):
    if not cond:
        raise AssertionError(message)


def container(rendered):
    return rendered.one("Deployment")["spec"]["template"]["spec"]["containers"][0]


def env_names(rendered):
    return [e["name"] for e in container(rendered).get("env", [])]


class Rendered:
    """Objects rendered by the chart, plus the computed values."""

    def __init__(self, documents, values, notes):
        self.notes = notes
        self.objects = [d["object"] for d in documents]
        self.sources = [d["source"] for d in documents]
        self.values = values

    def kinds(self, kind):
        return [o for o in self.objects if o.get("kind") == kind]

    def one(self, kind, name=None):
        found = [o for o in self.kinds(kind) if name is None or o["metadata"]["name"] == name]
        if len(found) != 1:
            raise AssertionError(
                f"expected one {kind} {name or ''}, rendered {len(found)}: "
                f"{[o['metadata']['name'] for o in self.kinds(kind)]}"
            )
        return found[0]


def render(args=(), kube_version=KUBE_VERSION, namespace="lattice", release="operator"):
    """Render with extra helm args (e.g. ["--set", "replicaCount=2"]); raises on helm errors."""
    with tempfile.TemporaryDirectory() as tmp:
        chart = os.path.join(tmp, "lattice-operator")
        shutil.copytree(CHART_DIR, chart)
        with open(os.path.join(chart, "templates", RENDER_TEMPLATE), "w") as f:
            f.write(_json_template(chart))
        result = run_helm(
            [
                "template",
                release,
                chart,
                "--namespace",
                namespace,
                "--kube-version",
                kube_version,
                "--show-only",
                f"templates/{RENDER_TEMPLATE}",
            ]
            + list(args)
        )
    body = "\n".join(
        line for line in result.stdout.splitlines() if line.strip() and not line.startswith(("#", "---"))
    )
    data = json.loads(body)
    return Rendered(data["documents"], data["values"], data["notes"])
