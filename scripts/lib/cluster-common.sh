# shellcheck shell=bash
# Shared settings and helpers for scripts/cluster (sourced, not executed).
#
# Layout of $LATTICE_CLUSTER_DIR (default ~/.cache/lattice/cluster):
#   kubeconfig            admin kubeconfig (client cert in group system:masters)
#   pki/                  CA, serving and client certificates, service-account keys
#   etcd-data/            etcd's state (kept by `down`, removed by `down --purge`)
#   <component>.pid/.log  one per running process; logs are appended across restarts
#   <component>.kubeconfig  what each control-plane component authenticates as
#   audit.log(.N)         the API server's audit log (writes, Metadata level), audit-policy.yaml its policy

LATTICE_CACHE=${LATTICE_CACHE:-$HOME/.cache/lattice}
LATTICE_CLUSTER_DIR=${LATTICE_CLUSTER_DIR:-$LATTICE_CACHE/cluster}
LATTICE_CLUSTER_BIN=${LATTICE_CLUSTER_BIN:-$LATTICE_CACHE/bin/current}
cluster_dir=$LATTICE_CLUSTER_DIR
pki_dir=$cluster_dir/pki
admin_kubeconfig=$cluster_dir/kubeconfig

# Every listener is on loopback. The components' serving ports are fixed so
# `status` and tests can find them; `up` refuses to start if another program
# holds one. LATTICE_CLUSTER_PORT_OFFSET (default 0) shifts them all, so a
# second cluster (its own LATTICE_CLUSTER_DIR) can run beside the first.
port_offset=${LATTICE_CLUSTER_PORT_OFFSET:-0}
[[ $port_offset =~ ^[0-9]{1,4}$ ]] || {
  echo "cluster: error: LATTICE_CLUSTER_PORT_OFFSET must be an integer from 0 to 9999 (got \"$port_offset\")" >&2
  exit 1
}
apiserver_port=$((6443 + port_offset))
etcd_client_port=$((2379 + port_offset))
etcd_peer_port=$((2380 + port_offset))
controller_manager_port=$((10257 + port_offset))
scheduler_port=$((10259 + port_offset))
api_url=https://127.0.0.1:$apiserver_port
# Address ranges: Services, and the IPs kwok gives simulated pods.
# shellcheck disable=SC2034  # read by the files that source this one
service_cidr=10.0.0.0/24
# shellcheck disable=SC2034
kwok_pod_cidr=10.64.0.0/12

# Start order; `down` stops them in reverse.
components=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

log() { echo "cluster: $*" >&2; }
die() {
  echo "cluster: error: $*" >&2
  exit 1
}

kubectl_admin() { "$LATTICE_CLUSTER_BIN/kubectl" --kubeconfig "$admin_kubeconfig" "$@"; }

is_component() {
  local c
  for c in "${components[@]}"; do [ "$c" = "$1" ] && return 0; done
  return 1
}

pid_file() { echo "$cluster_dir/$1.pid"; }
log_file() { echo "$cluster_dir/$1.log"; }

# The pid recorded for COMPONENT if that process is alive and still runs the
# component's binary (guards against a recycled pid after a reboot).
component_pid() {
  local file pid exe
  file=$(pid_file "$1")
  [ -f "$file" ] || return 1
  pid=$(cat "$file")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  case "$(basename "$exe")" in "$1" | "$1 (deleted)") ;; *) return 1 ;; esac
  echo "$pid"
}

# True while PID exists and is not a zombie (a zombie holds no ports or files).
pid_alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

component_running() { component_pid "$1" >/dev/null; }

# Ports a component listens on, for the "port already taken" check.
component_ports() {
  case "$1" in
    etcd) echo "$etcd_client_port $etcd_peer_port" ;;
    kube-apiserver) echo "$apiserver_port" ;;
    kube-controller-manager) echo "$controller_manager_port" ;;
    kube-scheduler) echo "$scheduler_port" ;;
    kwok) echo "" ;;
    *) realnode_component_ports "$1" ;;
  esac
}

# Prints "port pid/program" for each listener on PORT (any address).
port_holders() {
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\("[^"]*",pid=[0-9]*\).*/\1/p'
}

require_free_ports() {
  local port holder
  for port in $(component_ports "$1"); do
    holder=$(port_holders "$port")
    [ -z "$holder" ] || die "cannot start $1: port $port is already in use by $holder (stop that program, or \`scripts/cluster down\` if it is a leftover of this cluster)"
  done
}

# Polls CMD... every 0.2s until it succeeds or TIMEOUT seconds pass.
wait_for() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.2
  done
}

# An HTTPS health endpoint of the API server, with the admin client cert.
apiserver_get() {
  curl -fsS --max-time 5 --cacert "$pki_dir/ca.crt" --cert "$pki_dir/admin.crt" \
    --key "$pki_dir/admin.key" "$api_url$1"
}

apiserver_ready() { [ "$(apiserver_get /readyz 2>/dev/null)" = "ok" ]; }

# Serving endpoints of the controller-manager and scheduler (self-signed certs;
# /healthz is always allowed).
local_healthz() { [ "$(curl -ksS --max-time 3 "https://127.0.0.1:$1/healthz" 2>/dev/null)" = "ok" ]; }

etcd_healthy() {
  curl -fsS --max-time 3 "http://127.0.0.1:$etcd_client_port/health" 2>/dev/null | grep -q '"health":"true"'
}

# Only one `up`/`down`/`start`/`stop` at a time (fixture, scripts/run and a
# developer may race).
take_cluster_lock() {
  mkdir -p "$cluster_dir"
  exec {cluster_lock_fd}>"$cluster_dir/.lock"
  flock "$cluster_lock_fd"
}
