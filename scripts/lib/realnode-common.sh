# shellcheck shell=bash disable=SC2034,SC2154  # settings read by the files that source this one; cluster_dir from cluster-common.sh
# Settings (cluster_dir, ports, ...) come from cluster-common.sh, sourced first.
# The real node (scripts/cluster up --real-node): settings and prerequisite
# checks, sourced by scripts/cluster.
#
# One real node per machine: its bridge, iptables rules and kubelet ports are
# host resources. It runs kubelet, containerd (runc, CNI bridge plugin),
# kube-proxy (iptables mode) and CoreDNS as local processes; its pods live on
# the bridge $realnode_bridge, which has no uplink: pods have no default
# route, nothing is NATed off the machine, and forwarding is allowed only
# from the bridge back to the bridge.
#
# Layout of $realnode_dir ($LATTICE_CLUSTER_DIR/realnode):
#   enabled              present while the real node is part of the cluster
#   host-before/         what `up` found on the host, so `down` can restore it
#   containerd/          config, root (images; kept by `down`), state, runc root
#   cni/                 CNI configuration and IP allocations
#   kubelet/             the kubelet's root directory; kubelet-pki/ its serving cert
#   images/              image archives and import markers
#   shared/              a hostPath volume tests and examples share with pods
#   *.yaml, *.kubeconfig configurations of kubelet, kube-proxy and CoreDNS

realnode_dir=$cluster_dir/realnode
realnode_name=real-0
realnode_bridge=lattice0
realnode_cidr=10.244.77.0/24
realnode_ip=10.244.77.1
realnode_prefix=24
realnode_label=lattice.dev/real
realnode_gpus=${LATTICE_REAL_NODE_GPUS:-4}
# The pause image every pod sandbox runs; built locally (no registry).
realnode_pause_image=local.lattice/pause:3.10
# Where every registry name points: a local port nothing listens on, so a
# missing image fails at once, without a DNS query or a packet off the machine.
realnode_refusing_registry=127.0.0.1:9
# Ports: the kubelet's API on the bridge address only, the rest on loopback.
kubelet_port=10250
kubelet_healthz_port=10248
kube_proxy_healthz_port=10256
kube_proxy_metrics_port=10249
coredns_health_port=10253
coredns_ready_port=10254

# Start order; stopped in reverse.
realnode_components=(containerd kubelet kube-proxy coredns)

realnode_enabled() { [ -f "$realnode_dir/enabled" ]; }

is_realnode_component() {
  local c
  for c in "${realnode_components[@]}"; do [ "$c" = "$1" ] && return 0; done
  return 1
}

# Debian's packages of the real node (scripts/setup-deps --real-node).
containerd_bin=/usr/bin/containerd
ctr_bin=/usr/bin/ctr
runc_bin=/usr/sbin/runc
cni_bin_dir=/usr/lib/cni
cgroup_root=/sys/fs/cgroup

ctr_k8s() { "$ctr_bin" --address "$realnode_dir/containerd/containerd.sock" --namespace k8s.io "$@"; }

# Host paths containerd, runc, CNI and the kubelet write outside their
# configured directories (or would by default). `up` records which exist;
# `down` removes those that did not.
# /run/mount is util-linux's (umount writes its utab there).
realnode_host_paths=(/var/lib/kubelet /var/log/containers /var/log/pods /var/lib/cni /run/containerd
  /run/netns /var/lib/containerd /opt/containerd /etc/cni /opt/cni /var/lib/kube-proxy /run/kubernetes
  /usr/libexec/kubernetes /run/mount)

# Every missing prerequisite, one per line, each saying what to do; empty
# when the real node can run here.
realnode_missing_prerequisites() {
  local b h
  [ "$(id -u)" = 0 ] || echo "root: the real node changes network interfaces, routes and iptables; run as root"
  for b in "$containerd_bin" "$ctr_bin" "$runc_bin"; do
    [ -x "$b" ] || echo "$b: missing (Debian packages containerd and runc: scripts/setup-deps --real-node)"
  done
  for b in bridge host-local loopback portmap; do
    [ -x "$cni_bin_dir/$b" ] || echo "$cni_bin_dir/$b: missing (Debian package containernetworking-plugins: scripts/setup-deps --real-node)"
  done
  for b in iptables iptables-save ip6tables nft ip sysctl; do
    command -v "$b" >/dev/null || echo "$b: not on PATH (Debian packages iptables, nftables, iproute2: scripts/setup-deps --real-node)"
  done
  for b in kubelet kube-proxy coredns; do
    [ -x "$LATTICE_CLUSTER_BIN/$b" ] || echo "$LATTICE_CLUSTER_BIN/$b: missing (scripts/build-cluster-bins --real-node)"
  done
  # cgroups: the kubelet needs the cpu, memory and pids controllers, either as
  # cgroup v1 hierarchies or in a cgroup2 mount.
  if [ -f "$cgroup_root/cgroup.controllers" ]; then
    for h in cpu memory pids; do
      grep -qw "$h" "$cgroup_root/cgroup.controllers" ||
        echo "cgroup: the cgroup2 hierarchy at $cgroup_root lacks the $h controller"
    done
  else
    for h in cpu cpuacct memory pids cpuset; do
      [ -d "$cgroup_root/$h" ] || echo "cgroup: no cgroup v1 hierarchy $cgroup_root/$h (the kubelet needs cpu, cpuacct, cpuset, memory and pids)"
    done
  fi
  grep -qw overlay /proc/filesystems ||
    echo "kernel: no overlay filesystem (containerd's overlayfs snapshotter); load the module: modprobe overlay"
  if command -v iptables >/dev/null && ! iptables -w 5 -t nat -S >/dev/null 2>&1; then
    echo "kernel: iptables cannot read the nat table (nf_tables / NAT support; modprobe nf_nat nf_tables): $(iptables -w 5 -t nat -S 2>&1 | head -1)"
  fi
  if command -v nft >/dev/null && ! nft list tables >/dev/null 2>&1; then
    echo "kernel: nft cannot list tables (nf_tables support; modprobe nf_tables)"
  fi
  [ -e /proc/sys/net/ipv4/ip_forward ] || echo "kernel: no /proc/sys/net/ipv4/ip_forward (IPv4 networking)"
}

# Dies with the full list when anything is missing. The simulated (KWOK)
# cluster does not need any of it.
require_realnode_prerequisites() {
  local missing
  missing=$(realnode_missing_prerequisites)
  [ -z "$missing" ] && return 0
  echo "cluster: error: the real node cannot start on this machine; missing:" >&2
  # shellcheck disable=SC2001
  echo "$missing" | sed 's/^/  - /' >&2
  echo "cluster: the simulated cluster does not need these: scripts/cluster up (without --real-node)" >&2
  exit 1
}

# Kernel support that only shows by trying: a bridge and a veth pair, created
# and deleted at once under names nothing else uses.
require_realnode_kernel_links() {
  local out
  if ! out=$(ip link add lattice-chk0 type bridge 2>&1); then
    die "the kernel cannot create a bridge interface ($out); the real node needs CONFIG_BRIDGE (modprobe bridge)"
  fi
  ip link del lattice-chk0
  if ! out=$(ip link add lattice-chk1 type veth peer name lattice-chk2 2>&1); then
    die "the kernel cannot create veth pairs ($out); the real node needs CONFIG_VETH (modprobe veth)"
  fi
  ip link del lattice-chk1
}

# The bridge carries the path of the cluster that owns it in its alias, so a
# second cluster on the machine is refused instead of sharing it.
realnode_owner() { cat "/sys/class/net/$realnode_bridge/ifalias" 2>/dev/null || true; }

require_realnode_owner() {
  local owner
  owner=$(realnode_owner)
  [ -z "$owner" ] || [ "$owner" = "lattice real node of $cluster_dir" ] ||
    die "the machine's real node belongs to another cluster (bridge $realnode_bridge: \"$owner\"); stop it there with scripts/cluster down"
}
