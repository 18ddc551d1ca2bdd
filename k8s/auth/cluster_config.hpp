#pragma once

#include "k8s/auth/token_source.hpp"

#include <memory>
#include <string>

namespace lattice::k8s::auth {

/// Everything needed to reach and authenticate to one API server, whichever
/// way it was configured (kubeconfig or in-cluster). PEM material is held in
/// memory so files are read once, at load time, with errors naming them.
struct cluster_config {
  /// "https://host:port" as configured, split below.
  std::string server;
  std::string host;
  std::string port = "443";
  /// A path prefix some proxies put before /api ("" normally).
  std::string base_path;
  /// CA bundle (PEM); empty means the system trust store.
  std::string ca_pem;
  /// Off by default; only when the kubeconfig says insecure-skip-tls-verify.
  bool insecure_skip_tls_verify = false;
  /// Overrides the name checked in the server certificate (kubeconfig
  /// tls-server-name); empty means `host`.
  std::string tls_server_name;
  std::string client_cert_pem;
  std::string client_key_pem;
  /// Bearer token, if any (null when the user authenticates by certificate).
  std::shared_ptr<token_source> token;
  /// The context's namespace or the pod's namespace; "default" when unset.
  std::string namespace_ = "default";
  /// Where this came from, for log lines ("kubeconfig /path context ctx").
  std::string origin;
  /// The User-Agent of every request: "lattice-operator/<version>
  /// (<identity>)" in the operator (k8s::client::user_agent), so the API
  /// server's audit log tells the replicas apart.
  std::string user_agent = "lattice-operator";
};

} // namespace lattice::k8s::auth
