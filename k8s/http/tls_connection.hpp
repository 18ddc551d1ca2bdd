#pragma once

#include "k8s/auth/cluster_config.hpp"
#include "k8s/http/message.hpp"
#include "k8s/result.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

namespace lattice::k8s::http {

/// One HTTPS/1.1 connection with its own io_context. Blocking calls drive
/// asynchronous Beast operations with tcp_stream expiry, so every call has a
/// deadline and none blocks forever; `cancelled` (the transport's, set from
/// any thread) ends them sooner with kind::cancelled. Used by one thread at
/// a time.
class tls_connection {
public:
  using clock_type = std::chrono::steady_clock;

  tls_connection(const auth::cluster_config& config, std::shared_ptr<boost::asio::ssl::context> tls,
                 const std::atomic<bool>& cancelled);
  ~tls_connection();
  tls_connection(const tls_connection&) = delete;
  tls_connection& operator=(const tls_connection&) = delete;

  /// Resolves, connects and does the TLS handshake (SNI, hostname check).
  status connect(clock_type::time_point deadline);

  /// Sends one request; `token` goes into Authorization when non-empty.
  status write(const request& req, const std::string& token, clock_type::time_point deadline);

  /// Reads one whole response. `got_bytes` tells whether anything of it
  /// arrived (a reused connection that fails before that may be retried).
  result<response> read(clock_type::time_point deadline, bool& got_bytes);

  /// Streaming: reads the status line and headers.
  result<response> read_header(clock_type::time_point deadline);

  /// Streaming: waits for the next piece of body. Returns the bytes (maybe
  /// none) or nullopt at the end of the body. Polls `cancelled` and gives up
  /// after `idle` without data.
  result<std::optional<std::string>> read_body_some(std::chrono::milliseconds idle,
                                                    const std::atomic<bool>& cancelled);

  bool is_open() const { return open_; }
  void close();

private:
  using stream_type = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  error failure(const std::string& what, const boost::system::error_code& ec) const;
  void run_until_done();

  const auth::cluster_config& config_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  const std::atomic<bool>& cancelled_;
  boost::asio::io_context io_;
  std::unique_ptr<stream_type> stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> stream_parser_;
  bool open_ = false;
};

} // namespace lattice::k8s::http
