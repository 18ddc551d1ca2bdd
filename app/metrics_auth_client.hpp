#pragma once

#include "k8s/client/rest_client.hpp"
#include "observability/metrics_auth.hpp"

#include <memory>
#include <string>
#include <utility>

namespace lattice::app {

/// The metrics authorizer's POSTs (TokenReview, SubjectAccessReview) made
/// with the operator's API client: its credentials, rate limiter and retries.
inline observability::review_post review_post_over(std::shared_ptr<k8s::client::rest_client> client) {
  return [client = std::move(client)](const std::string& path, const std::string& body) {
    auto answer = client->call("POST", path, {}, body, "application/json");
    if (!answer)
      return observability::review_reply{false, {}, answer.err().to_string()};
    return observability::review_reply{true, std::move(answer.value()), {}};
  };
}

} // namespace lattice::app
