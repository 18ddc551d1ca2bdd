#!/usr/bin/env bash
# RBAC is enforced: a ServiceAccount token (kubectl create token) without
# rights gets 403 listing pods; after a Role allowing it is bound, it can.
. "$(dirname "$0")/lib.sh"
require_cluster
make_namespace

kubectl create serviceaccount nobody -n "$test_ns" >/dev/null
token=$(kubectl create token nobody -n "$test_ns" --duration=10m)
server=$(kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.server}')
ca=$(mktemp)
trap 'rm -f "$ca"; kubectl delete namespace "$test_ns" --wait=false >/dev/null 2>&1 || true' EXIT
kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$ca"

as_sa() { curl -sS -o /dev/null -w '%{http_code}' --cacert "$ca" -H "Authorization: Bearer $token" "$server$1"; }

expect_eq "token user (TokenReview via whoami)" "system:serviceaccount:$test_ns:nobody" \
  "$(kubectl --kubeconfig=/dev/null --server="$server" --certificate-authority="$ca" --token="$token" \
    auth whoami -o jsonpath='{.status.userInfo.username}')"
expect_eq "HTTP status listing pods without rights" 403 "$(as_sa "/api/v1/namespaces/$test_ns/pods")"
out=$(kubectl --kubeconfig=/dev/null --server="$server" --certificate-authority="$ca" --token="$token" \
  get pods -n "$test_ns" 2>&1 || true)
case "$out" in *Forbidden*) note "ok: kubectl says: $out" ;; *) fail "kubectl get pods as nobody: expected Forbidden, got: $out" ;; esac
expect_eq "HTTP status without any credentials" 403 \
  "$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$ca" "$server/api/v1/namespaces/$test_ns/pods")"

kubectl create role pod-reader -n "$test_ns" --verb=list --resource=pods >/dev/null
kubectl create rolebinding nobody-reads -n "$test_ns" --role=pod-reader --serviceaccount="$test_ns:nobody" >/dev/null
wait_until 30 "the RoleBinding to take effect" test "$(as_sa "/api/v1/namespaces/$test_ns/pods")" = 200
note "ok: with the Role bound, listing pods gives 200"
expect_eq "HTTP status listing pods in another namespace" 403 "$(as_sa /api/v1/namespaces/default/pods)"
echo "PASS $test_name"
