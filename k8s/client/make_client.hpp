#pragma once

#include "config/operator_config.hpp"
#include "k8s/auth/cluster_config.hpp"
#include "k8s/client/rest_client.hpp"
#include "k8s/result.hpp"

#include <memory>
#include <string>

namespace lattice::k8s::client {

/// The User-Agent of the operator's requests: "lattice-operator/<version>
/// (<identity>)", e.g. "lattice-operator/0.1.0 (lattice-operator-7d9f-x2x4k)".
/// The API server's audit log records it (userAgent), so each replica's
/// requests can be told apart although they share a ServiceAccount.
std::string operator_user_agent(const std::string& version, const std::string& identity);

/// A rest_client over TLS to `cluster`, with the QPS/burst limiter and
/// request timeout from `api`.
/// `observer` (optional) sees every request attempt (metrics).
result<std::shared_ptr<rest_client>>
make_rest_client(const config::api_client_config& api, auth::cluster_config cluster,
                 std::function<void(const request_record&)> observer = {});

} // namespace lattice::k8s::client
