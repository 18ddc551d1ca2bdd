#include "k8s/client/make_client.hpp"

#include "k8s/http/tls_transport.hpp"

#include <algorithm>

namespace lattice::k8s::client {

std::string operator_user_agent(const std::string& version, const std::string& identity) {
  return "lattice-operator/" + version + " (" + identity + ")";
}

result<std::shared_ptr<rest_client>> make_rest_client(const config::api_client_config& api,
                                                      auth::cluster_config cluster,
                                                      std::function<void(const request_record&)> observer) {
  // Keep a connection per gateway thread plus the reflectors' relists, so
  // steady writes never pay a TLS handshake.
  const auto keep_idle = static_cast<std::size_t>(std::max(api.concurrency, 1)) + 4;
  auto transport = http::tls_transport::create(std::move(cluster), keep_idle);
  if (!transport)
    return transport.err();
  auto limiter = std::make_shared<http::rate_limiter>(api.qps, api.burst);
  rest_options options;
  options.request_timeout = api.request_timeout;
  options.observer = std::move(observer);
  return std::make_shared<rest_client>(std::move(transport.value()), std::move(limiter), options);
}

} // namespace lattice::k8s::client
