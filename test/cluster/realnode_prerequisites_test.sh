#!/usr/bin/env bash
# `scripts/cluster up --real-node` on a machine that lacks something says
# exactly what, one line each with how to get it, and stops; the simulated
# cluster's path is named as the way on. Runs the real checks
# (scripts/lib/realnode-common.sh) with the programs pointed at paths that do
# not exist, so it needs neither root nor the real node.
set -euo pipefail
source_dir=${LATTICE_SOURCE_DIR:?LATTICE_SOURCE_DIR is not set}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL [realnode_prerequisites]: $*" >&2; exit 1; }

out=$(
  LATTICE_CLUSTER_DIR=$work/cluster LATTICE_CLUSTER_BIN=$work/no-bin bash -c '
    . "$1/scripts/lib/cluster-common.sh"
    . "$1/scripts/lib/realnode-common.sh"
    containerd_bin=/nonexistent/containerd runc_bin=/nonexistent/runc cni_bin_dir=/nonexistent/cni
    cgroup_root=$2
    require_realnode_prerequisites' _ "$source_dir" "$work/no-cgroups" 2>&1
) && fail "require_realnode_prerequisites passed with nothing installed: $out"
echo "$out"
for expected in \
  "the real node cannot start on this machine; missing:" \
  "/nonexistent/containerd: missing (Debian packages containerd and runc: scripts/setup-deps --real-node)" \
  "/nonexistent/runc: missing" \
  "/nonexistent/cni/bridge: missing (Debian package containernetworking-plugins" \
  "/nonexistent/cni/host-local: missing" \
  "$work/no-bin/kubelet: missing (scripts/build-cluster-bins --real-node)" \
  "$work/no-bin/kube-proxy: missing" \
  "$work/no-bin/coredns: missing" \
  "cgroup: no cgroup v1 hierarchy $work/no-cgroups/memory (the kubelet needs cpu, cpuacct, cpuset, memory and pids)" \
  "cgroup: no cgroup v1 hierarchy $work/no-cgroups/pids" \
  "the simulated cluster does not need these: scripts/cluster up (without --real-node)"; do
  grep -qF -- "$expected" <<<"$out" || fail "the message lacks \"$expected\""
done

# With everything in place (this machine, after scripts/setup-deps
# --real-node and build-cluster-bins --real-node) the list is empty, so the
# failure above came from the missing programs and nothing else.
if [ -x /usr/bin/containerd ] && [ -x "$HOME/.cache/lattice/bin/current/kubelet" ] && [ "$(id -u)" = 0 ]; then
  rest=$(LATTICE_CLUSTER_DIR=$work/cluster LATTICE_CLUSTER_BIN=$HOME/.cache/lattice/bin/current bash -c '
    . "$1/scripts/lib/cluster-common.sh"
    . "$1/scripts/lib/realnode-common.sh"
    realnode_missing_prerequisites' _ "$source_dir")
  [ -z "$rest" ] || fail "with the real node's packages and binaries present, still reported: $rest"
  echo "with everything present: nothing reported"
fi
echo "ok: missing prerequisites are named with how to get them"
