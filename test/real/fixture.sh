#!/usr/bin/env bash
# The CTest fixture "real_node".
#   fixture.sh up STATE_DIR    installs the real node's packages, records the
#                              host, then scripts/cluster up --real-node
#   fixture.sh down STATE_DIR  stops what `up` started (only the real node when
#                              the cluster was running before) and fails if
#                              the host differs from the record
# A real node that was already running is reused and left running.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
action=${1:?up or down} state=${2:?STATE_DIR}

case "$action" in
  up)
    rm -rf "$state" && mkdir -p "$state"
    if [ -f "$real_dir/enabled" ]; then
      note "the real node is already running: reusing it, and leaving it running afterwards"
      touch "$state/reused"
      exit 0
    fi
    "$cluster_script" status >/dev/null 2>&1 && touch "$state/cluster-was-running"
    # The node's packages first (idempotent): installing them writes /etc and
    # adds tools the record reads (iptables-save, nft), which `down` rightly
    # does not undo, so a record taken before them differs on a fresh machine.
    "$source_dir/scripts/setup-deps" --real-node >&2
    "$source_dir/test/cluster/host_state.sh" >"$state/host-before.txt"
    start=$SECONDS
    "$cluster_script" up --real-node
    note "scripts/cluster up --real-node took $((SECONDS - start))s"
    ;;
  down)
    if [ -f "$state/reused" ]; then
      note "the real node was running before the tests: left running"
      exit 0
    fi
    [ -f "$state/host-before.txt" ] || fail "no host record in $state (did real_node_up run?)"
    if [ -f "$state/cluster-was-running" ]; then
      "$cluster_script" down --real-node
    else
      "$cluster_script" down
    fi
    "$source_dir/test/cluster/host_state.sh" >"$state/host-after.txt"
    if ! diff -u "$state/host-before.txt" "$state/host-after.txt" >"$state/host.diff"; then
      cat "$state/host.diff" >&2
      fail "the host differs from before scripts/cluster up --real-node (diff above, $state/host.diff)"
    fi
    note "ok: the host is as it was before the real node"
    ;;
  *) fail "usage: fixture.sh up|down STATE_DIR" ;;
esac
