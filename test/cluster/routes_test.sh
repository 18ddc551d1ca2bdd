#!/usr/bin/env bash
# Every `scripts/cluster up` routes the cluster's addresses so that a packet
# to one can only fail locally: KWOK's pod range and the Service range are
# `unreachable` (this cluster's own routes, metric 1000 + the port offset),
# unless the real node is up, which routes the Service range to its bridge.
# `down` removes them (checked by real.host_restored with the real node).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_cluster
metric=$((1000 + ${LATTICE_CLUSTER_PORT_OFFSET:-0}))
routes=$(ip route show)
for cidr in 10.64.0.0/12 10.0.0.0/24; do
  grep -qx "unreachable $cidr metric $metric *" <<<"$routes" ||
    fail "no route \"unreachable $cidr metric $metric\" (is the test running as root?): $routes"
  note "ok: unreachable $cidr metric $metric"
done
out=$(ip route get 10.64.3.4 2>&1 || true)
grep -qiE 'unreachable|no route to host' <<<"$out" || fail "ip route get 10.64.3.4 (a simulated pod's address): $out"
note "ok: a simulated pod's address fails locally ($out)"
out=$(ip route get 10.0.0.1 2>&1 || true)
if ip link show lattice0 >/dev/null 2>&1; then
  grep -q 'dev lattice0' <<<"$out" || fail "with the real node, 10.0.0.1 should go to its bridge: $out"
else
  grep -qiE 'unreachable|no route to host' <<<"$out" || fail "ip route get 10.0.0.1 (a Service IP): $out"
fi
note "ok: a Service IP stays local ($out)"
