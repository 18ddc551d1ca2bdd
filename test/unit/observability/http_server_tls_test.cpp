// The HTTP server over TLS: a self-signed certificate made at start, or the
// certificate and key of a directory (a mounted kubernetes.io/tls Secret).
#include "observability/http_server.hpp"
#include "observability/server_tls.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <openssl/x509.h>
#include <string>

namespace lattice::observability {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

http_server_options tls_loopback(std::shared_ptr<asio::ssl::context> tls) {
  http_server_options opts;
  opts.address = "127.0.0.1";
  opts.threads = 1;
  opts.tls = std::move(tls);
  return opts;
}

/// GETs `target` over TLS (no verification: the test reads the certificate
/// itself); returns the body and puts the certificate's common name in `cn`.
std::string tls_get(std::uint16_t port, const std::string& target, std::string& cn) {
  asio::io_context ioc;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  stream.handshake(asio::ssl::stream_base::client);
  X509* cert = SSL_get1_peer_certificate(stream.native_handle());
  char name[256] = "";
  if (cert) {
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
    X509_free(cert);
  }
  cn = name;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "localhost");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return std::to_string(res.result_int()) + " " + res.body();
}

TEST(http_server_tls, serves_over_tls_with_a_self_signed_certificate) {
  http_server server(tls_loopback(make_server_tls_context("")));
  server.route("/metrics", [](const http_request&) { return http_response{200, "text/plain", "m 1\n"}; });
  server.start();
  std::string cn;
  EXPECT_EQ(tls_get(server.port(), "/metrics", cn), "200 m 1\n");
  EXPECT_EQ(cn, "lattice-operator");
}

TEST(http_server_tls, plain_http_to_a_tls_port_gets_no_answer_and_is_closed) {
  http_server server(tls_loopback(make_server_tls_context("")));
  server.route("/metrics", [](const http_request&) { return http_response{200, "text/plain", "m 1\n"}; });
  server.start();
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  asio::write(socket, asio::buffer(std::string("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string received;
  boost::system::error_code ec;
  char chunk[512];
  for (std::size_t n; (n = socket.read_some(asio::buffer(chunk), ec)) > 0 || !ec;)
    received.append(chunk, n);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_EQ(received.find("m 1"), std::string::npos) << "metrics leaked over plain HTTP";
  std::string cn;
  EXPECT_EQ(tls_get(server.port(), "/metrics", cn), "200 m 1\n") << "the port still serves TLS clients";
}

TEST(http_server_tls, uses_the_certificate_of_a_directory_and_names_a_missing_file) {
  auto dir = std::filesystem::path(::testing::TempDir()) / "lattice-tls-test";
  std::filesystem::create_directories(dir);
  auto command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=mounted"
      " -keyout "
      + (dir / "tls.key").string() + " -out " + (dir / "tls.crt").string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  http_server server(tls_loopback(make_server_tls_context(dir.string())));
  server.route("/metrics", [](const http_request&) { return http_response{200, "text/plain", "m 1\n"}; });
  server.start();
  std::string cn;
  EXPECT_EQ(tls_get(server.port(), "/metrics", cn), "200 m 1\n");
  EXPECT_EQ(cn, "mounted");
  std::filesystem::remove_all(dir);
  try {
    make_server_tls_context(dir.string());
    FAIL() << "a missing certificate must throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "tls.crt").string()), std::string::npos) << e.what();
  }
}

} // namespace
} // namespace lattice::observability
