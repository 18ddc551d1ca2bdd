#include "k8s/codec/decode_context.hpp"

namespace lattice::k8s::codec {

namespace {

/// Keys that are not plain identifiers ("nvidia.com/gpu", "app.kubernetes.io/name")
/// are bracketed so the path stays unambiguous, as Kubernetes field paths do.
bool plain_identifier(std::string_view key) {
  if (key.empty())
    return false;
  for (char c : key) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

} // namespace

bool decode_context::fail(std::string message) {
  if (!error_)
    error_ = decode_error(object(), path(), std::move(message));
  return false;
}

bool decode_context::fail_at(std::string_view key, std::string message) {
  push(key);
  fail(std::move(message));
  pop();
  return false;
}

error decode_context::take_error() {
  if (!error_)
    return decode_error(object(), path(), "unknown decode failure");
  error e = std::move(*error_);
  error_.reset();
  return e;
}

std::string decode_context::path() const {
  std::string out;
  for (std::size_t i = 0; i < depth_ && i < max_depth; ++i) {
    const segment& s = path_[i];
    if (s.is_index) {
      out += '[';
      out += std::to_string(s.index);
      out += ']';
    } else if (plain_identifier(s.key)) {
      if (!out.empty())
        out += '.';
      out.append(s.key.data(), s.key.size());
    } else {
      out += '[';
      out.append(s.key.data(), s.key.size());
      out += ']';
    }
  }
  if (depth_ > max_depth)
    out += "...";
  return out;
}

} // namespace lattice::k8s::codec
