#!/usr/bin/env bash
# The default simulated GPU nodes are listed, Ready, with nvidia.com/gpu
# allocatable 8 and node groups; add-nodes makes nodes with the asked GPUs,
# labels and taints in one batch, and delete-nodes removes them.
. "$(dirname "$0")/lib.sh"
require_cluster

for i in 0 1 2 3; do
  node=kwok-gpu-$i
  expect_eq "$node allocatable nvidia.com/gpu" 8 \
    "$(kubectl get node "$node" -o jsonpath='{.status.allocatable.nvidia\.com/gpu}')"
  expect_eq "$node capacity nvidia.com/gpu" 8 \
    "$(kubectl get node "$node" -o jsonpath='{.status.capacity.nvidia\.com/gpu}')"
  expect_eq "$node Ready" True \
    "$(kubectl get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')"
  expect_eq "$node allocatable cpu" 32 "$(kubectl get node "$node" -o jsonpath='{.status.allocatable.cpu}')"
  expect_eq "$node allocatable memory" 256Gi "$(kubectl get node "$node" -o jsonpath='{.status.allocatable.memory}')"
done
expect_eq "node group of kwok-gpu-0" a "$(kubectl get node kwok-gpu-0 -o jsonpath='{.metadata.labels.lattice\.dev/node-group}')"
expect_eq "node group of kwok-gpu-1" b "$(kubectl get node kwok-gpu-1 -o jsonpath='{.metadata.labels.lattice\.dev/node-group}')"
# kubectl get nodes, as a user would run it, shows them.
listed=$(kubectl get nodes --no-headers | awk '$1 ~ /^kwok-gpu-/ && $2 == "Ready"' | wc -l)
[ "$listed" -ge 4 ] || fail "kubectl get nodes: expected at least 4 Ready kwok-gpu-* nodes, got $listed"
note "ok: kubectl get nodes lists $listed Ready kwok-gpu nodes"

prefix=it-nodes-$RANDOM
trap '"$cluster_script" delete-nodes --prefix "$prefix" >/dev/null 2>&1 || true' EXIT
"$cluster_script" add-nodes --count 3 --prefix "$prefix" --gpus 4 --labels pool=spot,tier=test \
  --taints dedicated=training:NoSchedule,spot:PreferNoSchedule
expect_eq "nodes in set $prefix" 3 "$(kubectl get nodes -l "lattice.dev/node-set=$prefix" -o name | wc -l)"
expect_eq "$prefix-2 allocatable nvidia.com/gpu" 4 \
  "$(kubectl get node "$prefix-2" -o jsonpath='{.status.allocatable.nvidia\.com/gpu}')"
expect_eq "$prefix-2 Ready" True \
  "$(kubectl get node "$prefix-2" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')"
expect_eq "$prefix-0 label pool" spot "$(kubectl get node "$prefix-0" -o jsonpath='{.metadata.labels.pool}')"
expect_eq "$prefix-0 taints" "dedicated=training:NoSchedule spot=:PreferNoSchedule" \
  "$(kubectl get node "$prefix-0" -o jsonpath='{range .spec.taints[*]}{.key}={.value}:{.effect}{" "}{end}' | sed 's/ $//')"
# A second call continues the numbering instead of clashing.
"$cluster_script" add-nodes --count 1 --prefix "$prefix" --no-wait
expect_eq "node $prefix-3 exists" "node/$prefix-3" "$(kubectl get node "$prefix-3" -o name)"
# Bad input is refused with a message naming the option.
if out=$("$cluster_script" add-nodes --count 1 --prefix "$prefix" --taints 'x=y:Sometimes' 2>&1); then
  fail "add-nodes with an invalid taint effect succeeded"
fi
case "$out" in *--taints*) note "ok: invalid taint refused: $out" ;; *) fail "invalid taint: expected a message naming --taints, got: $out" ;; esac

"$cluster_script" delete-nodes --prefix "$prefix" >/dev/null
wait_until 30 "nodes of $prefix to be deleted" test -z "$(kubectl get nodes -l "lattice.dev/node-set=$prefix" -o name)"
note "ok: delete-nodes removed the set"
echo "PASS $test_name"
