#include "observability/http_server.hpp"
#include "test/unit/observability/http_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace lattice::observability {
namespace {

namespace http = boost::beast::http;
using test::http_client;

http_server_options loopback(std::size_t threads = 1) {
  http_server_options opts;
  opts.address = "127.0.0.1";
  opts.port = 0;
  opts.threads = threads;
  return opts;
}

TEST(http_server, answers_a_route_on_an_ephemeral_port) {
  http_server server(loopback());
  server.route("/hello", [](const http_request& req) {
    return http_response{200, "text/plain", "hi " + req.path + " q=" + req.query};
  });
  EXPECT_EQ(server.port(), 0);
  server.start();
  ASSERT_NE(server.port(), 0);
  http_client client(server.port());
  auto res = client.get("/hello?x=1");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[http::field::content_type], "text/plain");
  EXPECT_EQ(res.body(), "hi /hello q=x=1");
}

TEST(http_server, json_route_sets_the_content_type) {
  http_server server(loopback());
  server.route("/debug/actors", [](const http_request&) { return json_response(R"({"actors":[]})"); });
  server.start();
  http_client client(server.port());
  auto res = client.get("/debug/actors");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(res.body(), R"({"actors":[]})");
}

TEST(http_server, unknown_path_is_404_and_other_methods_are_405) {
  http_server server(loopback());
  server.route("/metrics", [](const http_request&) { return http_response{200, "text/plain", "m"}; });
  server.start();
  http_client client(server.port());
  // One connection: keep-alive carries all three requests.
  EXPECT_EQ(client.get("/nope").result_int(), 404u);
  EXPECT_EQ(client.request(http::verb::post, "/metrics", "x").result_int(), 405u);
  EXPECT_EQ(client.get("/metrics").body(), "m");
}

TEST(http_server, head_gets_headers_without_body) {
  http_server server(loopback());
  server.route("/x", [](const http_request&) { return http_response{200, "text/plain", "body"}; });
  server.start();
  http_client client(server.port());
  http::request<http::empty_body> req{http::verb::head, "/x", 11};
  http::write(client.stream(), req);
  http::response_parser<http::empty_body> parser;
  parser.skip(true);
  boost::beast::flat_buffer buffer;
  http::read(client.stream(), buffer, parser);
  EXPECT_EQ(parser.get().result_int(), 200u);
  EXPECT_EQ(parser.get()[http::field::content_length], "4");
}

TEST(http_server, handler_exception_is_500) {
  http_server server(loopback());
  server.route("/boom", [](const http_request&) -> http_response { throw std::runtime_error("kaput"); });
  server.start();
  http_client client(server.port());
  auto res = client.get("/boom");
  EXPECT_EQ(res.result_int(), 500u);
  EXPECT_NE(res.body().find("kaput"), std::string::npos);
}

TEST(http_server, oversized_body_is_rejected) {
  auto opts = loopback();
  opts.max_body_bytes = 16;
  http_server server(opts);
  server.route("/x", [](const http_request&) { return http_response{}; });
  server.start();
  http_client client(server.port());
  auto res = client.request(http::verb::get, "/x", std::string(1024, 'a'));
  EXPECT_EQ(res.result_int(), 413u);
  EXPECT_FALSE(res.keep_alive());
}

TEST(http_server, oversized_headers_are_rejected) {
  auto opts = loopback();
  opts.max_header_bytes = 512;
  http_server server(opts);
  server.route("/x", [](const http_request&) { return http_response{}; });
  server.start();
  http_client client(server.port());
  std::string request = "GET /x HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(2048, 'b') + "\r\n\r\n";
  boost::asio::write(client.stream().socket(), boost::asio::buffer(request));
  http::response<http::string_body> res;
  boost::beast::flat_buffer buffer;
  http::read(client.stream(), buffer, res);
  EXPECT_EQ(res.result_int(), 431u);
}

TEST(http_server, serves_concurrent_clients) {
  http_server server(loopback(2));
  std::atomic<int> calls{0};
  server.route("/n", [&](const http_request&) {
    ++calls;
    return http_response{200, "text/plain", "ok"};
  });
  server.start();
  constexpr int clients = 8;
  constexpr int per_client = 20;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&] {
      http_client client(server.port());
      for (int k = 0; k < per_client; ++k)
        if (client.get("/n").body() == "ok")
          ++ok;
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), clients * per_client);
  EXPECT_EQ(calls.load(), clients * per_client);
}

TEST(http_server, idle_client_does_not_block_others_and_is_timed_out) {
  auto opts = loopback();
  opts.read_timeout = std::chrono::milliseconds(200);
  http_server server(opts);
  server.route("/x", [](const http_request&) { return http_response{200, "text/plain", "x"}; });
  server.start();
  // A client that connects and sends half a request line, then stalls.
  http_client slow(server.port());
  boost::asio::write(slow.stream().socket(), boost::asio::buffer(std::string("GET /x HT")));
  http_client fast(server.port());
  EXPECT_EQ(fast.get("/x").body(), "x");
  // The server closes the stalled connection after read_timeout: read sees EOF.
  char byte;
  boost::system::error_code ec;
  slow.stream().socket().read_some(boost::asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
}

TEST(http_server, stop_closes_connections_and_frees_the_port) {
  http_server server(loopback());
  server.route("/x", [](const http_request&) { return http_response{200, "text/plain", "x"}; });
  server.start();
  auto port = server.port();
  http_client client(port);
  EXPECT_EQ(client.get("/x").body(), "x");
  server.stop();
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.port(), 0);
  char byte;
  boost::system::error_code ec;
  client.stream().socket().read_some(boost::asio::buffer(&byte, 1), ec);
  EXPECT_TRUE(ec) << "the kept-alive connection must be closed by stop()";
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket probe(ioc);
  probe.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  EXPECT_EQ(ec, boost::asio::error::connection_refused);
  server.stop(); // idempotent
}

TEST(http_server, bind_failure_names_address_and_port) {
  http_server first(loopback());
  first.start();
  auto opts = loopback();
  opts.port = first.port();
  http_server second(opts);
  try {
    second.start();
    FAIL() << "binding a port in use must throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port())), std::string::npos)
        << e.what();
  }
  auto bad = loopback();
  bad.address = "not-an-ip";
  http_server third(bad);
  EXPECT_THROW(third.start(), std::runtime_error);
}

} // namespace
} // namespace lattice::observability
