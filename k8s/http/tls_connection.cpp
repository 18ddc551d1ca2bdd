#include "k8s/http/tls_connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

namespace lattice::k8s::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

namespace {

std::chrono::milliseconds remaining(tls_connection::clock_type::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - tls_connection::clock_type::now());
  return std::max(left, std::chrono::milliseconds(1));
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

std::string host_header(const auth::cluster_config& config) {
  const bool ipv6 = config.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + config.host + "]" : config.host;
  return config.port == "443" ? host : host + ":" + config.port;
}

constexpr std::uint64_t max_body_bytes = 1ull << 30;

} // namespace

tls_connection::tls_connection(const auth::cluster_config& config, std::shared_ptr<net::ssl::context> tls,
                               const std::atomic<bool>& cancelled)
    : config_(config), tls_(std::move(tls)), cancelled_(cancelled) {}

tls_connection::~tls_connection() {
  close();
}

error tls_connection::failure(const std::string& what, const boost::system::error_code& ec) const {
  error e;
  const bool cancelled = cancelled_.load();
  e.what = cancelled ? error::kind::cancelled : error::kind::transport;
  e.message = what + " " + config_.host + ":" + config_.port + ": "
              + (cancelled                     ? std::string("cancelled")
                 : ec == beast::error::timeout ? std::string("timed out")
                                               : ec.message());
  return e;
}

void tls_connection::run_until_done() {
  // Polls so a cancel from another thread is noticed while the server is
  // slow: closing the socket ends the pending operation (operation_aborted).
  constexpr auto poll = std::chrono::milliseconds(100);
  io_.restart();
  while (!io_.stopped()) {
    io_.run_for(poll);
    if (!io_.stopped() && cancelled_.load() && stream_) {
      boost::system::error_code ignored;
      beast::get_lowest_layer(*stream_).socket().close(ignored);
    }
  }
}

void tls_connection::close() {
  if (stream_) {
    boost::system::error_code ignored;
    beast::get_lowest_layer(*stream_).socket().close(ignored);
  }
  stream_parser_.reset();
  open_ = false;
}

status tls_connection::connect(clock_type::time_point deadline) {
  close();
  buffer_.clear();
  stream_ = std::make_unique<stream_type>(io_, *tls_);
  boost::system::error_code ec = net::error::would_block;

  tcp::resolver resolver(io_);
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(config_.host, config_.port,
                         [&](boost::system::error_code e, tcp::resolver::results_type r) {
                           ec = e;
                           endpoints = std::move(r);
                         });
  io_.restart();
  io_.run_for(remaining(deadline));
  if (ec == net::error::would_block) {
    resolver.cancel();
    run_until_done();
    return failure("resolving", beast::error::timeout);
  }
  if (ec)
    return failure("resolving", ec);

  auto& tcp_layer = beast::get_lowest_layer(*stream_);
  tcp_layer.expires_after(remaining(deadline));
  ec = net::error::would_block;
  tcp_layer.async_connect(endpoints, [&](boost::system::error_code e, const tcp::endpoint&) { ec = e; });
  run_until_done();
  if (ec)
    return failure("connecting to", ec);
  boost::system::error_code ignored;
  tcp_layer.socket().set_option(tcp::no_delay(true), ignored);

  const std::string name = config_.tls_server_name.empty() ? config_.host : config_.tls_server_name;
  if (!is_ip_literal(name))
    SSL_set_tlsext_host_name(stream_->native_handle(), name.c_str());
  if (!config_.insecure_skip_tls_verify)
    stream_->set_verify_callback(net::ssl::host_name_verification(name));

  tcp_layer.expires_after(remaining(deadline));
  ec = net::error::would_block;
  stream_->async_handshake(net::ssl::stream_base::client, [&](boost::system::error_code e) { ec = e; });
  run_until_done();
  if (ec)
    return failure("TLS handshake with", ec);
  open_ = true;
  return ok_v;
}

status tls_connection::write(const request& req, const std::string& token, clock_type::time_point deadline) {
  if (req.may_send && !req.may_send()) {
    error e;
    e.what = error::kind::cancelled;
    e.message = req.method + " " + req.target + ": not sent, this replica may not write (fenced)";
    return e;
  }
  bhttp::request<bhttp::string_body> msg;
  msg.version(11);
  msg.method_string(req.method);
  msg.target(config_.base_path + req.target);
  msg.set(bhttp::field::host, host_header(config_));
  msg.set(bhttp::field::user_agent, config_.user_agent);
  msg.set(bhttp::field::accept, req.accept);
  if (!token.empty())
    msg.set(bhttp::field::authorization, "Bearer " + token);
  if (!req.content_type.empty())
    msg.set(bhttp::field::content_type, req.content_type);
  msg.keep_alive(true);
  msg.body() = req.body;
  msg.prepare_payload();

  beast::get_lowest_layer(*stream_).expires_after(remaining(deadline));
  boost::system::error_code ec = net::error::would_block;
  bhttp::async_write(*stream_, msg, [&](boost::system::error_code e, std::size_t) { ec = e; });
  run_until_done();
  if (ec) {
    close();
    return failure("sending " + req.method + " " + req.target + " to", ec);
  }
  return ok_v;
}

result<response> tls_connection::read(clock_type::time_point deadline, bool& got_bytes) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(max_body_bytes);
  beast::get_lowest_layer(*stream_).expires_after(remaining(deadline));
  boost::system::error_code ec = net::error::would_block;
  bhttp::async_read(*stream_, buffer_, parser, [&](boost::system::error_code e, std::size_t) { ec = e; });
  run_until_done();
  got_bytes = parser.got_some();
  if (ec) {
    close();
    return failure("reading the response from", ec);
  }
  auto& msg = parser.get();
  response out;
  out.status = static_cast<int>(msg.result_int());
  out.retry_after = std::string(msg[bhttp::field::retry_after]);
  out.content_type = std::string(msg[bhttp::field::content_type]);
  out.body = std::move(msg.body());
  if (!msg.keep_alive())
    close();
  return out;
}

result<response> tls_connection::read_header(clock_type::time_point deadline) {
  stream_parser_.emplace();
  stream_parser_->body_limit(boost::none);
  beast::get_lowest_layer(*stream_).expires_after(remaining(deadline));
  boost::system::error_code ec = net::error::would_block;
  bhttp::async_read_header(*stream_, buffer_, *stream_parser_,
                           [&](boost::system::error_code e, std::size_t) { ec = e; });
  run_until_done();
  if (ec) {
    close();
    return failure("reading the response headers from", ec);
  }
  // The body is read without a deadline on the socket: read_body_some polls.
  beast::get_lowest_layer(*stream_).expires_never();
  auto& msg = stream_parser_->get();
  response out;
  out.status = static_cast<int>(msg.result_int());
  out.retry_after = std::string(msg[bhttp::field::retry_after]);
  out.content_type = std::string(msg[bhttp::field::content_type]);
  return out;
}

result<std::optional<std::string>> tls_connection::read_body_some(std::chrono::milliseconds idle,
                                                                  const std::atomic<bool>& cancelled) {
  if (!stream_parser_ || !open_)
    return failure("reading from a closed stream to", net::error::not_connected);
  auto& parser = *stream_parser_;
  if (parser.is_done())
    return std::optional<std::string>();
  char chunk[16 * 1024];
  parser.get().body().data = chunk;
  parser.get().body().size = sizeof chunk;
  boost::system::error_code ec = net::error::would_block;
  bhttp::async_read_some(*stream_, buffer_, parser,
                         [&](boost::system::error_code e, std::size_t) { ec = e; });
  // Poll so another thread's cancel() and the idle limit are noticed even
  // while the server is silent.
  constexpr auto poll = std::chrono::milliseconds(100);
  const auto give_up = clock_type::now() + idle;
  bool timed_out = false;
  io_.restart();
  while (ec == net::error::would_block) {
    io_.run_for(poll);
    if (ec != net::error::would_block)
      break;
    if (cancelled.load() || clock_type::now() >= give_up) {
      timed_out = !cancelled.load();
      boost::system::error_code ignored;
      beast::get_lowest_layer(*stream_).socket().cancel(ignored);
      run_until_done();
      break;
    }
    if (io_.stopped())
      io_.restart();
  }
  if (cancelled.load()) {
    close();
    error e;
    e.what = error::kind::cancelled;
    e.message = "watch stream cancelled";
    return e;
  }
  if (timed_out) {
    close();
    error e;
    e.what = error::kind::transport;
    e.message = "no data from " + config_.host + ":" + config_.port + " for "
                + std::to_string(idle.count() / 1000) + "s on a watch stream";
    return e;
  }
  if (ec == bhttp::error::need_buffer)
    ec = {};
  if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
    // The server closed the connection: a clean end only if the body was complete.
    close();
    if (parser.is_done())
      return std::optional<std::string>();
    return failure("watch stream cut off by", ec);
  }
  if (ec) {
    close();
    return failure("reading a watch stream from", ec);
  }
  const std::size_t got = sizeof chunk - parser.get().body().size;
  std::string bytes(chunk, got);
  if (got == 0 && parser.is_done())
    return std::optional<std::string>();
  return std::optional<std::string>(std::move(bytes));
}

} // namespace lattice::k8s::http
