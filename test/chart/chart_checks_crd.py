"""Chart checks about the TrainingJob CRD: names, printer columns, schema, CEL rules,
and the integer ranges against the decoder's (k8s/codec/training_job_limits.hpp)."""

import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chart_render as cr  # noqa: E402
from chart_render import expect  # noqa: E402

sys.path.insert(0, os.path.join(cr.SOURCE_DIR, "helm", "crd-gen"))
import limits_header  # noqa: E402
import trainingjob_schema  # noqa: E402

TEMPLATE_PATH = "spec.replicaSpecs.template"
PRINTER_COLUMNS = [
    ("Stage", ".status.stage", 0),
    ("Size", ".status.currentSize", 0),
    ("Min", ".spec.minSize", 0),
    ("Max", ".spec.maxSize", 0),
    ("Priority", ".spec.priority", 0),
    ("Age", ".metadata.creationTimestamp", 0),
    ("Reason", ".status.reason", 1),
    ("GPUs", ".status.gpus.held", 1),
    ("Wanted", ".status.gpus.wanted", 1),
    ("Position", ".status.queuePosition", 1),
]


def crd_version(args=(), kube_version=cr.KUBE_VERSION, group="breezeml.ai"):
    crd = cr.render(list(args), kube_version=kube_version).one(
        "CustomResourceDefinition", f"trainingjobs.{group}"
    )
    (version,) = crd["spec"]["versions"]
    return crd, version


def case_crd():
    crd, version = crd_version()
    spec = crd["spec"]
    expect(spec["scope"] == "Namespaced" and spec["group"] == "breezeml.ai", "scope/group")
    expect(
        spec["names"]
        == {
            "kind": "TrainingJob",
            "listKind": "TrainingJobList",
            "plural": "trainingjobs",
            "singular": "trainingjob",
            "shortNames": ["tj"],
        },
        f"names {spec['names']}",
    )
    expect(
        crd["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}, "kept on uninstall by default"
    )
    expect(version["name"] == "v1" and version["served"] and version["storage"], "v1 served+storage")
    expect(version["subresources"] == {"status": {}}, "status subresource")
    cols = [(c["name"], c["jsonPath"], c.get("priority", 0)) for c in version["additionalPrinterColumns"]]
    expect(cols == PRINTER_COLUMNS, f"printer columns {cols}")
    schema = version["schema"]["openAPIV3Schema"]
    s = schema["properties"]["spec"]
    p = s["properties"]
    for field, default in (
        ("minSize", 1),
        ("maxSize", 1),
        ("injectLattice", False),
        ("framework", "pytorch"),
        ("priority", 0),
    ):
        expect(p[field].get("default") == default, f"spec.{field} default {p[field].get('default')!r}")
    expect(
        p["runPolicy"]["properties"]["cleanPodPolicy"]["enum"] == ["All", "Running", "None"], "cleanPodPolicy"
    )
    expect(
        set(p["runPolicy"]["properties"])
        == {"cleanPodPolicy", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished", "suspend"},
        "runPolicy fields",
    )
    template = p["replicaSpecs"]["properties"]["template"]
    containers = template["properties"]["spec"]["properties"]["containers"]
    expect(
        containers["minItems"] == 1 and "containers" in template["properties"]["spec"]["required"],
        "at least one container",
    )
    expect("resources" in containers["items"]["properties"], "pod template is a full PodTemplateSpec")
    meta = template["properties"]["metadata"]["properties"]
    expect({"labels", "annotations"} <= set(meta), "template metadata keeps labels/annotations")
    check_status(schema["properties"]["status"]["properties"])
    for field in (
        "runPolicy",
        "replicaSpecs",
        "minSize",
        "maxSize",
        "injectLattice",
        "framework",
        "priority",
    ):
        expect(p[field].get("description"), f"spec.{field} has no description")
    expect(structural_problems(schema) == [], f"non-structural schema: {structural_problems(schema)[:5]}")
    other = cr.render(["--set", "group=ml.example.com,crds.keep=false"]).one("CustomResourceDefinition")
    expect(other["metadata"]["name"] == "trainingjobs.ml.example.com", "group value names the CRD")
    expect(other["spec"]["group"] == "ml.example.com", "group value is the CRD's group")
    expect("annotations" not in other["metadata"], "crds.keep=false drops the keep policy")
    size = len(json.dumps(crd, separators=(",", ":")))
    print(f"CRD JSON size {size} bytes")
    expect(size < 262144, f"CRD is {size} bytes: too large for kubectl apply's last-applied annotation")


def check_status(status):
    for field in (
        "execStatus",
        "currentSize",
        "stage",
        "submitTime",
        "queuedTime",
        "lastExecTime",
        "completionTime",
        "requeueTime",
        "cooldownTime",
        "conditions",
        "reason",
        "message",
        "gpus",
        "queuePosition",
    ):
        expect(field in status and status[field].get("description"), f"status.{field} missing or undescribed")
    # .status.conditions: metav1.Condition, a list map keyed by type (what `kubectl wait` reads).
    conditions = status["conditions"]
    expect(
        conditions.get("x-kubernetes-list-type") == "map"
        and conditions.get("x-kubernetes-list-map-keys") == ["type"],
        f"status.conditions is not a list map keyed by type: {conditions}",
    )
    item = conditions["items"]
    expect(
        sorted(item["required"]) == ["lastTransitionTime", "message", "reason", "status", "type"],
        f"status.conditions[] required {item['required']}",
    )
    expect(
        set(item["properties"])
        == {"type", "status", "observedGeneration", "lastTransitionTime", "reason", "message"},
        f"status.conditions[] fields {set(item['properties'])}",
    )
    expect(item["properties"]["status"]["enum"] == ["True", "False", "Unknown"], "condition status enum")
    expect(item["properties"]["lastTransitionTime"]["format"] == "date-time", "lastTransitionTime format")


def structural_problems(schema, path="openAPIV3Schema"):
    """Every node needs a type unless it is int-or-string or preserves unknown fields."""
    problems = []
    if not (
        "type" in schema
        or schema.get("x-kubernetes-int-or-string")
        or schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        problems.append(path)
    for key, sub in schema.get("properties", {}).items():
        problems += structural_problems(sub, f"{path}.{key}")
    if isinstance(schema.get("items"), dict):
        problems += structural_problems(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        problems += structural_problems(schema["additionalProperties"], f"{path}{{}}")
    if "$ref" in schema or "allOf" in schema or "oneOf" in schema:
        problems.append(path + " ($ref/allOf/oneOf)")
    return problems


# ---------------------------------------------------------------- CEL rules
def rules_at(schema, path):
    node = schema
    for part in path.split("."):
        node = node["properties"][part]
    return node.get("x-kubernetes-validations", [])


def case_crd_cel_rules():
    _, version = crd_version()
    schema = version["schema"]["openAPIV3Schema"]
    spec_rules = rules_at(schema, "spec")
    pod_rules = rules_at(schema, "spec.replicaSpecs.template.spec")
    by_path = {r["fieldPath"]: r for r in spec_rules + pod_rules}
    expect(
        set(by_path) == {".maxSize", ".replicaSpecs.template.spec.containers", ".nodeName"},
        f"CEL rules by fieldPath {sorted(by_path)}",
    )
    expect("self.maxSize >= self.minSize" in by_path[".maxSize"]["rule"], "maxSize >= minSize rule")
    expect("spec.maxSize" in by_path[".maxSize"]["message"], "maxSize message names the field")
    expect("nodeName" in by_path[".nodeName"]["rule"], "nodeName rule")
    expect(by_path[".nodeName"]["reason"] == "FieldValueForbidden", "nodeName is Forbidden")
    expect("command" in by_path[".replicaSpecs.template.spec.containers"]["rule"], "injectLattice rule")
    # Older API servers: no CEL (1.22-1.24), CEL without fieldPath/reason (1.25-1.27).
    _, old = crd_version(kube_version="1.22.0")
    expect("x-kubernetes-validations" not in json.dumps(old), "1.22 must not get x-kubernetes-validations")
    _, mid = crd_version(kube_version="1.26.0")
    mid_schema = mid["schema"]["openAPIV3Schema"]
    for rule in rules_at(mid_schema, "spec") + rules_at(mid_schema, "spec.replicaSpecs.template.spec"):
        expect("fieldPath" not in rule and "reason" not in rule, f"1.26 rule {rule}")
    expect(len(rules_at(mid_schema, "spec")) == 2, "1.26 keeps both spec rules")


# ---------------------------------------------------------------- integer ranges
def integer_fields(schema, path=""):
    """(path, node) of every integer in the schema outside the pod template, in the
    notation of training_job_limits.hpp: `a.b`, `a[].b` (list items), `a{}.b` (map values)."""
    if path == TEMPLATE_PATH:
        return []
    found = [(path, schema)] if schema.get("type") == "integer" else []
    for key, sub in schema.get("properties", {}).items():
        found += integer_fields(sub, f"{path}.{key}" if path else key)
    if isinstance(schema.get("items"), dict):
        found += integer_fields(schema["items"], path + "[]")
    if isinstance(schema.get("additionalProperties"), dict):
        found += integer_fields(schema["additionalProperties"], path + "{}")
    return found


def template_int32_fields(schema):
    found = []

    def walk(node, path):
        if node.get("format") == "int32":
            found.append((path, node))
        for key, sub in node.get("properties", {}).items():
            walk(sub, f"{path}.{key}")
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                walk(node[key], path + ("[]" if key == "items" else "{}"))

    walk(schema["properties"]["spec"]["properties"]["replicaSpecs"]["properties"]["template"], TEMPLATE_PATH)
    return found


def case_crd_limits_match_decoder():
    decoder = limits_header.read_limits()
    written = trainingjob_schema.WRITTEN_ONLY
    expect(decoder, "no limits read from training_job_limits.hpp")
    expect(not set(decoder) & set(written), f"both read and written-only: {set(decoder) & set(written)}")
    _, version = crd_version()
    schema = version["schema"]["openAPIV3Schema"]
    fields = dict(integer_fields(schema))
    problems = []
    for path, (low, high) in decoder.items():
        node = fields.get(path)
        if node is None:
            problems.append(f"{path}: in training_job_limits.hpp but not an integer of the CRD")
            continue
        got = (node.get("minimum"), node.get("maximum"))
        if got != (low, high):
            problems.append(f"{path}: CRD range {got}, decoder range {(low, high)}")
        else:
            print(f"ok {path}: [{low}, {high}] in the CRD and the decoder")
    for path, node in fields.items():
        if path in decoder:
            continue
        if path not in written:
            problems.append(f"{path}: integer without a range in training_job_limits.hpp (or WRITTEN_ONLY)")
        elif (node.get("minimum"), node.get("maximum")) != written[path]:
            problems.append(f"{path}: CRD range differs from WRITTEN_ONLY {written[path]}")
    for path, node in fields.items():
        fmt = "int32" if -(2**31) <= node["minimum"] and node["maximum"] <= 2**31 - 1 else "int64"
        if node.get("format") != fmt:
            problems.append(f"{path}: format {node.get('format')}, range fits {fmt}")
    # The pod template: Kubernetes' int32 fields say their range (the API server
    # does not enforce `format: int32` by itself).
    int32 = template_int32_fields(schema)
    expect(len(int32) > 20, f"expected the pod template's int32 fields, found {len(int32)}")
    for path, node in int32:
        low, high = node.get("minimum"), node.get("maximum")
        if low is None or high is None or low < -(2**31) or high > 2**31 - 1:
            problems.append(f"{path}: int32 without an int32 range ({low}, {high})")
    # Quantities of the pod template are non-negative, as the decoder wants them.
    template = schema["properties"]["spec"]["properties"]["replicaSpecs"]["properties"]["template"]
    container = template["properties"]["spec"]["properties"]["containers"]["items"]
    quantity = container["properties"]["resources"]["properties"]["requests"]["additionalProperties"]
    if quantity.get("minimum") != 0 or quantity["pattern"].startswith("^(\\+|-)"):
        problems.append(f"container requests accept negative quantities: {quantity}")
    expect(not problems, "\n".join(problems))
    print(f"ok {len(int32)} int32 fields of the pod template have int32 ranges; quantities are non-negative")
