#pragma once

#include "base/clock.hpp"

#include <memory>
#include <mutex>
#include <string>

namespace lattice::k8s::auth {

/// Where the bearer token comes from. Thread-safe.
class token_source {
public:
  virtual ~token_source() = default;
  /// The token to send now ("" for none).
  virtual std::string token() = 0;
  /// The server rejected the token (401): re-read it before the next use.
  virtual void invalidate() {}
};

/// A token fixed at load time (kubeconfig `token:`).
class static_token final : public token_source {
public:
  explicit static_token(std::string value) : value_(std::move(value)) {}
  std::string token() override { return value_; }

private:
  std::string value_;
};

/// A token read from a file that the kubelet rotates (the projected
/// ServiceAccount token, kubeconfig `tokenFile:`). The file is re-read when
/// `refresh_interval` has passed since the last read or after invalidate();
/// a failed re-read keeps the last good token.
class file_token final : public token_source {
public:
  file_token(std::string path, std::string initial, base::clock::duration refresh_interval,
             base::clock& time = base::system_clock());
  std::string token() override;
  void invalidate() override;
  const std::string& path() const { return path_; }

private:
  std::string path_;
  base::clock::duration refresh_;
  base::clock& clock_;
  std::mutex mutex_;
  std::string value_;
  base::steady_time read_at_;
  bool stale_ = false;
};

/// Reads a token file, trimming surrounding whitespace. Empty optional-like
/// result ("" plus false) when the file cannot be read.
bool read_token_file(const std::string& path, std::string& out);

} // namespace lattice::k8s::auth
