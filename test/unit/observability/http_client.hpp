#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <string>

namespace lattice::observability::test {

/// A blocking HTTP/1.1 client over one kept-alive connection, for tests.
class http_client {
public:
  explicit http_client(std::uint16_t port) : stream_(ioc_) {
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port);
    stream_.connect(ep);
  }

  boost::beast::http::response<boost::beast::http::string_body>
  request(boost::beast::http::verb verb, const std::string& target, std::string body = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "localhost");
    req.keep_alive(true);
    if (!body.empty()) {
      req.body() = std::move(body);
      req.prepare_payload();
    }
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    return res;
  }

  auto get(const std::string& target) { return request(boost::beast::http::verb::get, target); }

  boost::beast::tcp_stream& stream() { return stream_; }

private:
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

} // namespace lattice::observability::test
