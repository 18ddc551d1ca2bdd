#include "k8s/client/status_error.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdlib>

namespace lattice::k8s::client {

int parse_retry_after(const std::string& value) {
  if (value.empty() || value.find_first_not_of("0123456789 ") != std::string::npos)
    return 0;
  const long seconds = std::strtol(value.c_str(), nullptr, 10);
  return seconds > 0 && seconds < 86400 ? static_cast<int>(seconds) : 0;
}

error http_error(const http::response& res, const std::string& what) {
  error e;
  e.what = error::kind::http;
  e.status = res.status;
  e.retry_after_seconds = parse_retry_after(res.retry_after);
  std::string detail;
  boost::system::error_code ec;
  const auto doc = boost::json::parse(res.body, ec);
  if (!ec && doc.is_object()) {
    const auto& obj = doc.get_object();
    if (const auto* reason = obj.if_contains("reason"); reason && reason->is_string())
      e.reason = std::string(reason->get_string());
    if (const auto* message = obj.if_contains("message"); message && message->is_string())
      detail = std::string(message->get_string());
  }
  if (detail.empty()) {
    detail = res.body.substr(0, 200);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r'))
      detail.pop_back();
  }
  e.message = what + ": " + (detail.empty() ? "HTTP " + std::to_string(res.status) : detail);
  return e;
}

} // namespace lattice::k8s::client
