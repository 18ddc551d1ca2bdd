# shellcheck shell=bash
# Settings come from cluster-common.sh and realnode-common.sh, sourced first.
# shellcheck disable=SC2154
# Bringing the real node up and down (sourced by scripts/cluster):
#   realnode_prepare      host state recorded, bridge, nftables, configs, certs
#                         (before the control plane starts: the API server
#                         listens on the bridge address)
#   realnode_start        containerd, the pause image, kubelet (GPU capacity),
#                         kube-proxy, CoreDNS; waits until the node is Ready
#   realnode_stop         pods deleted, processes stopped, every host change undone

realnode_prepare() {
  require_realnode_owner
  require_realnode_kernel_links
  mkdir -p "$realnode_dir"
  record_host_before
  touch "$realnode_dir/enabled"
  realnode_network_up
  ensure_pki
  ensure_realnode_pki
  write_realnode_configs
}

node_allocatable_gpus() {
  kubectl_admin get node "$realnode_name" -o jsonpath='{.status.allocatable.nvidia\.com/gpu}' 2>/dev/null
}

# Extended resources without a device plugin: the capacity is written into
# the Node's status; the kubelet copies it into allocatable on its next
# status update (about 10 s) and keeps it across restarts. Accounting only:
# the pods get no devices.
gpus_published() { [ "$(node_allocatable_gpus)" = "$realnode_gpus" ]; }

advertise_gpus() {
  gpus_published && return 0
  kubectl_admin patch node "$realnode_name" --subresource=status --type=json \
    -p "[{\"op\":\"add\",\"path\":\"/status/capacity/nvidia.com~1gpu\",\"value\":\"$realnode_gpus\"}]" >/dev/null ||
    die "could not set nvidia.com/gpu capacity on node $realnode_name"
  wait_for 60 "nvidia.com/gpu=$realnode_gpus in the allocatable of node $realnode_name" gpus_published ||
    die "the kubelet did not publish nvidia.com/gpu=$realnode_gpus; see $(log_file kubelet)"
}

realnode_start() {
  local archive
  start_component containerd
  archive=$(build_pause_image)
  import_image "$archive" "$realnode_pause_image"
  start_component kubelet
  wait_for 60 "node $realnode_name to register" kubectl_admin get node "$realnode_name" ||
    die "node $realnode_name did not register; see $(log_file kubelet)"
  advertise_gpus
  apply_coredns_rbac
  start_component kube-proxy
  start_component coredns
  kubectl_admin wait --for=condition=Ready "node/$realnode_name" --timeout=120s >/dev/null ||
    die "node $realnode_name is not Ready after 120s; see $(log_file kubelet)"
  log "real node $realnode_name Ready: $realnode_gpus nvidia.com/gpu, pods on $realnode_bridge ($realnode_cidr), taint $realnode_label=true:NoSchedule"
}

# Pods on the node are deleted while the kubelet still runs, so their
# sandboxes are torn down properly (CNI DEL, network namespace removed).
drain_realnode_pods() {
  local pods
  apiserver_ready && component_running kubelet || return 0
  kubectl_admin get node "$realnode_name" >/dev/null 2>&1 || return 0
  kubectl_admin cordon "$realnode_name" >/dev/null 2>&1 || true
  pods=$(kubectl_admin get pods -A --field-selector "spec.nodeName=$realnode_name" \
    -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{"\n"}{end}' 2>/dev/null)
  [ -n "$pods" ] || return 0
  log "deleting $(echo "$pods" | wc -l) pod(s) on $realnode_name"
  echo "$pods" | while read -r ns name; do
    kubectl_admin delete pod -n "$ns" "$name" --grace-period=10 --wait=false >/dev/null 2>&1 || true
  done
  wait_for 60 "the pods on $realnode_name to stop" realnode_has_no_pods ||
    log "warning: pods still on $realnode_name after 60s; their processes are killed"
}

realnode_has_no_pods() {
  [ -z "$(kubectl_admin get pods -A --field-selector "spec.nodeName=$realnode_name" -o name 2>/dev/null)" ]
}

# containerd's shims outlive containerd; ours are those given our socket.
kill_our_shims() {
  local pid cmdline
  for pid in $(pgrep -f containerd-shim 2>/dev/null); do
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    case "$cmdline" in *"$realnode_dir/containerd/"*) kill -KILL "$pid" 2>/dev/null || true ;; esac
  done
}

realnode_active() {
  local c
  realnode_enabled && return 0
  [ -f "$realnode_dir/host-before/complete" ] && return 0
  for c in "${realnode_components[@]}"; do component_running "$c" && return 0; done
  return 1
}

realnode_stop() {
  realnode_active || return 0
  drain_realnode_pods
  stop_component coredns
  stop_component kube-proxy
  if [ -x "$LATTICE_CLUSTER_BIN/kube-proxy" ]; then
    "$LATTICE_CLUSTER_BIN/kube-proxy" --cleanup >>"$(log_file kube-proxy)" 2>&1 || true
  fi
  stop_component kubelet
  if apiserver_ready; then
    kubectl_admin delete node "$realnode_name" --ignore-not-found --wait=false >/dev/null 2>&1 || true
    # Pods the controllers recreated meanwhile (e.g. a Deployment's) wait Pending.
    kubectl_admin delete pods -A --field-selector "spec.nodeName=$realnode_name" --force --grace-period=0 \
      >/dev/null 2>&1 || true
  fi
  kill_pod_processes
  stop_component containerd
  kill_our_shims
  realnode_host_down
  # Runtime state goes (as a reboot would clear /run); images stay.
  rm -rf "$realnode_dir/containerd/state" "$realnode_dir/containerd/runc" "$realnode_dir/cni/ipam"
  rm -f "$realnode_dir/enabled"
  log "real node stopped; host restored"
}
