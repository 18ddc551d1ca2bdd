#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

namespace lattice::observability {

/// The parts of a request a route handler sees.
struct http_request {
  std::string method;
  /// Path without the query string, e.g. "/metrics".
  std::string path;
  /// Raw query string after '?', empty when absent.
  std::string query;
};

/// What a route handler answers.
struct http_response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using http_handler = std::function<http_response(const http_request&)>;

/// A JSON answer, e.g. for the debug port's actor inspection routes.
inline http_response json_response(std::string body, unsigned status = 200) {
  return http_response{status, "application/json", std::move(body)};
}

/// Limits that keep one slow or hostile client from holding the server.
struct http_server_options {
  std::string address = "0.0.0.0";
  /// 0: an ephemeral port, see http_server::port().
  std::uint16_t port = 0;
  std::size_t threads = 1;
  /// Time allowed to receive one complete request (headers and body),
  /// also the idle time of a kept-alive connection between requests.
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::size_t max_header_bytes = std::size_t{8} * 1024;
  std::size_t max_body_bytes = std::size_t{64} * 1024;
  /// Requests served on one connection before it is closed.
  unsigned max_requests_per_connection = 1000;
};

/// A small HTTP/1.1 server (Boost.Beast) with GET routes, one per port:
/// metrics, probes, debug. Unknown paths get 404, other methods on a known
/// path (or under a known prefix) 405. Runs on its own threads between
/// start() and stop().
class http_server {
public:
  explicit http_server(http_server_options options);
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Registers a GET (and HEAD) route for an exact path. Call before start().
  void route(const std::string& path, http_handler handler);

  /// Registers a GET (and HEAD) route for every path starting with `prefix`
  /// (end it with '/'), e.g. "/debug/" for "/debug/jobs/<ns>/<name>"; the
  /// handler reads http_request::path. An exact route wins over a prefix,
  /// a longer prefix over a shorter one. Call before start().
  void route_prefix(const std::string& prefix, http_handler handler);

  /// Binds, listens and starts the threads. Throws std::runtime_error naming
  /// the address and port when binding fails.
  void start();

  /// Closes the listener and every connection and joins the threads.
  /// Idempotent; also done by the destructor.
  void stop();

  /// The bound port (the real one when options.port was 0); 0 before start().
  std::uint16_t port() const;

  bool running() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace lattice::observability
