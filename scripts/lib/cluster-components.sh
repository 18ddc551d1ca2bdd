# shellcheck shell=bash
# Settings (cluster_dir, ports, ...) come from cluster-common.sh, sourced first.
# shellcheck disable=SC2154
# Starting and stopping the control-plane processes (sourced by scripts/cluster).
# Each runs in its own session (setsid) so it outlives the shell that started
# it, with its pid in <name>.pid and its output appended to <name>.log.

here_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kwok_stages=$here_lib/kwok-stages.yaml

# Seconds to wait for a component to become healthy. The API server's first
# start on a busy 2-core machine (other builds running) can take a while.
start_timeout=${LATTICE_CLUSTER_START_TIMEOUT:-180}

etcd_args() {
  # --unsafe-no-fsync: a disposable test cluster; losing the last writes on a
  # machine crash is acceptable, waiting on fsync behind parallel compiles is not.
  echo --name=lattice --data-dir="$cluster_dir/etcd-data" \
    --listen-client-urls="http://127.0.0.1:$etcd_client_port" \
    --advertise-client-urls="http://127.0.0.1:$etcd_client_port" \
    --listen-peer-urls="http://127.0.0.1:$etcd_peer_port" \
    --initial-advertise-peer-urls="http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster="lattice=http://127.0.0.1:$etcd_peer_port" \
    --quota-backend-bytes=$((4 * 1024 * 1024 * 1024)) \
    --unsafe-no-fsync=true --log-level=warn
}

apiserver_args() {
  # --etcd-compaction-interval=1m: etcd history older than one to two minutes
  # is compacted, so watches/lists at an old resourceVersion get 410 Gone
  # (see docs/testing.md). --shutdown-watch-termination-grace-period: on
  # SIGTERM, end open watches after 2s instead of waiting for them (stop
  # took 20s+ with the controllers connected).
  # With the real node the API server listens on the node's bridge address
  # (pods reach it through the `kubernetes` Service) and an nftables rule
  # maps 127.0.0.1:<port> onto it, so kubeconfigs stay the same.
  # --kubelet-preferred-address-types=InternalIP: never a node's hostname,
  # which would be looked up in the machine's resolver.
  local address=127.0.0.1
  if realnode_enabled; then address=$realnode_ip; fi
  echo --advertise-address="$address" --bind-address="$address" --secure-port="$apiserver_port" \
    --kubelet-preferred-address-types=InternalIP \
    --kubelet-client-certificate="$pki_dir/kube-apiserver-kubelet-client.crt" \
    --kubelet-client-key="$pki_dir/kube-apiserver-kubelet-client.key" \
    --etcd-servers="http://127.0.0.1:$etcd_client_port" --etcd-compaction-interval=1m \
    --cert-dir="$cluster_dir/kube-apiserver-certs" \
    --tls-cert-file="$pki_dir/apiserver.crt" --tls-private-key-file="$pki_dir/apiserver.key" \
    --client-ca-file="$pki_dir/ca.crt" \
    --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki_dir/sa.pub" \
    --service-account-signing-key-file="$pki_dir/sa.key" \
    --service-cluster-ip-range="$service_cidr" --allow-privileged=true \
    --profiling=false --shutdown-watch-termination-grace-period=2s
  audit_args # more words on a line of their own: the caller splits on any whitespace
}

# The audit log (docs/testing.md, "Audit log"): every write at Metadata
# level, one JSON object a line, in $cluster_dir/audit.log; bounded to
# 3 x 50 MiB. The policy is copied next to it, so the path has no spaces.
audit_args() {
  cp "$here_lib/audit-policy.yaml" "$cluster_dir/audit-policy.yaml"
  echo --audit-policy-file="$cluster_dir/audit-policy.yaml" --audit-log-path="$cluster_dir/audit.log" \
    --audit-log-format=json --audit-log-maxsize=50 --audit-log-maxbackup=2
}

controller_manager_args() {
  local kc=$cluster_dir/kube-controller-manager.kubeconfig
  # --use-service-account-credentials: each controller acts as its own
  # ServiceAccount with the default system:controller:* roles, as in kubeadm.
  # --leader-elect=false: one instance; a restart need not wait out a lease.
  # --node-monitor-grace-period=720s matches kwok's 600s node leases (below).
  # --controllers=*,-endpoint: no legacy Endpoints (deprecated since v1.33;
  # EndpointSlices remain). Each job's headless workers Service made the
  # Endpoints and EndpointSlice controllers rewrite both on every pod change:
  # ~6 of the ~90 writes/s the API server sustained in the standard scale run.
  echo --kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 --secure-port="$controller_manager_port" \
    --cert-dir="$cluster_dir/kube-controller-manager-certs" \
    --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics \
    --use-service-account-credentials=true \
    --service-account-private-key-file="$pki_dir/sa.key" --root-ca-file="$pki_dir/ca.crt" \
    --cluster-signing-cert-file="$pki_dir/ca.crt" --cluster-signing-key-file="$pki_dir/ca.key" \
    --leader-elect=false --kube-api-qps=100 --kube-api-burst=200 \
    --node-monitor-period=15s --node-monitor-grace-period=720s --controllers=*,-endpoint
}

scheduler_args() {
  local kc=$cluster_dir/kube-scheduler.kubeconfig cfg=$cluster_dir/kube-scheduler.yaml
  cat >"$cfg" <<EOF
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: $kc
  qps: 200
  burst: 400
leaderElection:
  leaderElect: false
EOF
  echo --config="$cfg" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --bind-address=127.0.0.1 --secure-port="$scheduler_port" \
    --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics
}

kwok_args() {
  # --v=WARN: at INFO kwok logs every status patch (GBs in a scale run).
  # No --server-address/--node-port: kwok then opens no port at all (no
  # kubectl logs/exec on simulated pods, which nothing here needs).
  # The pod CIDR is large so 100k simulated pods get distinct IPs.
  # Node leases of 600s are renewed every 150s: ~7 renewals/s for 1,000 nodes
  # (kwokctl's default 40s would be 100/s, too much for a busy 2-core machine).
  # The API server has still counted up to ~15 Lease PUTs/s at that size
  # (docs/benchmarks.md, "The standard size at 2–3 jobs/s").
  echo --kubeconfig="$admin_kubeconfig" --config="$kwok_stages" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds=600 --cidr="$kwok_pod_cidr" --v=WARN
}

# kwok takes a random identity per process and leaves another holder's node
# Lease alone until it expires (600s): a restarted kwok would ignore its
# nodes' pods for up to ten minutes. Only kwok writes these Leases (there are
# no kubelets), so they are deleted before it starts; it recreates them at once.
release_node_leases() {
  apiserver_ready || return 0
  kubectl_admin delete --raw /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases >/dev/null 2>&1 ||
    log "warning: could not delete the old node Leases; kwok takes over its nodes when they expire (600s)"
}

component_healthy() {
  case "$1" in
    etcd) etcd_healthy ;;
    kube-apiserver) apiserver_ready ;;
    kube-controller-manager) local_healthz "$controller_manager_port" ;;
    kube-scheduler) local_healthz "$scheduler_port" ;;
    kwok) kwok_settled ;;
    *) realnode_component_healthy "$1" ;;
  esac
}

# kwok opens no port to probe: it counts as up once it has run for 3 s,
# long enough to have read its configuration (a bad one exits at once).
kwok_settled() {
  local pid age
  pid=$(component_pid kwok) || return 1
  age=$(ps -o etimes= -p "$pid" 2>/dev/null | tr -d ' ')
  [ -n "$age" ] && [ "$age" -ge 3 ]
}

# Waits until NAME is healthy; fails early, with the log's tail, if it exits.
# The exit check looks at the pid alone: right after `setsid` the process may
# not have exec'd the component's binary yet.
wait_healthy() {
  local name=$1 deadline=$((SECONDS + start_timeout)) pid
  pid=$(cat "$(pid_file "$name")" 2>/dev/null || true)
  until component_healthy "$name"; do
    if [ -z "$pid" ] || ! pid_alive "$pid"; then
      log "$name exited during start-up; last lines of $(log_file "$name"):"
      tail -n 25 "$(log_file "$name")" >&2
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$name not healthy after ${start_timeout}s; last lines of $(log_file "$name"):"
      tail -n 25 "$(log_file "$name")" >&2
      return 1
    fi
    sleep 0.3
  done
}

start_component() {
  local name=$1 bin args env_words
  if component_running "$name"; then
    wait_healthy "$name"
    return
  fi
  bin=$LATTICE_CLUSTER_BIN/$name
  env_words=""
  if is_realnode_component "$name"; then
    bin=$(realnode_component_binary "$name")
    env_words=$(realnode_component_env "$name")
  fi
  [ -x "$bin" ] || die "$bin is missing: run scripts/build-cluster-bins"
  require_free_ports "$name"
  [ "$name" != kwok ] || release_node_leases
  case "$name" in
    etcd) args=$(etcd_args) ;;
    kube-apiserver) args=$(apiserver_args) ;;
    kube-controller-manager) args=$(controller_manager_args) ;;
    kube-scheduler) args=$(scheduler_args) ;;
    kwok) args=$(kwok_args) ;;
    *) args=$(realnode_component_args "$name") ;;
  esac
  # Logs are appended across restarts; one older generation is kept once a
  # log passes 64 MiB.
  if [ "$(stat -c %s "$(log_file "$name")" 2>/dev/null || echo 0)" -gt $((64 * 1024 * 1024)) ]; then
    mv -f "$(log_file "$name")" "$(log_file "$name").1"
  fi
  echo "==== $(date -u +%FT%TZ) starting $name" >>"$(log_file "$name")"
  # Paths contain no spaces (checked in scripts/cluster), so word splitting of
  # $args is what we want. setsid detaches it from our session and terminal.
  # No globbing either: --controllers=*,... is meant literally.
  # The cluster lock's fd is closed for the child, or the lock would be held
  # for as long as the component runs.
  set -f
  # shellcheck disable=SC2086
  setsid env $env_words "$bin" $args >>"$(log_file "$name")" 2>&1 </dev/null {cluster_lock_fd}>&- &
  set +f
  echo $! >"$(pid_file "$name")"
  log "started $name (pid $!), log $(log_file "$name")"
  wait_healthy "$name"
}

# SIGTERM, then SIGKILL after a grace period; idempotent.
stop_component() {
  local name=$1 pid deadline
  if ! pid=$(component_pid "$name"); then
    rm -f "$(pid_file "$name")"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 20))
  while pid_alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  if pid_alive "$pid"; then
    log "$name (pid $pid) ignored SIGTERM for 20s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    while pid_alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$(pid_file "$name")"
  echo "==== $(date -u +%FT%TZ) stopped $name (pid $pid)" >>"$(log_file "$name")"
  log "stopped $name (pid $pid)"
}
