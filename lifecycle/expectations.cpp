#include "lifecycle/expectations.hpp"

namespace lattice::lifecycle {

std::size_t expectations::expire(clock::time_point now) {
  std::size_t n = 0;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second <= now) {
      it = pending_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

std::set<std::string> expectations::names() const {
  std::set<std::string> out;
  for (const auto& [name, deadline] : pending_)
    out.insert(name);
  return out;
}

} // namespace lattice::lifecycle
