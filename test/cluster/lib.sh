# shellcheck shell=bash
# Helpers for the cluster's integration tests (sourced). Each test runs with
# KUBECONFIG, PATH (cluster kubectl first) and LATTICE_SOURCE_DIR set by
# lattice_add_integration_test, and uses a namespace of its own.
set -euo pipefail

# shellcheck disable=SC2034  # used by the tests that source this
cluster_script=${LATTICE_SOURCE_DIR:?LATTICE_SOURCE_DIR is not set}/scripts/cluster
test_name=$(basename "$0" .sh)

fail() {
  echo "FAIL [$test_name]: $*" >&2
  if [ -n "${test_ns:-}" ]; then
    echo "--- pods and events in $test_ns:" >&2
    kubectl get pods -n "$test_ns" -o wide >&2 || true
    kubectl get events -n "$test_ns" --sort-by=.lastTimestamp >&2 || true
    echo "--- nodes:" >&2
    kubectl get nodes -o wide >&2 || true
  fi
  exit 1
}

note() { echo "[$test_name] $*"; }

# expect_eq WHAT EXPECTED GOT
expect_eq() {
  [ "$2" = "$3" ] || fail "$1: expected \"$2\", got \"$3\""
  note "ok: $1 = \"$3\""
}

# wait_until TIMEOUT WHAT CMD...: polls CMD every half second.
wait_until() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${timeout}s waiting for $what"
    sleep 0.5
  done
}

# Fails (not skips) when the cluster cannot be reached.
require_cluster() {
  kubectl get --raw /readyz >/dev/null 2>&1 ||
    fail "the cluster at KUBECONFIG=${KUBECONFIG:-unset} is not reachable (the fixture cluster_up should have started it)"
}

# make_namespace: a fresh namespace for this test (named
# <namespace_prefix>-<test>-..., prefix "it" unless set), deleted on exit. Waits for
# its default ServiceAccount (pods are rejected until the controller-manager
# has made it).
make_namespace() {
  test_ns="${namespace_prefix:-it}-${test_name//_/-}-$(date +%s)-$RANDOM"
  kubectl create namespace "$test_ns" >/dev/null
  trap 'kubectl delete namespace "$test_ns" --wait=false >/dev/null 2>&1 || true' EXIT
  wait_until 60 "ServiceAccount $test_ns/default" kubectl get serviceaccount default -n "$test_ns"
  note "namespace $test_ns"
}

pod_field() { kubectl get pod "$1" -n "$test_ns" -o jsonpath="$2"; }

pod_phase_is() { [ "$(pod_field "$1" '{.status.phase}')" = "$2" ]; }

# A minimal pod; extra YAML lines for metadata.annotations may follow.
# apply_pod NAME [ANNOTATIONS_YAML] [RESOURCES_YAML]
apply_pod() {
  local name=$1 annotations=${2:-} resources=${3:-}
  kubectl apply -n "$test_ns" -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: $name
  annotations: {$annotations}
spec:
  restartPolicy: Never
  containers:
  - name: worker
    image: example.invalid/trainer:1
    resources: {$resources}
EOF
}
