# shellcheck shell=bash
# Settings (cluster_dir, ports, ...) come from cluster-common.sh, sourced first.
# shellcheck disable=SC2154
# Simulated GPU nodes (sourced by scripts/cluster).
#
# A node is a plain v1.Node with the annotation kwok manages
# (kwok.x-k8s.io/node=fake) and capacity/allocatable in its status; kwok's
# node-initialize stage marks it Ready and keeps its Lease fresh. Every node
# made here carries the label lattice.dev/node-set=<prefix>, which is how
# `delete-nodes` and the index numbering find a set again.

node_set_label=lattice.dev/node-set

# node_yaml NAME: one Node document, from the node_* settings.
node_yaml() {
  local name=$1 kv key value effect
  cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $name
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: $name
    $node_set_label: $node_prefix
EOF
  for kv in "${node_labels[@]}"; do
    printf '    %s: "%s"\n' "${kv%%=*}" "${kv#*=}"
  done
  echo "spec:"
  if [ "${#node_taints[@]}" -gt 0 ]; then
    echo "  taints:"
    for kv in "${node_taints[@]}"; do
      effect=${kv##*:}
      kv=${kv%:*}
      key=${kv%%=*}
      value=""
      [ "$key" = "$kv" ] || value=${kv#*=}
      printf '  - key: "%s"\n    value: "%s"\n    effect: %s\n' "$key" "$value" "$effect"
    done
  fi
  echo "status:"
  for key in capacity allocatable; do
    printf '  %s:\n    cpu: "%s"\n    memory: "%s"\n    pods: "%s"\n    nvidia.com/gpu: "%s"\n' \
      "$key" "$node_cpu" "$node_memory" "$node_pods" "$node_gpus"
  done
}

# Validate "k=v,k2=v2" and "k=v:Effect,k2:Effect" lists into arrays.
parse_labels() {
  local list=$1 item
  local -a items=()
  node_labels=()
  [ -n "$list" ] || return 0
  IFS=, read -ra items <<<"$list"
  for item in "${items[@]}"; do
    [[ $item =~ ^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*$ ]] || die "--labels: \"$item\" is not key=value"
    node_labels+=("$item")
  done
}

parse_taints() {
  local list=$1 item
  local -a items=()
  node_taints=()
  [ -n "$list" ] || return 0
  IFS=, read -ra items <<<"$list"
  for item in "${items[@]}"; do
    [[ $item =~ ^[A-Za-z0-9./_-]+(=[A-Za-z0-9._-]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$ ]] ||
      die "--taints: \"$item\" is not key[=value]:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute"
    node_taints+=("$item")
  done
}

# The index after the highest <prefix>-<i> of the set (0 for a new set).
next_node_index() {
  kubectl_admin get nodes -l "$node_set_label=$node_prefix" \
    -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' |
    awk -v p="$node_prefix-" 'index($0, p) == 1 { i = substr($0, length(p) + 1) + 0; if (i >= n) n = i + 1 } END { print n + 0 }'
}

# Server-side applies a multi-document FILE as chunks of 50 documents, 8 at a
# time: one kubectl sends its objects one by one, and on a busy 2-core
# machine that is ~15 objects/s; in parallel 1,000 nodes take seconds.
apply_in_parallel() {
  local file=$1 dir chunk rc=0
  dir=$(mktemp -d)
  awk -v dir="$dir" '/^---$/ { if (n++ % 50 == 0) f = sprintf("%s/%06d.yaml", dir, n) } { print > f }' "$file"
  for chunk in "$dir"/*.yaml; do
    printf '%s\0' "$chunk"
  done | xargs -0 -P 8 -n 1 "$LATTICE_CLUSTER_BIN/kubectl" --kubeconfig "$admin_kubeconfig" \
    apply --server-side --force-conflicts --field-manager=lattice-cluster -o name -f >/dev/null || rc=$?
  rm -rf "$dir"
  return "$rc"
}

# create_nodes COUNT GROUPS [START]: nodes <prefix>-<i> for i = START,
# START+1, ... (default: after the highest existing index of the set). All go
# in one server-side apply, fast enough for thousands of nodes; applying an
# existing node again changes nothing. If GROUPS is non-empty (e.g. "a b"),
# node i gets lattice.dev/node-group=<GROUPS[i % len]>.
create_nodes() {
  local count=$1 groups=$2 start=${3:-} i name file
  local -a group_list=() base_labels=()
  read -ra group_list <<<"$groups"
  [ -n "$start" ] || start=$(next_node_index)
  [ "$count" -gt 0 ] || return 0
  file=$(mktemp)
  base_labels=("${node_labels[@]}")
  for ((i = start; i < start + count; i++)); do
    name=$node_prefix-$i
    node_labels=("${base_labels[@]}")
    if [ "${#group_list[@]}" -gt 0 ]; then
      node_labels+=("lattice.dev/node-group=${group_list[$((i % ${#group_list[@]}))]}")
    fi
    node_yaml "$name" >>"$file"
  done
  node_labels=("${base_labels[@]}")
  apply_in_parallel "$file"
  rm -f "$file"
  log "applied $count node(s) $node_prefix-$start..$node_prefix-$((start + count - 1)) ($node_gpus nvidia.com/gpu each)"
}

# The default set `up` makes: kwok-gpu-0..N-1, alternating node groups a and
# b. Idempotent: existing nodes are kept as they are, missing ones created.
ensure_default_nodes() {
  node_prefix=kwok-gpu node_cpu=32 node_memory=256Gi node_pods=110 node_gpus=$2
  node_labels=() node_taints=()
  create_nodes "$1" "a b" 0
}

# Nodes of the set $1 that still carry node.kubernetes.io/not-ready (added at
# creation, removed by the node lifecycle controller once the node is Ready).
nodes_tainted_not_ready() {
  kubectl_admin get nodes -l "$node_set_label=$1" \
    -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.spec.taints[*].key}{"\n"}{end}' |
    grep -c 'node.kubernetes.io/not-ready'
}

# Waits until every node of the set PREFIX reports Ready and has lost the
# not-ready taint, i.e. is schedulable.
wait_nodes_ready() {
  local prefix=$1 timeout=${2:-120} deadline
  deadline=$((SECONDS + timeout))
  [ -n "$(kubectl_admin get nodes -l "$node_set_label=$prefix" -o name)" ] || return 0
  kubectl_admin wait --for=condition=Ready nodes -l "$node_set_label=$prefix" \
    --timeout="${timeout}s" >/dev/null || return 1
  until [ "$(nodes_tainted_not_ready "$prefix")" = 0 ]; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

# Deletes by name, 50 per kubectl and 8 kubectls at a time (a single
# deletecollection of 1,000 nodes outlives the API server's 60s request
# timeout on a busy machine and stops part way).
delete_node_set() {
  local names
  names=$(kubectl_admin get nodes -l "$node_set_label=$1" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
  [ -n "$names" ] || { log "no nodes in the set $1"; return 0; }
  echo "$names" | xargs -n 50 -P 8 "$LATTICE_CLUSTER_BIN/kubectl" --kubeconfig "$admin_kubeconfig" \
    delete nodes --wait=false --ignore-not-found >/dev/null
  log "deleted $(echo "$names" | wc -l) node(s) of the set $1"
}
