# shellcheck shell=bash
# Helpers for the real node's tests (label "real"), sourced. They run with
# KUBECONFIG, PATH (the cluster's kubectl and helm first), LATTICE_SOURCE_DIR
# and LATTICE_CLUSTER_DIR set by test/real/CMakeLists.txt.
set -euo pipefail

source_dir=${LATTICE_SOURCE_DIR:?LATTICE_SOURCE_DIR is not set}
cluster_script=$source_dir/scripts/cluster
test_name=$(basename "$0" .sh)
# shellcheck disable=SC2034  # used by the tests that source this
real_node=real-0
# shellcheck disable=SC2034
real_ip=10.244.77.1
# shellcheck disable=SC2034
real_dir=${LATTICE_CLUSTER_DIR:?LATTICE_CLUSTER_DIR is not set}/realnode

note() { echo "[$test_name] $(date -u +%T) $*"; }

fail() {
  echo "FAIL [$test_name]: $*" >&2
  if [ -n "${test_ns:-}" ]; then
    echo "--- pods and events in $test_ns:" >&2
    kubectl get pods -n "$test_ns" -o wide >&2 || true
    kubectl get events -n "$test_ns" --sort-by=.lastTimestamp >&2 | tail -30 || true
  fi
  exit 1
}

expect() {
  local what=$1
  shift
  "$@" || fail "$what"
  note "ok: $what"
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

# Fails (never skips) when the real node is not there.
require_real_node() {
  kubectl get --raw /readyz >/dev/null 2>&1 || fail "the cluster is not reachable (KUBECONFIG=${KUBECONFIG:-unset})"
  [ "$(kubectl get node "$real_node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] ||
    fail "node $real_node is not Ready (the fixture real_node_up runs scripts/cluster up --real-node)"
}

# make_namespace: a fresh namespace, deleted on exit.
make_namespace() {
  test_ns="real-${test_name//_/-}-$(date +%s)"
  kubectl create namespace "$test_ns" >/dev/null
  trap 'kubectl delete namespace "$test_ns" --wait=false >/dev/null 2>&1 || true' EXIT
  wait_until 60 "ServiceAccount $test_ns/default" kubectl get serviceaccount default -n "$test_ns"
  note "namespace $test_ns"
}

# The small Python image (the training image's base layer): built and
# imported once, then cached. Prints its tag.
python_image() {
  "$source_dir/scripts/build-training-image" --python-only --import | sed -n 's/^tag //p'
}

training_image() {
  "$source_dir/scripts/build-training-image" --import | sed -n 's/^tag //p'
}

# operator_image: builds the operator image (Release build, cached by
# ccache and the image layout), imports it as local.lattice/lattice-operator:
# <version> and prints that tag.
operator_image() {
  local out archive version tag
  out=$("$source_dir/scripts/build-image" 2>&1) || {
    echo "$out" >&2
    fail "scripts/build-image failed"
  }
  archive=$(echo "$out" | sed -n 's/^image: .* and \(.*\.tar\) (.*/\1/p')
  [ -n "$archive" ] || fail "scripts/build-image printed no archive: $out"
  archive=$source_dir/$archive
  version=$(basename "$archive" .tar)
  version=${version#lattice-operator-}
  tag=local.lattice/lattice-operator:$version
  "$cluster_script" import-image "$archive" "$tag" >&2
  echo "$tag"
}

# Scheduling onto the real node: its label and a toleration of its taint.
real_node_placement_yaml() {
  local indent=$1
  printf '%snodeSelector: {lattice.dev/real: "true"}\n' "$indent"
  printf '%stolerations: [{key: lattice.dev/real, operator: Equal, value: "true", effect: NoSchedule}]\n' "$indent"
}
