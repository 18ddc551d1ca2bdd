#!/usr/bin/env bash
# Prints a normalized description of the host state that the real node
# (scripts/cluster up --real-node) changes and `scripts/cluster down` must
# restore: interfaces, addresses, routes and rules, iptables and nftables,
# mounts, sysctls, /etc, the directories containerd, runc, CNI and the
# kubelet write outside their state directory, cgroups and the processes the
# real node runs. Two snapshots of an untouched host are identical; values
# that change on their own (counters, entropy, pids) are left out.
#   test/cluster/host_state.sh > FILE
set -uo pipefail

section() { printf '\n### %s\n' "$1"; }

section links
# Names, kinds and flags; no counters, and no ifindex (a recreated interface
# gets a new one, which is no change of state).
ip -d -o link show 2>/dev/null | sed -E 's/^[0-9]+: //; s/ (link-netnsid|alias) [^ ]+//g' |
  awk '{print $1, $2, $3}' | sort

section addresses
ip -o addr show 2>/dev/null | awk '{print $2, $3, $4}' | sort

section routes
for family in -4 -6; do
  ip "$family" route show table all 2>/dev/null | grep -v ' expires ' | sort
  ip "$family" rule show 2>/dev/null | sort
done

section iptables
for save in iptables-save ip6tables-save iptables-legacy-save ip6tables-legacy-save; do
  command -v "$save" >/dev/null || continue
  echo "# $save"
  "$save" 2>/dev/null | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]/[-]/g'
done

section nftables
if command -v nft >/dev/null; then
  nft list ruleset 2>/dev/null | sed -E 's/(packets|bytes) [0-9]+/\1 -/g'
else
  echo "(nft not installed; iptables-nft's tables show above)"
fi

section mounts
awk '{print $5, $9, $10}' /proc/self/mountinfo | sort

section sysctls
# Everything but values that move on their own.
sysctl -a 2>/dev/null | grep -Ev '^(fs\.(dentry-state|file-nr|inode-nr|inode-state|aio-nr|quota\.)|kernel\.(ns_last_pid|random\.|pty\.nr)|net\.netfilter\.nf_conntrack_count|vm\.stat_)' |
  sort

section etc
# Contents, not times: a file rewritten with the same bytes is no change.
find /etc -xdev \( -type f -o -type l \) 2>/dev/null | sort | while read -r f; do
  if [ -L "$f" ]; then
    echo "$f -> $(readlink "$f")"
  else
    echo "$f $(sha256sum <"$f" 2>/dev/null | cut -c1-16)"
  fi
done

section directories
# Where containerd, runc, CNI and the kubelet write by default.
for d in /run /var/run /var/lib /var/log /opt /tmp/containerd /run/containerd /run/netns \
  /var/lib/kubelet /var/lib/cni /var/lib/containerd /var/log/containers /var/log/pods /etc/cni /opt/cni \
  /run/calico /run/flannel /var/lib/kube-proxy; do
  [ -e "$d" ] || { echo "$d absent"; continue; }
  echo "$d: $(find "$d" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null | tr ' ' '\n' | sort | tr '\n' ' ')"
done

section cgroups
for h in /sys/fs/cgroup/*/; do
  [ -d "$h" ] || continue
  echo "$h: $(find "$h" -mindepth 1 -maxdepth 1 -type d -printf '%f ' 2>/dev/null | tr ' ' '\n' | sort | tr '\n' ' ')"
done

section processes
# The real node's programs, wherever they were started from.
# shellcheck disable=SC2009  # a count per program name, not pids
ps -eo comm= 2>/dev/null | grep -E '^(containerd|containerd-shim|containerd-shim-runc-v2|runc|kubelet|kube-proxy|coredns|pause)$' |
  sort | uniq -c
exit 0
