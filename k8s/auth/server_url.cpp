#include "k8s/auth/server_url.hpp"

namespace lattice::k8s::auth {

error config_error(std::string message) {
  error e;
  e.what = error::kind::config;
  e.message = std::move(message);
  return e;
}

status set_server(cluster_config& config, const std::string& url, const std::string& origin) {
  const std::string scheme = "https://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    return config_error(origin + ": server \"" + url + "\" must start with https://");
  std::string rest = url.substr(scheme.size());
  std::string authority = rest;
  std::string path;
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    authority = rest.substr(0, slash);
    path = rest.substr(slash);
    while (!path.empty() && path.back() == '/')
      path.pop_back();
  }
  std::string host = authority;
  std::string port = "443";
  if (!authority.empty() && authority.front() == '[') {
    // IPv6 literal: [::1]:6443
    const auto close = authority.find(']');
    if (close == std::string::npos)
      return config_error(origin + ": server \"" + url + "\" has an unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':')
        return config_error(origin + ": server \"" + url + "\" has garbage after the IPv6 address");
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty())
    return config_error(origin + ": server \"" + url + "\" has no host");
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5)
    return config_error(origin + ": server \"" + url + "\" has an invalid port");
  config.server = url;
  config.host = host;
  config.port = port;
  config.base_path = path;
  return ok_v;
}

} // namespace lattice::k8s::auth
