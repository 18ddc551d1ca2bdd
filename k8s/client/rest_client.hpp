#pragma once

#include "base/clock.hpp"
#include "k8s/client/query.hpp"
#include "k8s/http/backoff.hpp"
#include "k8s/http/rate_limiter.hpp"
#include "k8s/http/transport.hpp"
#include "k8s/result.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace lattice::k8s::client {

/// One finished attempt, for metrics: verb, resource ("pods",
/// "trainingjobs", ...), HTTP status (0 when no answer came), duration of
/// the round trip and how long the attempt waited for a rate-limiter token
/// before it (zero when one was free or no limiter is set).
struct request_record {
  std::string verb;
  std::string resource;
  int status = 0;
  std::chrono::nanoseconds duration{0};
  std::chrono::nanoseconds throttled{0};
};

/// The resource a request path names: /api/v1/namespaces/ns/pods/x -> "pods",
/// /apis/g/v1/trainingjobs -> "trainingjobs", /api/v1/nodes -> "nodes".
std::string resource_of_path(const std::string& path);

struct rest_options {
  std::chrono::milliseconds request_timeout{30'000};
  /// Retries after the first attempt, for transport errors and 429/503.
  int max_retries = 5;
  /// Delays between transport-error retries (and 429/503 without Retry-After).
  http::backoff_policy backoff{};
  /// Longest Retry-After honoured; longer asks are cut to this.
  std::chrono::seconds max_retry_after{30};
  http::uniform_random random = http::default_random();
  base::clock* time = &base::system_clock();
  /// Called after every attempt of call() and every watch opened (any
  /// thread); empty: nothing is recorded.
  std::function<void(const request_record&)> observer;
};

/// A watch as opened by rest_client::watch: a stream of lines.
using line_stream_ptr = std::unique_ptr<http::line_stream>;

/// Verbs against the API server with client-go's behaviour: every attempt
/// takes a rate-limiter token; 429 and 503 wait for Retry-After (or back
/// off) and retry; transport errors retry with jittered exponential
/// backoff; a 401 re-reads the token once; every other non-2xx (409
/// included) is returned to the caller as kind::http. Thread-safe.
class rest_client {
public:
  rest_client(std::shared_ptr<http::transport> transport, std::shared_ptr<http::rate_limiter> limiter,
              rest_options options = {});

  /// One call; the 2xx response body, or an error. `may_send` (optional)
  /// is asked before every attempt and again right before the bytes leave
  /// (http::request::may_send); false fails the call with kind::cancelled.
  result<std::string> call(const std::string& method, const std::string& path, const query_params& query = {},
                           std::string body = {}, std::string content_type = {},
                           std::function<bool()> may_send = {});

  /// Opens a watch (the query should hold watch=1 and friends). Rejections
  /// (410, 403, ...) come back as kind::http errors.
  result<line_stream_ptr> watch(const std::string& path, const query_params& query,
                                std::chrono::milliseconds idle_timeout);

  /// Shutdown: later call()s and watch()es fail at once with
  /// kind::cancelled (no request, no rate-limiter token), a call between
  /// retries retries no more, and the transport aborts requests in flight.
  /// A retry wait already begun still runs out. For good; any thread.
  void cancel();
  bool cancelled() const { return cancelled_.load(); }

  const rest_options& options() const { return options_; }

private:
  std::chrono::milliseconds retry_delay(const error& err, http::backoff& delays) const;

  std::shared_ptr<http::transport> transport_;
  std::shared_ptr<http::rate_limiter> limiter_;
  rest_options options_;
  std::atomic<bool> cancelled_{false};
};

} // namespace lattice::k8s::client
