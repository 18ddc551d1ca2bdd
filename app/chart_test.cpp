// `lattice-operator chart-test`: the Helm chart's test hook, run from the
// operator's own image (it has no shell or HTTP tool). Two checks, as a
// user of the installed chart would make them: the operator answers
// /readyz through its Service, and the API server serves the TrainingJob
// resource (the CRD is installed and established).
#include "app/chart_test.hpp"

#include "k8s/auth/in_cluster.hpp"
#include "k8s/client/make_client.hpp"

#include <boost/asio/connect.hpp>
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

// One plain HTTP GET; the status code, or an error message in `error`.
int http_get(const url_parts& url, std::string& body, std::string& error) {
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(5));
    stream.connect(resolver.resolve(url.host, url.port));
    http::request<http::empty_body> request{http::verb::get, url.target, 11};
    request.set(http::field::host, url.host);
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    body = response.body();
    return static_cast<int>(response.result_int());
  } catch (const std::exception& e) {
    error = e.what();
    return 0;
  }
}

bool check_readyz(const std::string& url) {
  url_parts parts;
  if (!split_http_url(url, parts)) {
    std::cout << "FAIL readiness: --readyz-url \"" << url << "\" is not http://HOST[:PORT]/PATH\n";
    return false;
  }
  std::string body;
  std::string error;
  // The Service may still be getting its endpoint right after install.
  for (int attempt = 0; attempt < 10; ++attempt) {
    const int status = http_get(parts, body, error);
    if (status == 200) {
      std::cout << "ok   readiness: GET " << url << " -> 200 " << body << "\n";
      return true;
    }
    if (attempt == 9) {
      std::cout << "FAIL readiness: GET " << url << " -> "
                << (status == 0 ? error : std::to_string(status) + " " + body) << "\n";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  return false;
}

bool check_crd_served(const std::string& group) {
  auto cluster = k8s::auth::load_in_cluster();
  if (!cluster) {
    std::cout << "FAIL crd: " << cluster.err().message << "\n";
    return false;
  }
  config::api_client_config api;
  api.request_timeout = std::chrono::milliseconds(10'000);
  auto client = k8s::client::make_rest_client(api, std::move(*cluster));
  if (!client) {
    std::cout << "FAIL crd: " << client.err().message << "\n";
    return false;
  }
  const std::string path = "/apis/" + group + "/v1";
  auto body = (*client)->call("GET", path);
  if (!body) {
    std::cout << "FAIL crd: GET " << path << ": " << body.err().message << "\n";
    return false;
  }
  if (body->find("\"name\":\"trainingjobs\"") == std::string::npos) {
    std::cout << "FAIL crd: GET " << path << " does not list trainingjobs: " << *body << "\n";
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
