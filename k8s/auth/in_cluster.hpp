#pragma once

#include "base/clock.hpp"
#include "config/loader.hpp"
#include "config/operator_config.hpp"
#include "k8s/auth/cluster_config.hpp"
#include "k8s/result.hpp"

#include <chrono>
#include <string>

namespace lattice::k8s::auth {

inline constexpr const char* default_service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct in_cluster_options {
  config::env_lookup env = config::process_env();
  /// Holds token, ca.crt and namespace; injectable for tests.
  std::string service_account_dir = default_service_account_dir;
  /// The kubelet rotates the projected token; re-read it this often (and on 401).
  std::chrono::seconds token_refresh{60};
  base::clock* time = &base::system_clock();
};

/// In-cluster configuration: KUBERNETES_SERVICE_HOST/PORT, the mounted
/// ServiceAccount token (re-read as it rotates), its CA and namespace.
result<cluster_config> load_in_cluster(const in_cluster_options& options = {});

/// The operator's choice: the kubeconfig (and context) from `api` when set,
/// else in-cluster.
result<cluster_config> load_cluster_config(const config::api_client_config& api,
                                           const in_cluster_options& in_cluster = {});

} // namespace lattice::k8s::auth
