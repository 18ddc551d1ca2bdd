# shellcheck shell=bash
# Settings come from cluster-common.sh and realnode-common.sh, sourced first.
# shellcheck disable=SC2154
# The real node's processes: containerd, kubelet, kube-proxy and CoreDNS
# (sourced by scripts/cluster). Their configuration files are written here;
# cluster-components.sh starts and stops them like the control plane.

realnode_kubeconfig() { echo "$realnode_dir/$1.kubeconfig"; }

# write_if_changed FILE < content: replaces FILE only when the content
# differs. kube-proxy exits when its configuration file is written, even
# with the same bytes, so a second `up` must leave unchanged files alone.
write_if_changed() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

# The identities of the real node's programs, signed by the cluster CA:
#   kubelet-real-0                 the Node authorizer's system:node:real-0
#   kube-proxy                     system:kube-proxy (default role system:node-proxier)
#   coredns                        lattice:coredns (ClusterRole below)
#   kube-apiserver-kubelet-client  what the API server shows the kubelet (logs, exec)
ensure_realnode_pki() {
  make_cert "kubelet-$realnode_name" "/O=system:nodes/CN=system:node:$realnode_name"
  make_cert kube-proxy "/CN=system:kube-proxy"
  make_cert coredns "/CN=lattice:coredns"
  local c
  for c in "kubelet-$realnode_name" kube-proxy coredns; do
    [ -s "$(realnode_kubeconfig "$c")" ] || write_kubeconfig "$(realnode_kubeconfig "$c")" "$c"
  done
}

write_containerd_config() {
  local d=$realnode_dir/containerd host
  mkdir -p "$d/root" "$d/state" "$d/opt" "$d/runc" "$d/certs.d/_default"
  write_if_changed "$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
# Root here lacks CAP_SYS_RESOURCE in some VMs: containerd must not try to
# lower its own OOM score.
oom_score = 0
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[debug]
  address = ""
  level = "warn"
[metrics]
  address = ""
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$d/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$realnode_pause_image"
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_selinux = false
    disable_apparmor = true
    # Without CAP_SYS_RESOURCE no sandbox starts otherwise (runc cannot set
    # oom_score_adj below the current value).
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      discard_unpacked_layers = false
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          BinaryName = "$runc_bin"
          Root = "$d/runc"
          SystemdCgroup = false
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "$cni_bin_dir"
      conf_dir = "$realnode_dir/cni/net.d"
      max_conf_num = 1
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "$d/certs.d"
EOF
  # Every registry name, and any other (_default), resolves to a local port
  # that refuses: an image that was not imported fails at once, locally.
  for host in _default docker.io registry-1.docker.io registry.k8s.io k8s.gcr.io gcr.io ghcr.io quay.io \
    local.lattice breezeml.jfrog.io nvcr.io public.ecr.aws mcr.microsoft.com; do
    mkdir -p "$d/certs.d/$host"
    write_if_changed "$d/certs.d/$host/hosts.toml" <<EOF
server = "https://$realnode_refusing_registry"
[host."https://$realnode_refusing_registry"]
  capabilities = ["pull", "resolve"]
EOF
  done
}

# The pods' network: the bridge plugin on $realnode_bridge without gateway
# mode (it would turn on ip_forward itself) or masquerading, host-local IPs,
# and one route: the Service range through the host (kube-proxy). No
# default route, so a pod cannot even try an address off the machine.
write_cni_config() {
  mkdir -p "$realnode_dir/cni/net.d" "$realnode_dir/cni/ipam"
  write_if_changed "$realnode_dir/cni/net.d/10-lattice-realnode.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "lattice-realnode",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$realnode_bridge",
      "isGateway": false,
      "isDefaultGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "promiscMode": false,
      "ipam": {
        "type": "host-local",
        "dataDir": "$realnode_dir/cni/ipam",
        "ranges": [[{"subnet": "$realnode_cidr", "rangeStart": "${realnode_ip%.*}.10",
                     "rangeEnd": "${realnode_ip%.*}.250", "gateway": "$realnode_ip"}]],
        "routes": [{"dst": "$service_cidr", "gw": "$realnode_ip"}]
      }
    }
  ]
}
EOF
}

write_kubelet_config() {
  mkdir -p "$realnode_dir/kubelet" "$realnode_dir/kubelet-pki" "$realnode_dir/pod-logs" "$realnode_dir/volume-plugins"
  # The pods' resolver is CoreDNS on the bridge address: cluster names only.
  printf 'nameserver %s\noptions ndots:1\n' "$realnode_ip" | write_if_changed "$realnode_dir/resolv.conf"
  write_if_changed "$realnode_dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The kubelet's API on the bridge only; the API server authenticates with its
# kubelet-client certificate, and the kubelet asks the API server (webhook)
# whether a caller may use it.
address: $realnode_ip
port: $kubelet_port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz_port
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki_dir/ca.crt}
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
cgroupsPerQOS: true
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$realnode_dir/containerd/containerd.sock
imageServiceEndpoint: unix://$realnode_dir/containerd/containerd.sock
resolvConf: $realnode_dir/resolv.conf
clusterDomain: cluster.local
clusterDNS: [$realnode_ip]
podLogsDir: $realnode_dir/pod-logs
volumePluginDir: $realnode_dir/volume-plugins
maxPods: 30
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
rotateCertificates: false
serverTLSBootstrap: false
# No KUBE-FIREWALL / canary chains from the kubelet.
makeIPTablesUtilChains: false
# Registered tainted: only pods that tolerate the taint land here.
registerWithTaints:
  - {key: $realnode_label, value: "true", effect: NoSchedule}
shutdownGracePeriod: 0s
EOF
}

kubelet_args() {
  echo --config="$realnode_dir/kubelet.yaml" --kubeconfig="$(realnode_kubeconfig "kubelet-$realnode_name")" \
    --root-dir="$realnode_dir/kubelet" --cert-dir="$realnode_dir/kubelet-pki" \
    --hostname-override="$realnode_name" --node-ip="$realnode_ip" \
    --node-labels="$realnode_label=true" --v=1
}

write_kube_proxy_config() {
  write_if_changed "$realnode_dir/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $(realnode_kubeconfig kube-proxy)}
mode: iptables
hostnameOverride: $realnode_name
clusterCIDR: $realnode_cidr
healthzBindAddress: 127.0.0.1:$kube_proxy_healthz_port
metricsBindAddress: 127.0.0.1:$kube_proxy_metrics_port
nodePortAddresses: ["$realnode_ip/32"]
# No sysctl changes: no route_localnet, no conntrack table resizing.
iptables: {masqueradeAll: false, localhostNodePorts: false, syncPeriod: 10s, minSyncPeriod: 1s}
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s, udpTimeout: 0s, udpStreamTimeout: 0s}
EOF
}

kube_proxy_args() { echo --config="$realnode_dir/kube-proxy.yaml" --v=1; }

# CoreDNS answers for the cluster domain and reverse zones only; with no
# forward plugin and no other zone, any other name is refused locally.
write_coredns_config() {
  mkdir -p "$realnode_dir/coredns"
  write_if_changed "$realnode_dir/coredns/Corefile" <<EOF
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    bind $realnode_ip
    errors
    health 127.0.0.1:$coredns_health_port
    ready 127.0.0.1:$coredns_ready_port
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $(realnode_kubeconfig coredns)
        pods insecure
        ttl 5
    }
    cache 5
    loadbalance
}
EOF
}

coredns_args() { echo -conf "$realnode_dir/coredns/Corefile"; }

# What CoreDNS's kubernetes plugin reads.
apply_coredns_rbac() {
  kubectl_admin apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "lattice:coredns"}
rules:
  - apiGroups: [""]
    resources: [services, namespaces, pods]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "lattice:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "lattice:coredns"}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: "lattice:coredns"}
EOF
}

realnode_component_args() {
  case "$1" in
    containerd) echo --config "$realnode_dir/containerd/config.toml" ;;
    kubelet) kubelet_args ;;
    kube-proxy) kube_proxy_args ;;
    coredns) coredns_args ;;
  esac
}

# Environment words for `env`: containerd's registry client would use a
# proxy for any registry host; a refusing local one means no DNS lookup of a
# registry name ever happens, whatever the hosts configuration says.
realnode_component_env() {
  case "$1" in
    containerd)
      echo "HTTPS_PROXY=http://$realnode_refusing_registry HTTP_PROXY=http://$realnode_refusing_registry" \
        "https_proxy=http://$realnode_refusing_registry http_proxy=http://$realnode_refusing_registry NO_PROXY= no_proxy="
      ;;
  esac
}

realnode_component_binary() {
  case "$1" in
    containerd) echo "$containerd_bin" ;;
    *) echo "$LATTICE_CLUSTER_BIN/$1" ;;
  esac
}

http_ok() { curl -fsS --max-time 3 -o /dev/null "$1" 2>/dev/null; }

realnode_component_healthy() {
  case "$1" in
    containerd) "$ctr_bin" --address "$realnode_dir/containerd/containerd.sock" version >/dev/null 2>&1 ;;
    kubelet) http_ok "http://127.0.0.1:$kubelet_healthz_port/healthz" ;;
    kube-proxy) http_ok "http://127.0.0.1:$kube_proxy_healthz_port/livez" ;;
    coredns) http_ok "http://127.0.0.1:$coredns_ready_port/ready" ;;
  esac
}

realnode_component_ports() {
  case "$1" in
    kubelet) echo "$kubelet_port $kubelet_healthz_port" ;;
    kube-proxy) echo "$kube_proxy_healthz_port $kube_proxy_metrics_port" ;;
    coredns) echo "$coredns_health_port $coredns_ready_port" ;;
  esac
}

write_realnode_configs() {
  write_containerd_config
  write_cni_config
  write_kubelet_config
  write_kube_proxy_config
  write_coredns_config
}
