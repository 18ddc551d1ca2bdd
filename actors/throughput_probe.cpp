#include "actors/throughput_probe.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <caf/all.hpp>

namespace lattice::actors {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::size_t max_body = std::size_t{64} * 1024;

// A named function with an argument, as the gateways: CAF 0.17 dereferences
// an empty argument tuple when spawning an argument-less lambda.
protocol::probe_actor::behavior_type probe(std::chrono::milliseconds deadline) {
  return {[deadline](protocol::throughput_probe& p) { return http_probe(p, deadline); }};
}

} // namespace

protocol::probe_result http_probe(const protocol::throughput_probe& probe,
                                  std::chrono::milliseconds deadline) {
  protocol::probe_result out;
  if (std::chrono::steady_clock::now() > probe.not_after) {
    out.error = "not asked: the request waited longer than the poll interval for a free probe";
    return out;
  }
  beast::error_code ec;
  const auto address = asio::ip::make_address(probe.host, ec);
  if (ec) {
    out.error = "not an IP address: " + probe.host;
    return out;
  }
  // Asynchronous with one timer over the whole exchange: Beast's timeouts
  // apply to asynchronous operations only, and a pod that drops packets
  // must not hold the thread for the kernel's SYN retries.
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::empty_body> request{http::verb::get, probe.path, 11};
  request.set(http::field::host, probe.host);
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_body);
  beast::error_code failure;
  bool done = false;
  auto finish = [&](beast::error_code e) {
    failure = e;
    done = true;
  };
  stream.expires_after(deadline);
  stream.async_connect(asio::ip::tcp::endpoint(address, probe.port), [&](beast::error_code e) {
    if (e)
      return finish(e);
    http::async_write(stream, request, [&](beast::error_code e, std::size_t) {
      if (e)
        return finish(e);
      http::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) { finish(e); });
    });
  });
  io.run_for(deadline + std::chrono::milliseconds(500));
  if (!done) {
    out.error = "no answer within " + std::to_string(deadline.count()) + " ms";
    return out;
  }
  if (failure) {
    out.error = failure == beast::error::timeout
                    ? "no answer within " + std::to_string(deadline.count()) + " ms"
                    : failure.message();
    return out;
  }
  const auto& response = parser.get();
  if (response.result() != http::status::ok) {
    out.error = "HTTP " + std::to_string(response.result_int());
    return out;
  }
  out.ok = true;
  out.body = response.body();
  return out;
}

std::vector<protocol::probe_actor> spawn_probes(caf::actor_system& sys, std::size_t count,
                                                std::chrono::milliseconds deadline) {
  std::vector<protocol::probe_actor> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    out.push_back(sys.spawn<caf::detached>(probe, deadline));
  return out;
}

} // namespace lattice::actors
