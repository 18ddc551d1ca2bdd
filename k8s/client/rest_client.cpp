#include "k8s/client/rest_client.hpp"

#include "k8s/client/status_error.hpp"

#include <algorithm>

namespace lattice::k8s::client {

namespace {

bool is_success(int status) {
  return status >= 200 && status < 300;
}

/// client-go retries 429 always and 5xx when the server asked for it.
bool is_retryable(const error& err) {
  if (err.what == error::kind::transport)
    return true;
  if (err.what != error::kind::http)
    return false;
  if (err.status == 429 || err.status == 503)
    return true;
  return err.status >= 500 && err.retry_after_seconds > 0;
}

} // namespace

rest_client::rest_client(std::shared_ptr<http::transport> transport,
                         std::shared_ptr<http::rate_limiter> limiter, rest_options options)
    : transport_(std::move(transport)), limiter_(std::move(limiter)), options_(std::move(options)) {}

std::chrono::milliseconds rest_client::retry_delay(const error& err, http::backoff& delays) const {
  if (err.retry_after_seconds > 0)
    return std::min<std::chrono::milliseconds>(std::chrono::seconds(err.retry_after_seconds),
                                               options_.max_retry_after);
  return delays.next();
}

result<std::string> rest_client::call(const std::string& method, const std::string& path,
                                      const query_params& query, std::string body, std::string content_type) {
  http::request req;
  req.method = method;
  req.target = build_target(path, query);
  req.body = std::move(body);
  req.content_type = std::move(content_type);
  const std::string what = method + " " + path;

  http::backoff delays(options_.backoff, options_.random);
  bool reauthenticated = false;
  for (int attempt = 0;; ++attempt) {
    if (limiter_)
      limiter_->acquire();
    auto res = transport_->round_trip(req, options_.request_timeout);
    error err;
    if (!res) {
      err = res.err();
      err.message = what + ": " + err.message;
    } else if (is_success(res->status)) {
      return std::move(res->body);
    } else {
      err = http_error(*res, what);
      if (err.status == 401 && !reauthenticated) {
        // The token may have rotated under us: re-read it and try once more.
        reauthenticated = true;
        transport_->invalidate_credentials();
        continue;
      }
    }
    if (!is_retryable(err) || attempt >= options_.max_retries)
      return err;
    options_.time->sleep_for(retry_delay(err, delays));
  }
}

result<line_stream_ptr> rest_client::watch(const std::string& path, const query_params& query,
                                           std::chrono::milliseconds idle_timeout) {
  http::request req;
  req.target = build_target(path, query);
  if (limiter_)
    limiter_->acquire();
  auto opened = transport_->open_stream(req, options_.request_timeout, idle_timeout);
  if (!opened) {
    auto err = opened.err();
    err.message = "WATCH " + path + ": " + err.message;
    return err;
  }
  if (opened->stream)
    return std::move(opened->stream);
  auto err = http_error(opened->rejected, "WATCH " + path);
  if (err.status == 401)
    transport_->invalidate_credentials();
  return err;
}

} // namespace lattice::k8s::client
