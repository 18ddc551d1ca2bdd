#pragma once

#include "k8s/http/message.hpp"
#include "k8s/result.hpp"

#include <string>

namespace lattice::k8s::client {

/// Turns a non-2xx answer into kind::http, with reason and message from the
/// Kubernetes Status body when there is one (else the raw body, truncated),
/// and retry_after_seconds from Retry-After. `what` names the request
/// ("GET /api/v1/namespaces/a/pods/b").
error http_error(const http::response& res, const std::string& what);

/// Seconds in a Retry-After header (delta-seconds form); 0 when absent or
/// not a number.
int parse_retry_after(const std::string& value);

} // namespace lattice::k8s::client
