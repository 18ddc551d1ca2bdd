#!/usr/bin/env bash
# KWOK's lattice-pod-exit stage: a pod annotated to exit 0 after a few seconds
# becomes Succeeded; one annotated with exit code 3 becomes Failed with
# exitCode 3; a pod with no annotation keeps running.
. "$(dirname "$0")/lib.sh"
require_cluster
make_namespace

apply_pod finishes '"lattice.dev/exit-after": "4s"'
apply_pod crashes '"lattice.dev/exit-after": "2s", "lattice.dev/exit-code": "3"'
apply_pod forever ""

wait_until 60 "pod finishes Running" pod_phase_is finishes Running
wait_until 60 "pod finishes Succeeded" pod_phase_is finishes Succeeded
expect_eq "finishes exitCode" 0 "$(pod_field finishes '{.status.containerStatuses[0].state.terminated.exitCode}')"
expect_eq "finishes reason" Completed "$(pod_field finishes '{.status.containerStatuses[0].state.terminated.reason}')"
started=$(date -d "$(pod_field finishes '{.status.startTime}')" +%s)
finished=$(date -d "$(pod_field finishes '{.status.containerStatuses[0].state.terminated.finishedAt}')" +%s)
[ $((finished - started)) -ge 3 ] || fail "finishes: expected to run ~4s, ran $((finished - started))s"
note "ok: finishes ran $((finished - started))s before exiting"

wait_until 60 "pod crashes Failed" pod_phase_is crashes Failed
expect_eq "crashes exitCode" 3 "$(pod_field crashes '{.status.containerStatuses[0].state.terminated.exitCode}')"
expect_eq "crashes reason" Error "$(pod_field crashes '{.status.containerStatuses[0].state.terminated.reason}')"

expect_eq "forever phase" Running "$(pod_field forever '{.status.phase}')"
# Deleting a finished pod works too (kwok's pod-delete stage).
kubectl delete pod crashes -n "$test_ns" --wait=false >/dev/null
wait_until 30 "pod crashes to be deleted" bash -c "! kubectl get pod crashes -n $test_ns"
echo "PASS $test_name"
