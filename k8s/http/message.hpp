#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lattice::k8s::http {

/// One HTTP request to the API server. `target` is path plus query string,
/// already encoded; the transport adds Host, Authorization and User-Agent.
struct request {
  std::string method = "GET";
  std::string target;
  std::string body;
  std::string content_type;
  std::string accept = "application/json";
  /// Asked right before the request's bytes leave on a connection (after
  /// any connect, pool wait or retry delay); false: the request is not
  /// sent and fails with kind::cancelled. Empty: always sent. The write
  /// fence (k8s/client/write_fence.hpp) goes here.
  std::function<bool()> may_send;
};

struct response {
  int status = 0;
  std::string body;
  /// Value of Retry-After ("" when absent).
  std::string retry_after;
  std::string content_type;
};

} // namespace lattice::k8s::http
