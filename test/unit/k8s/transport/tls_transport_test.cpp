// The real transport's failure paths that need no TLS server: a peer that
// never answers (every call has a deadline), a refused connection, and bad
// PEM material.
#include "k8s/http/tls_context.hpp"
#include "k8s/http/tls_transport.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace lattice::k8s {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;

auth::cluster_config local_cluster(unsigned short port) {
  auth::cluster_config cfg;
  cfg.host = "127.0.0.1";
  cfg.port = std::to_string(port);
  cfg.origin = "test";
  cfg.insecure_skip_tls_verify = true;
  return cfg;
}

TEST(tls_transport, a_silent_peer_times_out_instead_of_blocking) {
  // A listening socket completes the TCP handshake in the kernel but never
  // speaks TLS: the handshake must hit the request deadline.
  net::io_context io;
  net::ip::tcp::acceptor silent(io, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  auto transport = http::tls_transport::create(local_cluster(silent.local_endpoint().port()));
  ASSERT_TRUE(transport) << transport.err().to_string();
  http::request req;
  req.target = "/version";
  const auto start = std::chrono::steady_clock::now();
  auto res = transport.value()->round_trip(req, 300ms);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(res);
  EXPECT_EQ(res.err().what, error::kind::transport);
  EXPECT_NE(res.err().message.find("timed out"), std::string::npos) << res.err().message;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 5s);

  auto stream = transport.value()->open_stream(req, 300ms, 1s);
  ASSERT_FALSE(stream);
  EXPECT_NE(stream.err().message.find("timed out"), std::string::npos) << stream.err().message;
}

TEST(tls_transport, a_refused_connection_is_a_transport_error_naming_the_server) {
  unsigned short port = 0;
  {
    net::io_context io;
    net::ip::tcp::acceptor closed(io, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = closed.local_endpoint().port();
  }
  auto transport = http::tls_transport::create(local_cluster(port));
  ASSERT_TRUE(transport);
  http::request req;
  req.target = "/version";
  auto res = transport.value()->round_trip(req, 2s);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.err().what, error::kind::transport);
  EXPECT_NE(res.err().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << res.err().message;
}

TEST(tls_transport, cancel_aborts_a_round_trip_in_flight_and_refuses_later_ones) {
  // Shutdown against a server that does not answer: the request in flight
  // ends soon after cancel(), not at its 30 s deadline.
  net::io_context io;
  net::ip::tcp::acceptor silent(io, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  auto transport = http::tls_transport::create(local_cluster(silent.local_endpoint().port()));
  ASSERT_TRUE(transport) << transport.err().to_string();
  http::request req;
  req.target = "/version";
  std::promise<result<http::response>> answered;
  auto answer = answered.get_future();
  std::thread caller([&] { answered.set_value(transport.value()->round_trip(req, 30s)); });
  EXPECT_EQ(answer.wait_for(300ms), std::future_status::timeout) << "the peer is silent";
  const auto start = std::chrono::steady_clock::now();
  transport.value()->cancel();
  const bool ended = answer.wait_for(5s) == std::future_status::ready;
  const auto took = std::chrono::steady_clock::now() - start;
  if (!ended)
    silent.close(); // lets the 30 s deadline or a reset end the call
  caller.join();
  ASSERT_TRUE(ended) << "cancel() did not end the round trip in flight";
  EXPECT_LT(took, 2s);
  auto res = answer.get();
  ASSERT_FALSE(res);
  EXPECT_EQ(res.err().what, error::kind::cancelled) << res.err().to_string();

  auto later = transport.value()->round_trip(req, 30s);
  ASSERT_FALSE(later);
  EXPECT_EQ(later.err().what, error::kind::cancelled);
  auto stream = transport.value()->open_stream(req, 30s, 30s);
  ASSERT_FALSE(stream);
  EXPECT_EQ(stream.err().what, error::kind::cancelled);
  EXPECT_EQ(transport.value()->connections_opened(), 0u) << "the handshake never completed";
}

TEST(tls_context, bad_pem_material_is_a_config_error) {
  struct row {
    std::string ca, cert, key, expected;
  };
  const std::vector<row> rows{
      {"not a certificate", "", "", "certificate authority"},
      {"", "not a certificate", "not a key", "client certificate"},
  };
  for (const auto& r : rows) {
    auth::cluster_config cfg = local_cluster(443);
    cfg.insecure_skip_tls_verify = false;
    cfg.ca_pem = r.ca;
    cfg.client_cert_pem = r.cert;
    cfg.client_key_pem = r.key;
    auto ctx = http::make_tls_context(cfg);
    ASSERT_FALSE(ctx) << r.expected;
    EXPECT_EQ(ctx.err().what, error::kind::config);
    EXPECT_NE(ctx.err().message.find(r.expected), std::string::npos) << ctx.err().message;
  }
}

} // namespace
} // namespace lattice::k8s
