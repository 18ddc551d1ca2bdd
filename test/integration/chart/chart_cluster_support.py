"""Shared helpers and constants of the chart's cluster tests (kubectl, helm, waits)."""

import json
import os
import shutil
import subprocess
import time

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
    result = subprocess.run(args, capture_output=True, text=True, input=input, env=env)
    if check and result.returncode != 0:
        raise AssertionError(
            f"`{' '.join(args)}` failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return result


def kubectl(*args, check=True, input=None):
    return run(["kubectl"] + list(args), check=check, input=input)


def kjson(*args):
    return json.loads(kubectl(*args, "-o", "json").stdout)


def expect(cond, message):
    if not cond:
        raise AssertionError(message)


def exists(*args):
    return kubectl("get", *args, "--ignore-not-found", "-o", "name", check=False).stdout.strip() != ""


def wait_until(what, predicate, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def require_cluster():
    result = kubectl("get", "--raw", "/readyz", check=False)
    expect(
        result.returncode == 0 and "ok" in result.stdout,
        f"cluster unreachable (KUBECONFIG={os.environ.get('KUBECONFIG')}): {result.stderr.strip()}",
    )
    for tool in ("kubectl", "helm"):
        expect(shutil.which(tool), f"{tool} not on PATH")


def release_installed():
    return run(["helm", "status", RELEASE, "-n", NS], check=False).returncode == 0


def can_i(verb, resource, namespace=None, subresource=None):
    args = ["auth", "can-i", verb, resource, f"--as={SA}"]
    args += ["-n", namespace] if namespace else ["--all-namespaces"]
    if subresource:
        args.append(f"--subresource={subresource}")
    return kubectl(*args, check=False).stdout.strip() == "yes"
