#!/usr/bin/env bash
# The real node keeps every packet on the machine. Checked without ever
# sending one towards the uplink: the "outside" address used, in
# 198.51.100.0/24 (TEST-NET-2), is routed for the test's duration into a
# throwaway network namespace (a "sink"), so even a failing isolation could
# only reach that namespace, whose interface counter the test reads.
#   - a pod has no default route: connecting outside fails at once (ENETUNREACH);
#   - a namespace on the bridge WITH a default route through the host: the
#     host does not forward its packet (nftables drop counter rises, the
#     sink receives nothing), while bridge -> bridge forwarding (a
#     pod reaching another pod through a Service IP) works;
#   - DNS answers cluster names and refuses others (CoreDNS has no upstream);
#   - an image that was not imported fails at once against the local
#     refusing registry address, for a known registry and an unknown one;
#   - the host routes cluster addresses locally, the kubelet's API and the
#     API server listen on the bridge address only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
require_real_node
make_namespace
image=$(python_image)

probe_ns_pid="" sink_ns_pid=""
cleanup() {
  [ -z "$probe_ns_pid" ] || kill "$probe_ns_pid" 2>/dev/null || true
  [ -z "$sink_ns_pid" ] || kill "$sink_ns_pid" 2>/dev/null || true
  ip link del lattice-t0 2>/dev/null || true
  ip link del lattice-s0 2>/dev/null || true
  kubectl delete namespace "$test_ns" --wait=false >/dev/null 2>&1 || true
}
trap cleanup EXIT
# The sink: 198.51.100.0/24 leads into a namespace of its own (its route
# goes with the interface).
unshare --net sleep 600 &
sink_ns_pid=$!
sleep 0.3
outside=198.51.100.7
ip link add lattice-s0 type veth peer name lattice-s1
ip link set lattice-s1 netns "$sink_ns_pid"
sysctl -qw net.ipv6.conf.lattice-s0.disable_ipv6=1
nsenter --net="/proc/$sink_ns_pid/ns/net" ip link set lattice-s1 up
ip link set lattice-s0 up
ip route add 198.51.100.0/24 dev lattice-s0
# No ARP on the sink link: a counted packet is a routed one.
ip neigh add "$outside" lladdr "$(nsenter --net="/proc/$sink_ns_pid/ns/net" ip -br link show lattice-s1 | awk '{print $3}')" \
  dev lattice-s0 nud permanent
probe_tx() { cat /sys/class/net/lattice-s0/statistics/tx_packets; }

# --- host side
expect "host: a Service IP is routed to the bridge" \
  sh -c "ip route get 10.0.0.1 | grep -q 'dev lattice0'"
expect "host: KWOK's pod range is unreachable" \
  sh -c "ip route get 10.64.0.5 2>&1 | grep -qiE 'unreachable|no route to host'"
expect "host: the kubelet API (10250) listens on $real_ip only" \
  sh -c "[ \"\$(ss -Hltn 'sport = :10250' | awk '{print \$4}' | sort -u)\" = '$real_ip:10250' ]"
api_port=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}' | sed 's/.*://')
expect "host: the API server listens on $real_ip:$api_port only" \
  sh -c "[ \"\$(ss -Hltn 'sport = :$api_port' | awk '{print \$4}' | sort -u)\" = '$real_ip:$api_port' ]"
expect "host: net.ipv4.ip_forward is on only with the bridge-only forward filter" \
  sh -c "[ \"\$(sysctl -n net.ipv4.ip_forward)\" = 1 ] && nft list table ip lattice_realnode | grep -q 'hook forward'"

# --- pods: one server behind a Service, one client
kubectl apply -n "$test_ns" -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: server, labels: {app: server}}
spec:
$(real_node_placement_yaml "  ")
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: $image
      imagePullPolicy: IfNotPresent
      command: [python3, -m, http.server, "8080"]
      readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: server}
spec:
  selector: {app: server}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
$(real_node_placement_yaml "  ")
  terminationGracePeriodSeconds: 1
  containers:
    - name: main
      image: $image
      imagePullPolicy: IfNotPresent
      command: [python3, -c, "import time; time.sleep(3600)"]
YAML
kubectl wait -n "$test_ns" --for=condition=Ready pod/server pod/client --timeout=120s >/dev/null
in_client() { kubectl exec -n "$test_ns" client -- python3 -c "$1"; }

tx_before=$(probe_tx)
out=$(in_client "
import errno, socket, time
s = socket.socket(); s.settimeout(3); t = time.monotonic()
try:
    s.connect(('$outside', 80)); print('connected')
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno), round(time.monotonic() - t, 3))
")
note "pod -> $outside: $out"
expect "pod: connecting off the machine fails at once with ENETUNREACH (no route)" \
  sh -c "echo '$out' | grep -q '^ENETUNREACH'"
# The image has no shell tools: files are read with python.
pod_file() { in_client "import sys; sys.stdout.write(open('$1').read())"; }
routes=$(pod_file /proc/net/route | awk 'NR > 1 {print $1, $2}' | sort | tr '\n' ' ')
note "pod routes (interface, destination): $routes"
expect "pod: routes only to the pod subnet and the Service range (no default route)" \
  test "$routes" = "eth0 0000000A eth0 004DF40A "
resolvers=$(pod_file /etc/resolv.conf | sed -n 's/^nameserver //p' | tr '\n' ' ')
expect "pod: the only resolver is CoreDNS on the bridge ($resolvers)" test "$resolvers" = "$real_ip "
out=$(in_client "
import socket
print(socket.gethostbyname('kubernetes.default.svc.cluster.local'))
print(socket.gethostbyname('server'))
try:
    socket.gethostbyname('example.com'); print('resolved')
except socket.gaierror as e:
    print('refused', e.errno)
")
note "pod DNS: $(echo "$out" | tr '\n' ' ')"
expect "DNS: kubernetes.default is 10.0.0.1" sh -c "echo '$out' | sed -n 1p | grep -qx 10.0.0.1"
expect "DNS: the Service name resolves to its ClusterIP" \
  sh -c "[ \"\$(echo '$out' | sed -n 2p)\" = \"\$(kubectl get svc -n '$test_ns' server -o jsonpath='{.spec.clusterIP}')\" ]"
expect "DNS: a name outside the cluster does not resolve (no upstream)" sh -c "echo '$out' | sed -n 3p | grep -q '^refused'"
out=$(in_client "
import urllib.request
print(urllib.request.urlopen('http://server', timeout=5).status)
")
expect "pod -> Service IP -> pod (bridge -> bridge forwarding): HTTP $out" test "$out" = 200

# --- a namespace that has a default route through the host
unshare --net sleep 600 &
probe_ns_pid=$!
sleep 0.3
ip link add lattice-t0 type veth peer name lattice-t1
ip link set lattice-t1 netns "$probe_ns_pid"
ip link set lattice-t0 master lattice0 up
in_probe() { nsenter --net="/proc/$probe_ns_pid/ns/net" "$@"; }
in_probe ip addr add 10.244.77.251/24 dev lattice-t1
in_probe ip link set lattice-t1 up
in_probe ip link set lo up
in_probe ip route add default via "$real_ip"
drops_before=$(nft list chain ip lattice_realnode forward | sed -n 's/.*counter packets \([0-9]*\).*drop.*/\1/p' | head -1)
out=$(in_probe python3 -c "
import socket
for port in (80, 443, 53):
    s = socket.socket(); s.settimeout(1)
    try:
        s.connect(('$outside', port)); print('connected')
    except OSError as e:
        print(type(e).__name__)
")
drops_after=$(nft list chain ip lattice_realnode forward | sed -n 's/.*counter packets \([0-9]*\).*drop.*/\1/p' | head -1)
note "namespace with a default route -> $outside: $(echo "$out" | tr '\n' ' '); forward drops $drops_before -> $drops_after"
expect "forwarding off the bridge: no connection" sh -c "! echo '$out' | grep -q connected"
expect "forwarding off the bridge: dropped by the lattice_realnode forward filter" test "$drops_after" -gt "$drops_before"
expect "forwarding off the bridge: nothing reached the sink (tx $tx_before -> $(probe_tx))" \
  test "$(probe_tx)" = "$tx_before"
# The counter does count: the host's own packet to the same address (routed
# into the sink, no forwarding involved) shows up.
python3 -c "
import socket
s = socket.socket(); s.settimeout(0.5)
try:
    s.connect(('$outside', 80))
except OSError:
    pass
"
expect "control: a host packet to $outside reaches the sink and is counted ($(probe_tx) packets)" test "$(probe_tx)" -gt "$tx_before"
tx_before=$(probe_tx)
server_ip=$(kubectl get svc -n "$test_ns" server -o jsonpath='{.spec.clusterIP}')
out=$(in_probe python3 -c "import urllib.request; print(urllib.request.urlopen('http://$server_ip', timeout=5).status)")
expect "the same namespace -> Service IP -> pod works (forwarding stays open on the bridge)" test "$out" = 200

# --- images that were not imported fail at once, locally
kubectl apply -n "$test_ns" -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: missing-known}
spec:
$(real_node_placement_yaml "  ")
  containers: [{name: main, image: docker.io/library/busybox:1.36, imagePullPolicy: IfNotPresent}]
---
apiVersion: v1
kind: Pod
metadata: {name: missing-unknown}
spec:
$(real_node_placement_yaml "  ")
  containers: [{name: main, image: registry.unlisted.example/x/y:1, imagePullPolicy: IfNotPresent}]
YAML
for pod in missing-known missing-unknown; do
  wait_until 60 "a pull failure event for $pod" sh -c \
    "kubectl get events -n '$test_ns' --field-selector involvedObject.name=$pod,reason=Failed -o jsonpath='{.items[*].message}' | grep -q ."
  message=$(kubectl get events -n "$test_ns" --field-selector "involvedObject.name=$pod,reason=Failed" -o jsonpath='{.items[0].message}')
  note "$pod: $message"
  expect "$pod: the pull went to the local refusing address 127.0.0.1:9" \
    sh -c "echo \"\$1\" | grep -q '127.0.0.1:9' && echo \"\$1\" | grep -qi 'connection refused'" _ "$message"
done
expect "the sink still received nothing" test "$(probe_tx)" = "$tx_before"
note "isolation holds"
