#include "k8s/auth/in_cluster.hpp"

#include "k8s/auth/kubeconfig.hpp"
#include "k8s/auth/server_url.hpp"

#include <fstream>
#include <sstream>

namespace lattice::k8s::auth {

result<cluster_config> load_in_cluster(const in_cluster_options& options) {
  const auto host = options.env("KUBERNETES_SERVICE_HOST");
  const auto port = options.env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty())
    return config_error(
        "in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be "
        "set (not running in a pod? pass --kubeconfig)");
  cluster_config config;
  const bool ipv6 = host->find(':') != std::string::npos;
  const std::string url = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  if (auto st = set_server(config, url, "in-cluster configuration (KUBERNETES_SERVICE_HOST/PORT)"); !st)
    return st.err();
  const auto& dir = options.service_account_dir;
  config.origin = "in-cluster " + dir;

  const auto token_path = dir + "/token";
  std::string token;
  if (!read_token_file(token_path, token) || token.empty())
    return config_error("in-cluster configuration: cannot read the ServiceAccount token " + token_path);
  config.token = std::make_shared<file_token>(token_path, token, options.token_refresh, *options.time);

  const auto ca_path = dir + "/ca.crt";
  std::ifstream ca(ca_path, std::ios::binary);
  if (!ca)
    return config_error("in-cluster configuration: cannot read the cluster CA " + ca_path);
  std::ostringstream pem;
  pem << ca.rdbuf();
  config.ca_pem = pem.str();

  std::string ns;
  if (read_token_file(dir + "/namespace", ns) && !ns.empty())
    config.namespace_ = ns;
  return config;
}

result<cluster_config> load_cluster_config(const config::api_client_config& api,
                                           const in_cluster_options& in_cluster) {
  if (api.kubeconfig.empty())
    return load_in_cluster(in_cluster);
  kubeconfig_options options;
  options.context = api.context;
  options.time = in_cluster.time;
  options.token_refresh = in_cluster.token_refresh;
  return load_kubeconfig(api.kubeconfig, options);
}

} // namespace lattice::k8s::auth
