#pragma once

#include "k8s/client/rest_client.hpp"
#include "k8s/client/write_fence.hpp"
#include "k8s/write.hpp"

#include <memory>
#include <string>

namespace lattice::k8s::client {

/// The HTTP method, path and body a write maps to.
struct write_request {
  std::string method;
  std::string path;
  std::string body;
  std::string content_type;
  /// For metrics: "pods", "services", "trainingjobs", "events".
  std::string resource;
};

/// The request for `w` (pure). `api_group`: the TrainingJob CRD's group.
write_request to_http_request(const write& w, const std::string& api_group);

/// Sends `w` through `rest` (its retries, rate limit and metrics): the one
/// way the operator writes to the API server, except the Lease
/// (k8s/leader/). With a `fence`, nothing is sent while it is closed: the
/// call fails with kind::cancelled, before the first attempt, between
/// retries, or right before the bytes leave.
status send_write(rest_client& rest, const write& w, const std::string& api_group,
                  const std::shared_ptr<const write_fence>& fence = nullptr);

} // namespace lattice::k8s::client
