#include "k8s/http/line_splitter.hpp"

namespace lattice::k8s::http {

std::optional<std::string> line_splitter::next() {
  while (true) {
    const auto newline = pending_member_.find('\n', consumed_member_);
    if (newline == std::string::npos) {
      // Compact once everything before the partial line has been handed out.
      pending_member_.erase(0, consumed_member_);
      consumed_member_ = 0;
      return std::nullopt;
    }
    std::size_t end = newline;
    if (end > consumed_member_ && pending_member_[end - 1] == '\r')
      --end;
    std::string line = pending_member_.substr(consumed_member_, end - consumed_member_);
    consumed_member_ = newline + 1;
    if (!line.empty())
      return line;
  }
}

} // namespace lattice::k8s::http
