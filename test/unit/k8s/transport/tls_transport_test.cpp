// The real transport's failure paths that need no TLS server: a peer that
// never answers (every call has a deadline), a refused connection, and bad
// PEM material.
#include "k8s/http/tls_context.hpp"
#include "k8s/http/tls_transport.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

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
