#include "k8s/http/line_splitter.hpp"

namespace lattice::k8s::http {

std::optional<std::string> line_splitter::next() {
  while (true) {
    const auto newline = pending_.find('\n', consumed_);
    if (newline == std::string::npos) {
      // Compact once everything before the partial line has been handed out.
      pending_.erase(0, consumed_);
      consumed_ = 0;
      return std::nullopt;
    }
    std::size_t end = newline;
    if (end > consumed_ && pending_[end - 1] == '\r')
      --end;
    std::string line = pending_.substr(consumed_, end - consumed_);
    consumed_ = newline + 1;
    if (!line.empty())
      return line;
  }
}

} // namespace lattice::k8s::http
