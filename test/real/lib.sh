# shellcheck shell=bash
# Helpers for the real node's tests (label "real"), sourced. They run with
# KUBECONFIG, PATH (the cluster's kubectl and helm first), LATTICE_SOURCE_DIR
# and LATTICE_CLUSTER_DIR set by test/real/CMakeLists.txt.
set -euo pipefail

source_dir=${LATTICE_SOURCE_DIR:?LATTICE_SOURCE_DIR is not set}
# shellcheck disable=SC2034  # used by the tests that source this
real_node=real-0
# shellcheck disable=SC2034
real_ip=10.244.77.1
# shellcheck disable=SC2034
real_dir=${LATTICE_CLUSTER_DIR:?LATTICE_CLUSTER_DIR is not set}/realnode

# The cluster tests' helpers (cluster_script, test_name, wait_until,
# make_namespace, ...); note and fail are replaced below.
# shellcheck source=../cluster/lib.sh
. "$source_dir/test/cluster/lib.sh"
# shellcheck disable=SC2034  # read by make_namespace
namespace_prefix=real

# These two replace the cluster tests' versions: times on each line (the
# scenarios run for minutes) and the namespace's latest Events only.
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

# Fails (never skips) when the real node is not there.
require_real_node() {
  kubectl get --raw /readyz >/dev/null 2>&1 || fail "the cluster is not reachable (KUBECONFIG=${KUBECONFIG:-unset})"
  [ "$(kubectl get node "$real_node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] ||
    fail "node $real_node is not Ready (the fixture real_node_up runs scripts/cluster up --real-node)"
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
