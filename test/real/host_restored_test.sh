#!/usr/bin/env bash
# `scripts/cluster down` undoes every host change of `scripts/cluster up
# --real-node`: interfaces, addresses, routes, iptables and nftables, mounts,
# sysctls, /etc, the directories containerd, runc, CNI and the kubelet use by
# default, cgroups and processes (test/cluster/host_state.sh lists what is
# compared). In between, pods really run: one that talks to the API server
# through the `kubernetes` Service and exits, and one still running when
# `down` starts.
#   host_restored_test.sh WORK_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
work=${1:?WORK_DIR}
rm -rf "$work" && mkdir -p "$work"

if [ -f "$real_dir/enabled" ]; then
  note "the real node is running: stopping it first to compare from a clean host"
  "$cluster_script" down --real-node
fi
cluster_was_running=0
"$cluster_script" status >/dev/null 2>&1 && cluster_was_running=1
# The node's packages first (idempotent): installing them writes /etc and adds
# tools the record reads (iptables-save, nft), which `down` rightly leaves.
"$source_dir/scripts/setup-deps" --real-node >&2
"$source_dir/test/cluster/host_state.sh" >"$work/before.txt"

start=$SECONDS
"$cluster_script" up --real-node
note "scripts/cluster up --real-node took $((SECONDS - start))s"
require_real_node
image=$(python_image)
ns=real-host-restored
kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
wait_until 60 "ServiceAccount $ns/default" kubectl get serviceaccount default -n "$ns"
kubectl apply -n "$ns" -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: api-call}
spec:
  restartPolicy: Never
$(real_node_placement_yaml "  ")
  containers:
    - name: main
      image: $image
      imagePullPolicy: IfNotPresent
      command: [python3, -c]
      args:
        - |
          import json, os, ssl, urllib.request
          sa = "/var/run/secrets/kubernetes.io/serviceaccount"
          ctx = ssl.create_default_context(cafile=sa + "/ca.crt")
          host = os.environ["KUBERNETES_SERVICE_HOST"] + ":" + os.environ["KUBERNETES_SERVICE_PORT"]
          req = urllib.request.Request("https://kubernetes.default.svc/version",
                                       headers={"Authorization": "Bearer " + open(sa + "/token").read()})
          print(json.load(urllib.request.urlopen(req, context=ctx, timeout=10))["gitVersion"], host)
---
apiVersion: v1
kind: Pod
metadata: {name: still-running}
spec:
  terminationGracePeriodSeconds: 2
$(real_node_placement_yaml "  ")
  volumes: [{name: scratch, emptyDir: {}}]
  containers:
    - name: main
      image: $image
      imagePullPolicy: IfNotPresent
      command: [python3, -c, "import time; time.sleep(3600)"]
      volumeMounts: [{name: scratch, mountPath: /scratch}]
YAML
api_call_succeeded() { [ "$(kubectl get pod -n "$ns" api-call -o jsonpath='{.status.phase}')" = Succeeded ]; }
wait_until 120 "pod api-call to succeed" api_call_succeeded
note "api-call: $(kubectl logs -n "$ns" api-call)"
kubectl wait -n "$ns" --for=condition=Ready pod/still-running --timeout=120s >/dev/null
note "pods ran; stopping the real node"

start=$SECONDS
if [ "$cluster_was_running" = 1 ]; then
  "$cluster_script" down --real-node
else
  "$cluster_script" down
fi
note "scripts/cluster down took $((SECONDS - start))s"
if [ "$cluster_was_running" = 1 ]; then
  kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
fi
"$source_dir/test/cluster/host_state.sh" >"$work/after.txt"
if ! diff -u "$work/before.txt" "$work/after.txt" >"$work/host.diff"; then
  cat "$work/host.diff" >&2
  fail "the host differs from before scripts/cluster up --real-node (diff above)"
fi
note "ok: after down the host is exactly as before up ($(grep -c . "$work/before.txt") lines compared)"
