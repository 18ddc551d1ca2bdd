#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lattice::k8s::http {

/// Turns arbitrary chunks of a watch body into complete lines. Blank lines
/// are dropped; "\r\n" is accepted.
class line_splitter {
public:
  void feed(std::string_view chunk) { pending_member_.append(chunk.data(), chunk.size()); }

  /// The next complete line, if one has arrived.
  std::optional<std::string> next();

  /// Bytes received but not yet ending in a newline.
  std::size_t buffered() const { return pending_member_.size() - consumed_member_; }

private:
  std::string pending_member_;
  std::size_t consumed_member_ = 0;
};

} // namespace lattice::k8s::http
