#!/usr/bin/env python3
"""Generate helm/lattice-operator/templates/crd-trainingjobs.yaml.

The TrainingJob fields come from trainingjob_schema.py; replicaSpecs.template
is Kubernetes' own PodTemplateSpec, turned into a structural schema the way
controller-gen does it (refs inlined, Quantity/IntOrString as
x-kubernetes-int-or-string, embedded ObjectMeta with labels/annotations kept),
so the API server validates the pod template and `kubectl explain` documents
it. The OpenAPI document comes from the k8s.io/kubernetes module that
scripts/build-cluster-bins downloads (pinned in scripts/cluster-versions.env).

Usage: helm/crd-gen/generate_crd.py [--openapi api__v1_openapi.json] [--check]
  --check  exit 1 if the committed template differs from what would be generated.
"""

import argparse
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trainingjob_schema as tj  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUTPUT = os.path.join(ROOT, "helm", "lattice-operator", "templates", "crd-trainingjobs.yaml")
KEPT_FORMATS = {"int32", "int64", "byte", "date-time", "double"}
# Kubernetes' Quantity pattern without the leading minus: every quantity of a
# pod spec (requests, limits, overhead, sizeLimit) must be non-negative, and
# the operator's decoder refuses a negative one.
QUANTITY_PATTERN = (
    r"^\+?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?"
    r"(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
REF_PREFIX = "#/components/schemas/"


def default_openapi_path():
    versions = {}
    with open(os.path.join(ROOT, "scripts", "cluster-versions.env")) as f:
        for line in f:
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.strip().split("=", 1)
                versions[key] = value
    gomodcache = os.environ.get("GOMODCACHE") or os.path.join(
        os.environ.get("GOPATH") or os.path.expanduser("~/go"), "pkg", "mod"
    )
    return os.path.join(
        gomodcache,
        "k8s.io",
        "kubernetes@" + versions["K8S_VERSION"],
        "api",
        "openapi-spec",
        "v3",
        "api__v1_openapi.json",
    )


class Converter:
    """Turns Kubernetes OpenAPI v3 schemas into CRD structural schemas."""

    def __init__(self, schemas):
        self.schemas_ = schemas

    def convert(self, schema, depth=0):
        if depth > 40:
            raise RuntimeError("schema nesting too deep (recursive type?)")
        if "$ref" in schema:
            return self.convert_ref(schema["$ref"], depth)
        if "allOf" in schema and len(schema["allOf"]) == 1:
            out = self.convert(schema["allOf"][0], depth)
            if "description" in schema:
                out["description"] = first_sentence(schema["description"])
            return out
        out = {}
        if "description" in schema:
            out["description"] = first_sentence(schema["description"])
        for key in (
            "type",
            "minItems",
            "enum",
            "required",
            "nullable",
            "x-kubernetes-list-type",
            "x-kubernetes-list-map-keys",
            "x-kubernetes-map-type",
        ):
            if key in schema:
                out[key] = schema[key]
        if schema.get("format") in KEPT_FORMATS:
            out["format"] = schema["format"]
        # The API server does not enforce `format: int32`: say the range.
        if schema.get("type") == "integer" and schema.get("format") == "int32":
            out.setdefault("minimum", INT32_MIN)
            out.setdefault("maximum", INT32_MAX)
        if "items" in schema:
            out["items"] = self.convert(schema["items"], depth + 1)
        if isinstance(schema.get("additionalProperties"), dict):
            out["additionalProperties"] = self.convert(schema["additionalProperties"], depth + 1)
        if "properties" in schema:
            out["properties"] = {k: self.convert(v, depth + 1) for k, v in schema["properties"].items()}
        # A list-map key must be required or defaulted (the API server checks);
        # keep the scalar defaults of keys (e.g. ports' protocol TCP), drop the
        # rest: pods get their defaults when the operator creates them.
        if out.get("x-kubernetes-list-type") == "map":
            item = out["items"]
            for key in out.get("x-kubernetes-list-map-keys", []):
                prop = item["properties"][key]
                source = self.resolve(schema["items"])["properties"][key]
                if key not in item.get("required", []):
                    if "default" not in source or isinstance(source["default"], (dict, list)):
                        raise RuntimeError(f"list-map key {key} is neither required nor defaulted")
                    prop["default"] = source["default"]
        if "type" not in out and "properties" not in out and "items" not in out:
            out["x-kubernetes-preserve-unknown-fields"] = True
        return out

    def resolve(self, schema):
        while True:
            if "$ref" in schema:
                schema = self.schemas_[schema["$ref"][len(REF_PREFIX) :]]
            elif "allOf" in schema and len(schema["allOf"]) == 1:
                schema = schema["allOf"][0]
            else:
                return schema

    def convert_ref(self, ref, depth):
        name = ref[len(REF_PREFIX) :]
        source = self.schemas_[name]
        if name == "io.k8s.apimachinery.pkg.api.resource.Quantity":
            return {
                "anyOf": [{"type": "integer"}, {"type": "string"}],
                "minimum": 0,
                "pattern": QUANTITY_PATTERN,
                "x-kubernetes-int-or-string": True,
            }
        if name == "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
            return {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": True}
        if name in (
            "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
            "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
        ):
            return {"type": "string", "format": "date-time"}
        if name == "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta":
            return embedded_object_meta()
        return self.convert(source, depth + 1)


def first_sentence(text):
    """Pod-template descriptions are cut to their first sentence: the full
    text would make the CRD larger than the 256 KiB that `kubectl apply`
    (client side) can store in its last-applied annotation."""
    text = " ".join(text.split())
    match = re.search(r"(?<![ .][A-Za-z]\.)(?<!e\.g)(?<!i\.e)\. ", text)
    if match:
        text = text[: match.start() + 1]
    return text if len(text) <= 300 else text[:297].rstrip() + "..."


def embedded_object_meta():
    string_map = {"type": "object", "additionalProperties": {"type": "string"}}
    return {
        "type": "object",
        "properties": {
            "annotations": dict(string_map, description="Annotations of the worker pods."),
            "labels": dict(string_map, description="Labels of the worker pods."),
            "finalizers": {"type": "array", "items": {"type": "string"}},
            "name": {"type": "string"},
            "namespace": {"type": "string"},
        },
    }


def fill_pod_template(node, template):
    if isinstance(node, dict):
        return {
            k: (template if v == tj.POD_TEMPLATE else fill_pod_template(v, template)) for k, v in node.items()
        }
    if isinstance(node, list):
        return [fill_pod_template(v, template) for v in node]
    return node


PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-/]*$")
YAML_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if PLAIN.match(text) and text.lower() not in YAML_WORDS:
        out = text
    else:
        out = json.dumps(text)
    # The file is a Helm template: keep literal braces out of the template engine.
    return out.replace("{{", '{{ "{{" }}')


def emit(node, indent, lines):
    pad = "  " * indent
    if isinstance(node, dict):
        for key in sorted(node):
            value = node[key]
            if key == tj.CEL_RULES:
                lines.extend(cel_lines(value, indent))
            elif isinstance(value, dict) and value:
                lines.append(f"{pad}{scalar(key)}:")
                emit(value, indent + 1, lines)
            elif isinstance(value, list) and value:
                lines.append(f"{pad}{scalar(key)}:")
                emit(value, indent, lines)
            else:
                empty = (
                    "{}" if isinstance(value, dict) else "[]" if isinstance(value, list) else scalar(value)
                )
                lines.append(f"{pad}{scalar(key)}: {empty}")
    else:
        for item in node:
            if isinstance(item, dict):
                sub = []
                emit(item, indent + 1, sub)
                sub[0] = f"{pad}- " + sub[0].lstrip()
                lines.extend(sub)
            else:
                lines.append(f"{pad}- {scalar(item)}")


HEADER = """\
{{- /*
  GENERATED by helm/crd-gen/generate_crd.py from helm/crd-gen/trainingjob_schema.py
  and Kubernetes' PodTemplateSpec schema. Edit those, then run the generator.
  Upgrade policy (README.md): this CRD is a template, so `helm upgrade` updates it;
  it is kept on `helm uninstall` unless crds.keep=false.
*/ -}}
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: trainingjobs.{{ .Values.group }}
  labels:
    {{- include "lattice-operator.labels" . | nindent 4 }}
  {{- if .Values.crds.keep }}
  annotations:
    helm.sh/resource-policy: keep
  {{- end }}
spec:
  group: {{ .Values.group }}
  names:
    kind: TrainingJob
    listKind: TrainingJobList
    plural: trainingjobs
    singular: trainingjob
    shortNames:
      - tj
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      subresources:
        status: {}
"""

# CEL rules need API servers 1.25+ (fieldPath/reason 1.28+). Older servers
# would reject the unknown field, so the rules are emitted only when the
# target cluster supports them; the operator checks them everywhere.
CEL_OPEN = '{{- if semverCompare ">=1.25-0" .Capabilities.KubeVersion.Version }}'
CEL_FIELD_PATH_OPEN = '{{- if semverCompare ">=1.28-0" .Capabilities.KubeVersion.Version }}'
CEL_CLOSE = "{{- end }}"


def quoted(text):
    # The file is a Helm template: keep literal braces out of the template engine.
    return json.dumps(text).replace("{{", '{{ "{{" }}')


def cel_lines(rules, indent):
    pad = "  " * indent
    lines = [CEL_OPEN, f"{pad}x-kubernetes-validations:"]
    for rule in rules:
        lines += [
            f"{pad}  - rule: {quoted(rule['rule'])}",
            f"{pad}    message: {quoted(rule['message'])}",
            f"{pad}    {CEL_FIELD_PATH_OPEN}",
            f"{pad}    fieldPath: {json.dumps(rule['fieldPath'])}",
            f"{pad}    reason: {rule['reason']}",
            f"{pad}    {CEL_CLOSE}",
        ]
    lines.append(CEL_CLOSE)
    return lines


def render(openapi_path):
    with open(openapi_path) as f:
        schemas = json.load(f)["components"]["schemas"]
    pod_template = Converter(schemas).convert_ref(REF_PREFIX + "io.k8s.api.core.v1.PodTemplateSpec", 0)
    pod_template["description"] = (
        "Template of every worker pod of the job (a Kubernetes PodTemplateSpec). It needs at "
        "least one container; with injectLattice the first container needs an explicit command."
    )
    # A job's workers need a pod spec with at least one container.
    pod_template["required"] = ["spec"]
    pod_template["properties"]["spec"]["properties"]["containers"]["minItems"] = 1
    pod_template["properties"]["spec"][tj.CEL_RULES] = tj.POD_SPEC_CEL_RULES
    root = fill_pod_template(tj.TRAINING_JOB, pod_template)
    lines = HEADER.splitlines()
    lines.append("      additionalPrinterColumns:")
    emit(tj.PRINTER_COLUMNS, 4, lines)
    lines.append("      schema:")
    lines.append("        openAPIV3Schema:")
    emit(root, 5, lines)
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--openapi", default=default_openapi_path())
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if not os.path.exists(args.openapi):
        sys.exit(
            f"generate_crd: {args.openapi} not found (run scripts/build-cluster-bins, or pass --openapi)"
        )
    text = render(args.openapi)
    if args.check:
        with open(OUTPUT) as f:
            if f.read() != text:
                sys.exit(f"generate_crd: {OUTPUT} is stale: run helm/crd-gen/generate_crd.py")
        print(f"generate_crd: {OUTPUT} is up to date")
        return
    with open(OUTPUT, "w") as f:
        f.write(text)
    print(f"generate_crd: wrote {OUTPUT} ({len(text.splitlines())} lines)")


if __name__ == "__main__":
    main()
