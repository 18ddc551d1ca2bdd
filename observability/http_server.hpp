#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace lattice::observability {

/// The parts of a request a route handler sees.
struct http_request {
  std::string method;
  /// Path without the query string, e.g. "/metrics".
  std::string path;
  /// Raw query string after '?', empty when absent.
  std::string query;
  /// The Authorization header's value, empty when absent.
  std::string authorization;
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

/// What the server reports to its owner (the operator counts them in metrics).
enum class http_server_event {
  /// A connection was closed at once (with a 503) because max_connections
  /// were open.
  connection_rejected,
  /// accept() failed for want of file descriptors or memory; accepting
  /// pauses (backing off) while the open connections are served.
  accept_paused,
};

/// Limits that keep one slow or hostile client from holding the server.
struct http_server_options {
  /// Names the server in log lines ("metrics", "probe", "debug").
  std::string name = "http";
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
  /// Connections open at once; one more is answered 503 and closed.
  std::size_t max_connections = 256;
  /// First pause of the accept loop after it ran out of file descriptors;
  /// doubles with each failure in a row up to accept_backoff_max.
  std::chrono::milliseconds accept_backoff_initial{10};
  std::chrono::milliseconds accept_backoff_max{1'000};
  /// Set: every connection is TLS (make_server_tls_context); a client that
  /// does not complete the handshake within read_timeout is closed.
  std::shared_ptr<boost::asio::ssl::context> tls;
  /// Called from a server thread for each event; may be empty.
  std::function<void(http_server_event)> observer;
};

/// Counts since start(), for tests and the debug port.
struct http_server_stats {
  std::size_t open_connections = 0;
  std::uint64_t connections_rejected = 0;
  std::uint64_t accept_pauses = 0;
};

/// A small HTTP/1.1 server (Boost.Beast) with GET routes, one per port:
/// metrics, probes, debug. Unknown paths get 404, other methods on a known
/// path (or under a known prefix) 405. Runs on its own threads between
/// start() and stop(). Bounded: at most max_connections at once, and an
/// accept loop that backs off instead of spinning when the process runs out
/// of file descriptors (the open connections keep being served).
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

  http_server_stats stats() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace lattice::observability
