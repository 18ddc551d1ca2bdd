"""kubectl helpers of the side-by-side benchmark: manifests (YAML of the peers' modules) read as JSON,
objects applied and deleted by label, and the API server's per-FlowSchema request counters."""

import json
import re

from scale_kube import BenchError, kubectl

RUN_LABEL = "lattice.dev/bench-run"  # peers_manifests.RUN_LABEL

APF_DISPATCHED = "apiserver_flowcontrol_dispatched_requests_total"


def load_manifests(*paths):
    """The objects of YAML files (multi-document), as dicts: kubectl converts them (client side)."""
    objects = []
    for path in paths:
        text = kubectl("create", "--dry-run=client", "-o", "json", "-f", path).stdout
        objects += parse_json_stream(text)
    return objects


def parse_json_stream(text):
    """The objects of concatenated JSON documents (what kubectl prints for a multi-document file), a List's
    items spread out."""
    decoder, pos, out = json.JSONDecoder(), 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return out
        doc, pos = decoder.raw_decode(text, pos)
        out += doc.get("items", []) if doc.get("kind") == "List" else [doc]


def apply(objects, field_manager="lattice-bench-peers"):
    if not objects:
        return
    body = json.dumps({"apiVersion": "v1", "kind": "List", "items": objects})
    kubectl(
        "apply",
        "--server-side",
        "--force-conflicts",
        f"--field-manager={field_manager}",
        "-f",
        "-",
        input=body,
    )


def delete_labelled(kinds, label, namespace=None, wait=False):
    """Deletes every object of `kinds` (kubectl resource names) carrying `label` (key=value)."""
    args = [
        "delete",
        ",".join(kinds),
        "-l",
        label,
        "--ignore-not-found",
        f"--wait={'true' if wait else 'false'}",
    ]
    if namespace:
        args += ["-n", namespace]
    kubectl(*args, check=False, timeout=300)


def wait_established(crd_names, timeout=120):
    for name in crd_names:
        result = kubectl(
            "wait", "--for=condition=Established", f"crd/{name}", f"--timeout={timeout}s", check=False
        )
        if result.returncode != 0:
            raise BenchError(f"crd/{name} not Established: {result.stderr.strip()}")


_SAMPLE = re.compile(r'^(\w+)\{([^}]*)\}\s+(\S+)$')
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def flow_schema_counts(metrics_text, schemas):
    """{flow schema: requests dispatched} for the given FlowSchema names, from the API server's /metrics."""
    counts = dict.fromkeys(schemas, 0.0)
    for line in metrics_text.splitlines():
        if not line.startswith(APF_DISPATCHED + "{"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        labels = dict(_LABEL.findall(m.group(2)))
        schema = labels.get("flow_schema")
        if schema in counts:
            counts[schema] += float(m.group(3))
    return counts


def api_server_metrics(api):
    status, text = api.request("GET", "/metrics", content_type="text/plain")
    if status != 200:
        raise BenchError(f"GET /metrics answered {status}")
    return text if isinstance(text, str) else json.dumps(text)


def namespace(name, run_id):
    apply(
        [
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": name, "labels": {RUN_LABEL: run_id}},
            }
        ]
    )


def wait_sa(namespace, name):
    kubectl("wait", "--for=jsonpath={.metadata.name}=" + name, f"sa/{name}", "-n", namespace, "--timeout=60s")
