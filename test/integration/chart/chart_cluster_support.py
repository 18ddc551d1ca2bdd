"""Shared helpers and constants of the chart's cluster tests (kubectl, helm, waits)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "e2e", "operator"))
import e2e_kube  # noqa: E402
from e2e_kube import exists, expect, kjson, require_cluster, wait_crd_established  # noqa: E402, F401

SOURCE_DIR = os.environ.get("LATTICE_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "..")
)
CHART = os.path.join(SOURCE_DIR, "helm", "lattice-operator")
EXAMPLE = os.path.join(SOURCE_DIR, "examples", "lattice-simple1.yaml")
INVALID = os.path.join(SOURCE_DIR, "examples", "invalid")
NS, RELEASE, CRD = "lattice", "operator", "trainingjobs.breezeml.ai"
SA = f"system:serviceaccount:{NS}:lattice-operator"
WATCHED = "lattice-chart-watched"  # the namespace of the monitorNamespace case
OTHER = "lattice-chart-other"  # a namespace with a Secret the operator must not read
# The spec's install command with test credentials (a license with characters
# that make a leak easy to grep for).
USER, PASSWORD, LICENSE = "ci-user", "ci-Passw0rd", "LIC-CHART-TEST-5b1e9c"
INSTALL = [
    "helm",
    "install",
    RELEASE,
    CHART,
    "--namespace",
    NS,
    "--create-namespace",
    "--set",
    f"jfrog.username={USER}",
    "--set",
    f"jfrog.password={PASSWORD}",
    "--set",
    f"license={LICENSE}",
]


def run(args, check=True, input=None, env=None):
    # helm installs and uninstalls with --wait, rollouts: longer than the scenarios' 120 s default.
    return e2e_kube.run(args, check=check, input=input, timeout=600, env=env)


def kubectl(*args, check=True, input=None):
    return e2e_kube.kubectl(*args, check=check, input=input, timeout=600)


def wait_until(what, predicate, timeout=120):
    return e2e_kube.wait_until(what, predicate, timeout=timeout)


def release_installed():
    return run(["helm", "status", RELEASE, "-n", NS], check=False).returncode == 0


def can_i(verb, resource, namespace=None, subresource=None):
    args = ["auth", "can-i", verb, resource, f"--as={SA}"]
    args += ["-n", namespace] if namespace else ["--all-namespaces"]
    if subresource:
        args.append(f"--subresource={subresource}")
    return kubectl(*args, check=False).stdout.strip() == "yes"
