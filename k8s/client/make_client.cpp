#include "k8s/client/make_client.hpp"

#include "k8s/http/tls_transport.hpp"

namespace lattice::k8s::client {

result<std::shared_ptr<rest_client>> make_rest_client(const config::api_client_config& api,
                                                      auth::cluster_config cluster,
                                                      std::function<void(const request_record&)> observer) {
  auto transport = http::tls_transport::create(std::move(cluster));
  if (!transport)
    return transport.err();
  auto limiter = std::make_shared<http::rate_limiter>(api.qps, api.burst);
  rest_options options;
  options.request_timeout = api.request_timeout;
  options.observer = std::move(observer);
  return std::make_shared<rest_client>(std::move(transport.value()), std::move(limiter), options);
}

} // namespace lattice::k8s::client
