#pragma once

#include "k8s/auth/cluster_config.hpp"
#include "k8s/result.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>

namespace lattice::k8s::http {

/// An OpenSSL context for one cluster: TLS 1.2+, peer verification against
/// the configured CA (or the system store) unless the kubeconfig explicitly
/// says insecure-skip-tls-verify, and the client certificate if any.
result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const auth::cluster_config& config);

} // namespace lattice::k8s::http
