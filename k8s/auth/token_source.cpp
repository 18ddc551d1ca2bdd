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

file_token::file_token(std::string path, std::string initial, base::clock::duration refresh_interval,
                       base::clock& time)
    : path_(std::move(path)), refresh_(refresh_interval), clock_(time), value_(std::move(initial)),
      read_at_(time.steady()) {}

std::string file_token::token() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = clock_.steady();
  if (stale_ || now - read_at_ >= refresh_) {
    std::string fresh;
    // Keep the last good token when the file is briefly missing (the kubelet
    // swaps a symlink) or empty; the server will say 401 if it is really gone.
    if (read_token_file(path_, fresh) && !fresh.empty())
      value_ = std::move(fresh);
    read_at_ = now;
    stale_ = false;
  }
  return value_;
}

void file_token::invalidate() {
  std::lock_guard<std::mutex> lock(mutex_);
  stale_ = true;
}

} // namespace lattice::k8s::auth
