#pragma once

#include "config/operator_config.hpp"
#include "k8s/auth/cluster_config.hpp"
#include "k8s/client/rest_client.hpp"
#include "k8s/result.hpp"

#include <memory>

namespace lattice::k8s::client {

/// A rest_client over TLS to `cluster`, with the QPS/burst limiter and
/// request timeout from `api`.
/// `observer` (optional) sees every request attempt (metrics).
result<std::shared_ptr<rest_client>>
make_rest_client(const config::api_client_config& api, auth::cluster_config cluster,
                 std::function<void(const request_record&)> observer = {});

} // namespace lattice::k8s::client
