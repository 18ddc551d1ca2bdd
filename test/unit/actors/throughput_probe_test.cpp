#include "actors/throughput_probe.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace lattice::actors {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

/// A one-connection server on 127.0.0.1: reads the request head, then
/// sends `response` (or, when empty, holds the connection open silently
/// until the client gives up).
class one_shot_server {
public:
  explicit one_shot_server(std::string response)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        response_(std::move(response)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] {
      tcp::socket socket(io_);
      acceptor_.accept(socket);
      asio::streambuf head;
      boost::system::error_code ec;
      asio::read_until(socket, head, "\r\n\r\n", ec);
      request_ = std::string(asio::buffers_begin(head.data()), asio::buffers_end(head.data()));
      if (!response_.empty()) {
        asio::write(socket, asio::buffer(response_), ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
      } else {
        char byte;
        socket.read_some(asio::buffer(&byte, 1), ec); // until the client closes
      }
    });
  }
  ~one_shot_server() { thread_.join(); }
  std::uint16_t port() const { return port_; }
  const std::string& request() const { return request_; }

private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::string response_;
  std::string request_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

std::string http_response(const std::string& status, const std::string& body) {
  return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

TEST(throughput_probe, a_200_answer_brings_its_body) {
  const std::string body = R"({"generation":1,"workers":2,"report":null})";
  protocol::probe_result r;
  std::string request;
  {
    one_shot_server server(http_response("200 OK", body));
    r = http_probe({"127.0.0.1", server.port(), "/throughput"}, 2s);
    request = server.request();
  }
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, body);
  EXPECT_EQ(request.rfind("GET /throughput HTTP/1.1\r\n", 0), 0u) << request;
}

TEST(throughput_probe, another_status_is_an_error) {
  one_shot_server server(http_response("404 Not Found", "{}"));
  auto r = http_probe({"127.0.0.1", server.port(), "/throughput"}, 2s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "HTTP 404");
}

TEST(throughput_probe, a_silent_agent_is_given_up_on_at_the_deadline) {
  one_shot_server server("");
  const auto start = std::chrono::steady_clock::now();
  auto r = http_probe({"127.0.0.1", server.port(), "/throughput"}, 300ms);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "no answer within 300 ms");
  EXPECT_LT(took, 2s);
}

TEST(throughput_probe, a_request_past_its_time_is_not_sent) {
  protocol::throughput_probe late{"127.0.0.1", 9, "/throughput", std::chrono::steady_clock::now() - 1ms};
  const auto start = std::chrono::steady_clock::now();
  auto r = http_probe(late, 2s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "not asked: the request waited longer than the poll interval for a free probe");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
}

TEST(throughput_probe, a_closed_port_and_a_name_are_errors) {
  std::uint16_t closed = 0;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed = a.local_endpoint().port();
  }
  auto refused = http_probe({"127.0.0.1", closed, "/throughput"}, 1s);
  EXPECT_FALSE(refused.ok);
  EXPECT_FALSE(refused.error.empty());
  auto name = http_probe({"worker-0.example", 80, "/throughput"}, 1s);
  EXPECT_FALSE(name.ok);
  EXPECT_EQ(name.error, "not an IP address: worker-0.example");
}

TEST(throughput_probe, a_probe_actor_answers_a_request) {
  const std::string body = R"({"report":null})";
  one_shot_server server(http_response("200 OK", body));
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto probes = spawn_probes(sys, 2, 2s);
  ASSERT_EQ(probes.size(), 2u);
  protocol::probe_result r;
  {
    caf::scoped_actor self{sys};
    self->request(probes[1], 5s, protocol::throughput_probe{"127.0.0.1", server.port(), "/throughput"})
        .receive([&](protocol::probe_result& got) { r = std::move(got); },
                 [&](caf::error& err) { r.error = sys.render(err); });
  }
  for (auto& p : probes)
    caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.body, body);
}

} // namespace
} // namespace lattice::actors
