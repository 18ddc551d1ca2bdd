#include "k8s/auth/token_source.hpp"

#include <fstream>
#include <sstream>

namespace lattice::k8s::auth {

bool read_token_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  const auto first = value.find_first_not_of(" \t\r\n");
  const auto last = value.find_last_not_of(" \t\r\n");
  out = first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
  return true;
}

file_token::file_token(std::string path, std::string initial, http::clock::duration refresh_interval,
                       http::clock& time)
    : path_member_(std::move(path)), refresh_member_(refresh_interval), clock_member_(time),
      value_member_(std::move(initial)), read_at_member_(time.now()) {}

std::string file_token::token() {
  std::lock_guard<std::mutex> lock(mutex_member_);
  const auto now = clock_member_.now();
  if (stale_member_ || now - read_at_member_ >= refresh_member_) {
    std::string fresh;
    // Keep the last good token when the file is briefly missing (the kubelet
    // swaps a symlink) or empty; the server will say 401 if it is really gone.
    if (read_token_file(path_member_, fresh) && !fresh.empty())
      value_member_ = std::move(fresh);
    read_at_member_ = now;
    stale_member_ = false;
  }
  return value_member_;
}

void file_token::invalidate() {
  std::lock_guard<std::mutex> lock(mutex_member_);
  stale_member_ = true;
}

} // namespace lattice::k8s::auth
