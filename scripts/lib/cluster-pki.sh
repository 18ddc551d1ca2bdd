# shellcheck shell=bash
# Settings (cluster_dir, ports, ...) come from cluster-common.sh, sourced first.
# shellcheck disable=SC2154
# Certificates and kubeconfigs for the local cluster (sourced by scripts/cluster).
#
# One CA signs: the API server's serving cert (127.0.0.1, localhost and the
# in-cluster names), and one client cert per identity. Identities follow
# kubeadm, so the default RBAC roles apply:
#   admin                    CN=lattice-admin, O=system:masters (kubectl, tests, kwok)
#   kube-controller-manager  CN=system:kube-controller-manager
#   kube-scheduler           CN=system:kube-scheduler
# plus an RSA key pair that signs and verifies service-account tokens.
# Everything is created once and reused, so a kubeconfig read by an open shell
# stays valid across down/up; `down --purge` removes it.

pki_days=3650

openssl_quiet() { openssl "$@" 2>/dev/null; }

# make_cert NAME SUBJECT [SAN]: key + cert signed by the cluster CA.
make_cert() {
  local name=$1 subject=$2 san=${3:-} ext
  [ -s "$pki_dir/$name.crt" ] && return 0
  ext=$(mktemp)
  if [ -n "$san" ]; then
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" >"$ext"
  else
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >"$ext"
  fi
  openssl_quiet genrsa -out "$pki_dir/$name.key" 2048
  openssl_quiet req -new -key "$pki_dir/$name.key" -subj "$subject" -out "$pki_dir/$name.csr"
  openssl_quiet x509 -req -in "$pki_dir/$name.csr" -CA "$pki_dir/ca.crt" -CAkey "$pki_dir/ca.key" \
    -CAcreateserial -days "$pki_days" -extfile "$ext" -out "$pki_dir/$name.crt"
  rm -f "$ext" "$pki_dir/$name.csr"
}

# write_kubeconfig FILE CLIENT_CERT_NAME: a kubeconfig with embedded certs, so
# it can be copied elsewhere and still work.
write_kubeconfig() {
  local file=$1 client=$2 tmp
  tmp=$(mktemp "$cluster_dir/.kubeconfig.XXXXXX")
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: lattice-local
  cluster:
    server: $api_url
    certificate-authority-data: $(base64 -w0 <"$pki_dir/ca.crt")
users:
- name: $client
  user:
    client-certificate-data: $(base64 -w0 <"$pki_dir/$client.crt")
    client-key-data: $(base64 -w0 <"$pki_dir/$client.key")
contexts:
- name: lattice-local
  context:
    cluster: lattice-local
    user: $client
current-context: lattice-local
EOF
  chmod 600 "$tmp"
  mv "$tmp" "$file"
}

ensure_pki() {
  mkdir -p "$pki_dir"
  chmod 700 "$pki_dir"
  if [ ! -s "$pki_dir/ca.crt" ]; then
    log "creating certificates in $pki_dir"
    openssl_quiet genrsa -out "$pki_dir/ca.key" 2048
    openssl_quiet req -x509 -new -key "$pki_dir/ca.key" -subj "/CN=lattice-local-ca" \
      -days "$pki_days" -out "$pki_dir/ca.crt"
  fi
  # The real node's bridge address is a name of the API server too (it
  # listens there while the real node runs). A certificate made before it was
  # added is replaced; the CA, and so every kubeconfig, stays.
  local apiserver_san="IP:127.0.0.1,IP:10.0.0.1,IP:$realnode_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  if [ -s "$pki_dir/apiserver.crt" ] &&
    ! openssl x509 -in "$pki_dir/apiserver.crt" -noout -ext subjectAltName 2>/dev/null | grep -q "IP Address:$realnode_ip\b"; then
    rm -f "$pki_dir/apiserver.crt" "$pki_dir/apiserver.key"
  fi
  make_cert apiserver "/CN=kube-apiserver" "$apiserver_san"
  # What the API server shows a kubelet (logs, exec, port-forward).
  make_cert kube-apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  make_cert admin "/O=system:masters/CN=lattice-admin"
  make_cert kube-controller-manager "/CN=system:kube-controller-manager"
  make_cert kube-scheduler "/CN=system:kube-scheduler"
  if [ ! -s "$pki_dir/sa.key" ]; then
    openssl_quiet genrsa -out "$pki_dir/sa.key" 2048
    openssl_quiet rsa -in "$pki_dir/sa.key" -pubout -out "$pki_dir/sa.pub"
  fi
  [ -s "$admin_kubeconfig" ] || write_kubeconfig "$admin_kubeconfig" admin
  local c
  for c in kube-controller-manager kube-scheduler; do
    [ -s "$cluster_dir/$c.kubeconfig" ] || write_kubeconfig "$cluster_dir/$c.kubeconfig" "$c"
  done
}
