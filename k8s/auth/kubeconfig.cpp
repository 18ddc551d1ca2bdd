#include "k8s/auth/kubeconfig.hpp"

#include "k8s/auth/base64.hpp"
#include "k8s/auth/server_url.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace lattice::k8s::auth {

namespace {

struct source {
  std::string path;
  std::string dir;
};

std::string resolve(const source& src, const std::string& file) {
  if (file.empty() || file.front() == '/' || src.dir.empty())
    return file;
  return src.dir + "/" + file;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream text;
  text << in.rdbuf();
  out = text.str();
  return true;
}

std::string scalar(const YAML::Node& node, const char* key) {
  const auto value = node[key];
  return value && value.IsScalar() ? value.as<std::string>() : std::string();
}

/// Finds the entry named `name` in a list like `clusters:` and returns its
/// body (`cluster:`, `user:`, `context:`).
YAML::Node find_named(const YAML::Node& root, const char* list, const char* body, const std::string& name) {
  const auto entries = root[list];
  if (!entries || !entries.IsSequence())
    return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& entry : entries)
    if (entry.IsMap() && scalar(entry, "name") == name)
      return entry[body];
  return YAML::Node(YAML::NodeType::Undefined);
}

/// Reads "<key>-data" (base64, inline) or "<key>" (a file) into `out`.
status load_pem(const source& src, const YAML::Node& node, const std::string& where, const std::string& key,
                std::string& out) {
  const std::string data_key = key + "-data";
  if (const auto data = scalar(node, data_key.c_str()); !data.empty()) {
    auto decoded = base64_decode(data);
    if (!decoded)
      return config_error(src.path + ": " + where + "." + data_key + " is not valid base64");
    out = std::move(*decoded);
    return ok_v;
  }
  if (const auto file = scalar(node, key.c_str()); !file.empty()) {
    const auto path = resolve(src, file);
    if (!read_file(path, out))
      return config_error(src.path + ": " + where + "." + key + ": cannot read " + path);
  }
  return ok_v;
}

result<cluster_config> parse_root(const YAML::Node& root, const source& src,
                                  const kubeconfig_options& options) {
  if (!root.IsMap())
    return config_error(src.path + ": not a kubeconfig (expected a mapping at the top level)");
  std::string context_name = options.context.empty() ? scalar(root, "current-context") : options.context;
  if (context_name.empty())
    return config_error(src.path + ": current-context is not set and no context was given");
  const auto context = find_named(root, "contexts", "context", context_name);
  if (!context || !context.IsMap())
    return config_error(src.path + ": context \"" + context_name + "\" not found in contexts");
  const std::string ctx_where = "contexts[" + context_name + "].context";
  const auto cluster_name = scalar(context, "cluster");
  if (cluster_name.empty())
    return config_error(src.path + ": " + ctx_where + ".cluster is not set");
  const auto cluster = find_named(root, "clusters", "cluster", cluster_name);
  if (!cluster || !cluster.IsMap())
    return config_error(src.path + ": cluster \"" + cluster_name + "\" (from " + ctx_where
                        + ".cluster) not found in clusters");
  const std::string cluster_where = "clusters[" + cluster_name + "].cluster";

  cluster_config config;
  config.origin = "kubeconfig " + src.path + " context " + context_name;
  const auto server = scalar(cluster, "server");
  if (server.empty())
    return config_error(src.path + ": " + cluster_where + ".server is not set");
  if (auto st = set_server(config, server, src.path + ": " + cluster_where + ".server"); !st)
    return st.err();
  if (auto st = load_pem(src, cluster, cluster_where, "certificate-authority", config.ca_pem); !st)
    return st.err();
  if (const auto insecure = cluster["insecure-skip-tls-verify"]; insecure && insecure.IsScalar()) {
    bool value = false;
    if (!YAML::convert<bool>::decode(insecure, value))
      return config_error(src.path + ": " + cluster_where
                          + ".insecure-skip-tls-verify must be true or false");
    config.insecure_skip_tls_verify = value;
  }
  config.tls_server_name = scalar(cluster, "tls-server-name");

  if (const auto ns = scalar(context, "namespace"); !ns.empty())
    config.namespace_ = ns;

  const auto user_name = scalar(context, "user");
  if (user_name.empty())
    return config;
  const auto user = find_named(root, "users", "user", user_name);
  if (!user || !user.IsMap())
    return config_error(src.path + ": user \"" + user_name + "\" (from " + ctx_where
                        + ".user) not found in users");
  const std::string user_where = "users[" + user_name + "].user";
  if (user["exec"] || user["auth-provider"])
    return config_error(src.path + ": " + user_where
                        + " uses exec or auth-provider, which this client does not support; use a token or "
                          "client certificate");
  if (auto st = load_pem(src, user, user_where, "client-certificate", config.client_cert_pem); !st)
    return st.err();
  if (auto st = load_pem(src, user, user_where, "client-key", config.client_key_pem); !st)
    return st.err();
  if (config.client_cert_pem.empty() != config.client_key_pem.empty())
    return config_error(src.path + ": " + user_where
                        + " needs both client-certificate and client-key (or their -data forms)");
  if (const auto token = scalar(user, "token"); !token.empty()) {
    config.token = std::make_shared<static_token>(token);
  } else if (const auto file = scalar(user, "tokenFile"); !file.empty()) {
    const auto path = resolve(src, file);
    std::string initial;
    if (!read_token_file(path, initial))
      return config_error(src.path + ": " + user_where + ".tokenFile: cannot read " + path);
    config.token = std::make_shared<file_token>(path, initial, options.token_refresh, *options.time);
  }
  return config;
}

} // namespace

result<cluster_config> parse_kubeconfig(const std::string& yaml, const std::string& path,
                                        const kubeconfig_options& options) {
  source src{path, ""};
  if (const auto slash = path.rfind('/'); slash != std::string::npos)
    src.dir = path.substr(0, slash);
  try {
    return parse_root(YAML::Load(yaml), src, options);
  } catch (const YAML::Exception& ex) {
    return config_error(path + ": invalid YAML: " + ex.what());
  }
}

result<cluster_config> load_kubeconfig(const std::string& path, const kubeconfig_options& options) {
  std::string text;
  if (!read_file(path, text))
    return config_error("kubeconfig " + path + ": cannot read the file");
  return parse_kubeconfig(text, path, options);
}

} // namespace lattice::k8s::auth
