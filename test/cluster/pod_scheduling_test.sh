#!/usr/bin/env bash
# A plain pod without nodeName is bound by kube-scheduler to a simulated GPU
# node and becomes Running; GPU capacity is enforced (a pod asking for more
# GPUs than any node has stays Pending, Unschedulable); deletion works.
. "$(dirname "$0")/lib.sh"
require_cluster
make_namespace

apply_pod plain "" ""
apply_pod gpu4 "" "limits: {nvidia.com/gpu: 4}"
apply_pod gpu9 "" "limits: {nvidia.com/gpu: 9}"

wait_until 60 "pod plain Running" pod_phase_is plain Running
node=$(pod_field plain '{.spec.nodeName}')
case "$node" in kwok-*) note "ok: plain was bound to $node" ;; *) fail "plain: expected a kwok-* node, got \"$node\"" ;; esac
scheduled_by=$(kubectl get events -n "$test_ns" --field-selector involvedObject.name=plain,reason=Scheduled \
  -o jsonpath='{.items[*].reportingComponent} {.items[*].source.component}')
case "$scheduled_by" in *default-scheduler*) note "ok: Scheduled event from default-scheduler" ;;
  *) fail "plain: expected a Scheduled event from default-scheduler, got \"$scheduled_by\"" ;; esac
expect_eq "plain container state" running "$(pod_field plain '{.status.containerStatuses[0].state}' | grep -o running | head -1)"
[ -n "$(pod_field plain '{.status.podIP}')" ] || fail "plain: expected a pod IP, got none"

wait_until 60 "pod gpu4 Running" pod_phase_is gpu4 Running
wait_until 60 "pod gpu9 marked unschedulable" test "$(pod_field gpu9 '{.status.conditions[?(@.type=="PodScheduled")].reason}')" = Unschedulable
expect_eq "gpu9 phase" Pending "$(pod_field gpu9 '{.status.phase}')"
msg=$(pod_field gpu9 '{.status.conditions[?(@.type=="PodScheduled")].message}')
case "$msg" in *"Insufficient nvidia.com/gpu"*) note "ok: gpu9 unschedulable: $msg" ;; *) fail "gpu9: expected \"Insufficient nvidia.com/gpu\", got \"$msg\"" ;; esac

kubectl delete pod plain -n "$test_ns" --wait=false >/dev/null
wait_until 30 "pod plain to be deleted" bash -c "! kubectl get pod plain -n $test_ns"
note "ok: a deleted running pod is removed"
echo "PASS $test_name"
