#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lattice::k8s::http {

/// Turns arbitrary chunks of a watch body into complete lines. Blank lines
/// are dropped; "\r\n" is accepted.
class line_splitter {
public:
  void feed(std::string_view chunk) { pending_.append(chunk.data(), chunk.size()); }

  /// The next complete line, if one has arrived.
  std::optional<std::string> next();

  /// Bytes received but not yet ending in a newline.
  std::size_t buffered() const { return pending_.size() - consumed_; }

private:
  std::string pending_;
  std::size_t consumed_ = 0;
};

} // namespace lattice::k8s::http
