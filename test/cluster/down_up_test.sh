#!/usr/bin/env bash
# Stopping and starting the cluster works twice in a row, leaves no process
# or port behind, is safe to repeat, and keeps the state in etcd; a single
# component (kube-apiserver) can be stopped and started on its own. Runs
# alone (RUN_SERIAL) and leaves the cluster up for the tests after it.
. "$(dirname "$0")/lib.sh"
require_cluster

cache=${LATTICE_CACHE:-$HOME/.cache/lattice}
cluster_dir=${LATTICE_CLUSTER_DIR:-$cache/cluster}
offset=${LATTICE_CLUSTER_PORT_OFFSET:-0}
apiserver_port=$((6443 + offset))
ports="$apiserver_port $((2379 + offset)) $((2380 + offset)) $((10257 + offset)) $((10259 + offset))"
make_namespace
ns=$test_ns
kubectl create configmap survivor -n "$ns" --from-literal=value=kept >/dev/null
probes=0

# Processes of this cluster: a binary from the cluster's cache whose command
# line names this cluster's directory (another cluster may run beside it).
cluster_processes() {
  local exe pid
  for exe in /proc/[0-9]*/exe; do
    pid=${exe#/proc/}
    pid=${pid%/exe}
    case "$(readlink "$exe" 2>/dev/null)" in "$cache/bin/"*) ;; *) continue ;; esac
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$cluster_dir/" || continue
    echo "$pid $(readlink "$exe")"
  done
}
listening_ports() {
  local p
  for p in $ports; do ss -Hltn "sport = :$p" | grep -q . && echo "$p"; done
  return 0
}

assert_all_gone() {
  expect_eq "cluster processes after down" "" "$(cluster_processes)"
  expect_eq "listening cluster ports after down" "" "$(listening_ports | tr '\n' ' ' | sed 's/ $//')"
  if "$cluster_script" status >/dev/null 2>&1; then fail "status: expected a non-zero exit with the cluster down"; fi
}

assert_up() {
  "$cluster_script" status >/dev/null || fail "status: expected exit 0 with the cluster up"
  expect_eq "configmap kept across down/up" kept \
    "$(kubectl get configmap survivor -n "$ns" -o jsonpath='{.data.value}')"
  expect_eq "Ready kwok-gpu nodes" 4 \
    "$(kubectl get nodes --no-headers | awk '$1 ~ /^kwok-gpu-[0-3]$/ && $2 == "Ready"' | wc -l)"
  # The restarted kwok must take over its nodes at once (not after their
  # Leases expire): a new pod runs within seconds.
  probes=$((probes + 1))
  apply_pod "probe-$probes"
  wait_until 30 "pod probe-$probes Running after the restart" pod_phase_is "probe-$probes" Running
  note "ok: a new pod runs after the restart"
}

for round in 1 2; do
  note "round $round: down"
  "$cluster_script" down
  assert_all_gone
  "$cluster_script" down # a second down is harmless
  assert_all_gone
  note "round $round: up"
  "$cluster_script" up
  assert_up
  out=$("$cluster_script" up 2>&1)
  case "$out" in *"reusing the running cluster"*) note "ok: a second up reuses the cluster" ;;
    *) fail "second up: expected it to reuse the running cluster, got: $out" ;; esac
  assert_up
done

note "stop and start kube-apiserver alone"
"$cluster_script" stop kube-apiserver
if kubectl get --raw /readyz --request-timeout=3s >/dev/null 2>&1; then fail "API server still answers after stop"; fi
expect_eq "port $apiserver_port after stopping kube-apiserver" "" "$(ss -Hltn "sport = :$apiserver_port")"
expect_eq "etcd still running" 1 "$(cluster_processes | grep -c '/etcd$' || true)"
"$cluster_script" start kube-apiserver
assert_up
if out=$("$cluster_script" stop kube-proxy 2>&1); then fail "stop kube-proxy: expected an error"; fi
case "$out" in *"COMPONENT must be one of"*) note "ok: unknown component refused" ;; *) fail "stop kube-proxy: got: $out" ;; esac
echo "PASS $test_name"
