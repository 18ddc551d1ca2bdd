// `lattice-operator chart-test`: the Helm chart's test hook, run from the
// operator's own image (it has no shell or HTTP tool). Two checks, as a
// user of the installed chart would make them: the operator answers
// /readyz through its Service, and the API server serves the TrainingJob
// resource (the CRD is installed and established).
#include "app/chart_test.hpp"

#include "k8s/auth/in_cluster.hpp"
#include "k8s/client/make_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <iostream>
#include <thread>

namespace lattice::app {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct url_parts {
  std::string host;
  std::string port = "80";
  std::string target = "/";
};

bool split_http_url(const std::string& url, url_parts& out) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    return false;
  std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos)
    out.target = rest.substr(slash);
  if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    out.port = authority.substr(colon + 1);
    authority.resize(colon);
  }
  out.host = authority;
  return !out.host.empty() && !out.port.empty();
}

// One plain HTTP GET within `deadline` (resolve, connect, write, read); the
// status code, or 0 and an error message in `error`. Asynchronous because
// Beast's timeouts apply to asynchronous operations only: a synchronous
// connect to a Service whose packets are dropped (no endpoints and ICMP
// rate-limited, a NetworkPolicy) would wait out the kernel's SYN retries.
int http_get(const url_parts& url, std::chrono::seconds deadline, std::string& body, std::string& error) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::empty_body> request{http::verb::get, url.target, 11};
  request.set(http::field::host, url.host);
  http::response<http::string_body> response;
  beast::error_code failure;
  bool done = false;
  auto finish = [&](beast::error_code ec) {
    failure = ec;
    done = true;
  };
  stream.expires_after(deadline);
  resolver.async_resolve(
      url.host, url.port, [&](beast::error_code ec, const asio::ip::tcp::resolver::results_type& found) {
        if (ec)
          return finish(ec);
        stream.async_connect(found, [&](beast::error_code ec, const asio::ip::tcp::endpoint&) {
          if (ec)
            return finish(ec);
          http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
            if (ec)
              return finish(ec);
            http::async_read(stream, buffer, response,
                             [&](beast::error_code ec, std::size_t) { finish(ec); });
          });
        });
      });
  // The resolver is not under the stream's timer: the whole exchange is.
  io.run_for(deadline + std::chrono::seconds(1));
  if (!done) {
    error = "no answer within " + std::to_string(deadline.count()) + " s";
    return 0;
  }
  if (failure) {
    error = failure.message();
    return 0;
  }
  body = response.body();
  return static_cast<int>(response.result_int());
}

bool check_readyz(const std::string& url) {
  url_parts parts;
  if (!split_http_url(url, parts)) {
    std::cout << "FAIL readiness: --readyz-url \"" << url << "\" is not http://HOST[:PORT]/PATH\n";
    return false;
  }
  std::string body;
  std::string error;
  // The Service may still be getting its endpoint right after install:
  // 10 attempts of at most 3 s, a second apart.
  for (int attempt = 0; attempt < 10; ++attempt) {
    const int status = http_get(parts, std::chrono::seconds(3), body, error);
    if (status == 200) {
      std::cout << "ok   readiness: GET " << url << " -> 200 " << body << std::endl;
      return true;
    }
    if (attempt == 9) {
      std::cout << "FAIL readiness: GET " << url << " -> "
                << (status == 0 ? error : std::to_string(status) + " " + body) << std::endl;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return false;
}

bool check_crd_served(const std::string& group) {
  auto cluster = k8s::auth::load_in_cluster();
  if (!cluster) {
    std::cout << "FAIL crd: " << cluster.err().message << std::endl;
    return false;
  }
  config::api_client_config api;
  api.request_timeout = std::chrono::milliseconds(10'000);
  auto client = k8s::client::make_rest_client(api, std::move(*cluster));
  if (!client) {
    std::cout << "FAIL crd: " << client.err().message << std::endl;
    return false;
  }
  const std::string path = "/apis/" + group + "/v1";
  auto body = (*client)->call("GET", path);
  if (!body) {
    std::cout << "FAIL crd: GET " << path << ": " << body.err().message << std::endl;
    return false;
  }
  if (body->find("\"name\":\"trainingjobs\"") == std::string::npos) {
    std::cout << "FAIL crd: GET " << path << " does not list trainingjobs: " << *body << std::endl;
    return false;
  }
  std::cout << "ok   crd: GET " << path << " lists trainingjobs\n";
  return true;
}

} // namespace

std::string parse_chart_test_args(const std::vector<std::string>& args, chart_test_options& out) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& flag = args[i];
    std::string value;
    std::string name = flag;
    if (const auto eq = flag.find('='); eq != std::string::npos) {
      name = flag.substr(0, eq);
      value = flag.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    }
    if (name == "--readyz-url")
      out.readyz_url = value;
    else if (name == "--api-group")
      out.api_group = value;
    else
      return "unknown argument \"" + flag + "\"";
  }
  if (out.readyz_url.empty() || out.api_group.empty())
    return "usage: lattice-operator chart-test --readyz-url http://SERVICE:PORT/readyz --api-group GROUP";
  return {};
}

int run_chart_test(const chart_test_options& options) {
  const bool ready = check_readyz(options.readyz_url);
  const bool served = check_crd_served(options.api_group);
  return ready && served ? 0 : 1;
}

} // namespace lattice::app
