#include "k8s/client/query.hpp"

namespace lattice::k8s::client {

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                            || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xF]);
    }
  }
  return out;
}

std::string build_target(const std::string& path, const query_params& query) {
  std::string out = path;
  char separator = '?';
  for (const auto& [name, value] : query) {
    out.push_back(separator);
    out += url_encode(name);
    out.push_back('=');
    out += url_encode(value);
    separator = '&';
  }
  return out;
}

} // namespace lattice::k8s::client
