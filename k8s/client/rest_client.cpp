#include "k8s/client/rest_client.hpp"

#include "k8s/client/status_error.hpp"

#include <algorithm>
#include <vector>

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

error cancelled_error(const std::string& what) {
  error e;
  e.what = error::kind::cancelled;
  e.message = what + ": cancelled (shutting down)";
  return e;
}

/// Takes a token from `limiter` (if any) and returns how long that took on
/// `time`'s steady clock: the client-side queueing a request pays.
std::chrono::nanoseconds take_token(http::rate_limiter* limiter, base::clock& time) {
  if (!limiter)
    return std::chrono::nanoseconds(0);
  const auto asked = time.steady();
  limiter->acquire();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(time.steady() - asked);
}

error fenced_error(const std::string& what) {
  error e;
  e.what = error::kind::cancelled;
  e.message = what + ": not sent, this replica may not write (fenced)";
  return e;
}

} // namespace

std::string resource_of_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos)
      end = path.size();
    if (end > start)
      parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  std::size_t first = !parts.empty() && parts[0] == "api" ? 2 : 3; // api/v1 or apis/group/version
  if (parts.size() > first + 2 && parts[first] == "namespaces")
    return parts[first + 2];
  return parts.size() > first ? parts[first] : std::string("unknown");
}

rest_client::rest_client(std::shared_ptr<http::transport> transport,
                         std::shared_ptr<http::rate_limiter> limiter, rest_options options)
    : transport_(std::move(transport)), limiter_(std::move(limiter)), options_(std::move(options)) {}

void rest_client::cancel() {
  cancelled_.store(true);
  transport_->cancel();
}

std::chrono::milliseconds rest_client::retry_delay(const error& err, http::backoff& delays) const {
  if (err.retry_after_seconds > 0)
    return std::min<std::chrono::milliseconds>(std::chrono::seconds(err.retry_after_seconds),
                                               options_.max_retry_after);
  return delays.next();
}

result<std::string> rest_client::call(const std::string& method, const std::string& path,
                                      const query_params& query, std::string body, std::string content_type,
                                      std::function<bool()> may_send) {
  http::request req;
  req.method = method;
  req.target = build_target(path, query);
  req.body = std::move(body);
  req.content_type = std::move(content_type);
  req.may_send = std::move(may_send);
  const std::string what = method + " " + path;

  http::backoff delays(options_.backoff, options_.random);
  bool reauthenticated = false;
  for (int attempt = 0;; ++attempt) {
    // Before the token: thousands of queued calls must not each wait for one.
    if (cancelled_.load())
      return cancelled_error(what);
    const auto throttled = take_token(limiter_.get(), *options_.time);
    // After the token (its wait may be long); the transport asks again
    // right before the bytes leave.
    if (req.may_send && !req.may_send())
      return fenced_error(what);
    const auto started = std::chrono::steady_clock::now();
    auto res = transport_->round_trip(req, options_.request_timeout);
    if (options_.observer)
      options_.observer({method, resource_of_path(path), res ? res->status : 0,
                         std::chrono::steady_clock::now() - started, throttled});
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
    if (!is_retryable(err) || attempt >= options_.max_retries || cancelled_.load())
      return err;
    options_.time->sleep_for(retry_delay(err, delays));
  }
}

result<line_stream_ptr> rest_client::watch(const std::string& path, const query_params& query,
                                           std::chrono::milliseconds idle_timeout) {
  if (cancelled_.load())
    return cancelled_error("WATCH " + path);
  http::request req;
  req.target = build_target(path, query);
  const auto throttled = take_token(limiter_.get(), *options_.time);
  const auto started = std::chrono::steady_clock::now();
  auto opened = transport_->open_stream(req, options_.request_timeout, idle_timeout);
  if (options_.observer)
    options_.observer({"WATCH", resource_of_path(path),
                       !opened ? 0 : (opened->stream ? 200 : opened->rejected.status),
                       std::chrono::steady_clock::now() - started, throttled});
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
