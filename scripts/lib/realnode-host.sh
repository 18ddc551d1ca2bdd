# shellcheck shell=bash
# Settings come from cluster-common.sh and realnode-common.sh, sourced first.
# shellcheck disable=SC2154
# Host changes of the local cluster and its real node, and their undoing
# (sourced by scripts/cluster).
#
# Every cluster, with or without the real node, routes the cluster's
# addresses so that a packet to one can only fail locally or reach a local
# pod: KWOK's pod range and the Service range are `unreachable` (its own
# route per cluster, told apart by the metric, so two clusters on one
# machine do not remove each other's). With the real node the Service range
# goes to its bridge instead (kube-proxy's DNAT happens after the route
# lookup, so `unreachable` would fail host connections to Services).
#
# The real node's own changes: the bridge and its address, the nftables
# table lattice_realnode (forwarding only bridge -> bridge; the API server's
# loopback address mapped onto the bridge address), net.ipv4.ip_forward=1,
# and what the kubelet, kube-proxy, containerd and CNI do to the host
# (docs/testing.md, "The real node"). `up` records the host's state first
# in $realnode_dir/host-before; `down` puts every part of it back.

cluster_route_metric=$((1000 + port_offset))
realnode_service_route_metric=100
realnode_nft_table=lattice_realnode

# The cluster's own unreachable routes (root only; without root a warning).
install_cluster_routes() {
  local cidr
  if [ "$(id -u)" != 0 ]; then
    log "warning: not root: no unreachable routes for $kwok_pod_cidr and $service_cidr (a packet to a cluster address could follow the default route)"
    return 0
  fi
  for cidr in "$kwok_pod_cidr" "$service_cidr"; do
    ip route replace unreachable "$cidr" metric "$cluster_route_metric" ||
      die "could not add the route \"unreachable $cidr metric $cluster_route_metric\""
  done
}

remove_cluster_routes() {
  local cidr
  [ "$(id -u)" = 0 ] || return 0
  for cidr in "$kwok_pod_cidr" "$service_cidr"; do
    ip route del unreachable "$cidr" metric "$cluster_route_metric" 2>/dev/null || true
  done
}

# Sysctls the real node's programs are known to change, plus all of kernel.,
# vm. and net.: `down` writes back every value that differs.
realnode_sysctl_snapshot() {
  sysctl -a 2>/dev/null | grep -E '^(kernel|vm|net)\.' |
    grep -Ev '^(kernel\.(ns_last_pid|random\.|pty\.nr)|net\.netfilter\.nf_conntrack_count|vm\.stat_)' |
    grep -Ev "^net\.(ipv4|ipv6)\.(conf|neigh)\.(veth|$realnode_bridge)" || true
}

# Records the host as it is before the real node's first change. Kept until
# `down` has restored it, so a second `up` does not record a changed host.
record_host_before() {
  local before=$realnode_dir/host-before p h
  [ -f "$before/complete" ] && return 0
  rm -rf "$before"
  mkdir -p "$before"
  realnode_sysctl_snapshot >"$before/sysctls"
  for p in "${realnode_host_paths[@]}"; do
    [ -e "$p" ] && echo "$p"
  done >"$before/paths"
  nft list tables 2>/dev/null >"$before/nft-tables" || true
  for h in /sys/fs/cgroup/*/; do
    find "$h" -mindepth 1 -maxdepth 1 -type d -printf "$h%f\n" 2>/dev/null
  done >"$before/cgroups"
  touch "$before/complete"
}

# The bridge, the nftables table, forwarding and the Service route.
realnode_network_up() {
  local forward_rule
  if ! ip link show "$realnode_bridge" >/dev/null 2>&1; then
    ip link add "$realnode_bridge" type bridge || die "could not create the bridge $realnode_bridge"
  fi
  ip link set "$realnode_bridge" alias "lattice real node of $cluster_dir"
  sysctl -qw "net.ipv6.conf.$realnode_bridge.disable_ipv6=1" 2>/dev/null || true
  ip addr replace "$realnode_ip/$realnode_prefix" dev "$realnode_bridge"
  ip link set "$realnode_bridge" up
  # Forwarding stays as closed as it was: with ip_forward 0 before, only
  # bridge -> bridge is allowed (a pod reaching another pod through a Service
  # IP); otherwise nothing may leave or enter the bridge through forwarding.
  # A table of our own: a drop here holds whatever kube-proxy's iptables
  # chains accept.
  if grep -q '^net.ipv4.ip_forward = 0$' "$realnode_dir/host-before/sysctls"; then
    forward_rule="counter drop"
  else
    forward_rule="iifname \"$realnode_bridge\" counter drop
    oifname \"$realnode_bridge\" counter drop"
  fi
  nft delete table ip "$realnode_nft_table" 2>/dev/null || true
  nft -f - <<EOF || die "could not load the nftables table $realnode_nft_table"
table ip $realnode_nft_table {
  chain forward {
    type filter hook forward priority -5; policy accept;
    iifname "$realnode_bridge" oifname "$realnode_bridge" accept
    $forward_rule
  }
  chain output {
    type nat hook output priority -110; policy accept;
    ip daddr 127.0.0.1 tcp dport $apiserver_port dnat to $realnode_ip:$apiserver_port
  }
}
EOF
  sysctl -qw net.ipv4.ip_forward=1
  ip route replace "$service_cidr" dev "$realnode_bridge" src "$realnode_ip" metric "$realnode_service_route_metric"
}

# mount points at or below DIR, deepest first.
mounts_under() {
  awk -v d="$1" '{ p = $5; gsub(/\\040/, " ", p); if (p == d || index(p, d "/") == 1) print p }' /proc/self/mountinfo |
    awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2-
}

unmount_under() {
  local m
  while read -r m; do
    [ -n "$m" ] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "warning: could not unmount $m"
  done < <(mounts_under "$1")
}

# Processes left in the pods' cgroups (containers whose shim is gone).
kill_pod_processes() {
  local dir
  for dir in /sys/fs/cgroup/*/kubepods*; do
    [ -d "$dir" ] || continue
    find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u | xargs -r kill -KILL 2>/dev/null || true
  done
}

remove_pod_cgroups() {
  local dir
  for dir in /sys/fs/cgroup/*/kubepods*; do
    [ -d "$dir" ] || continue
    grep -qxF "$dir" "$realnode_dir/host-before/cgroups" 2>/dev/null && continue
    find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [ ! -d "$dir" ] || log "warning: could not remove the cgroup $dir (processes left in it?)"
  done
}

# Rules and chains that kube-proxy and the kubelet leave in iptables' tables:
# a table that did not exist before goes whole; in one that did, only the
# KUBE-* chains and the rules that jump to them.
remove_kube_iptables() {
  local family table save cmd rule chain
  for family in ip ip6; do
    for table in filter nat mangle raw security; do
      nft list table "$family" "$table" >/dev/null 2>&1 || continue
      if ! grep -qx "table $family $table" "$realnode_dir/host-before/nft-tables" 2>/dev/null; then
        nft delete table "$family" "$table" || log "warning: could not delete the nftables table $family $table"
        continue
      fi
      if [ "$family" = ip ]; then save=iptables-save cmd=iptables; else save=ip6tables-save cmd=ip6tables; fi
      "$save" -t "$table" 2>/dev/null | grep -E '^-A .* -j KUBE-' | sed 's/^-A/-D/' | while read -r rule; do
        # shellcheck disable=SC2086
        "$cmd" -w 5 -t "$table" $rule 2>/dev/null || true
      done
      for chain in $("$save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\) .*/\1/p'); do
        "$cmd" -w 5 -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\) .*/\1/p'); do
        "$cmd" -w 5 -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

# Writes back every recorded sysctl whose value changed.
restore_sysctls() {
  local before=$realnode_dir/host-before/sysctls key value line
  [ -f "$before" ] || return 0
  { diff <(realnode_sysctl_snapshot) "$before" || true; } | sed -n 's/^> //p' | while IFS= read -r line; do
    key=${line%% = *}
    value=${line#* = }
    sysctl -qw "$key=$value" 2>/dev/null || true
  done
}

remove_new_host_paths() {
  local p
  for p in "${realnode_host_paths[@]}"; do
    [ -e "$p" ] || continue
    grep -qxF "$p" "$realnode_dir/host-before/paths" 2>/dev/null && continue
    unmount_under "$p"
    rm -rf "$p"
  done
}

# Undoes every host change of the real node; safe to run at any point of a
# failed `up`, and again.
realnode_host_down() {
  local step failed=0
  [ -f "$realnode_dir/host-before/complete" ] || return 0
  # Every step runs even if one fails; the record is kept until all succeed.
  for step in kill_pod_processes "unmount_under $realnode_dir" remove_realnode_links remove_kube_iptables \
    remove_pod_cgroups remove_new_host_paths restore_sysctls; do
    # shellcheck disable=SC2086  # the step is a command with its argument
    $step || { log "warning: $step failed"; failed=1; }
  done
  [ "$failed" = 1 ] || rm -rf "$realnode_dir/host-before"
}

# The bridge and the pod interfaces on it (a veth whose namespace lives on),
# and the nftables table.
remove_realnode_links() {
  local veth
  for veth in $(ip -o link show master "$realnode_bridge" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link del "$veth" 2>/dev/null || true
  done
  ip link del "$realnode_bridge" 2>/dev/null || true
  nft delete table ip "$realnode_nft_table" 2>/dev/null || true
}
