#pragma once

#include "base/clock.hpp"

#include <mutex>

namespace lattice::k8s::http {

/// A token bucket like client-go's (golang.org/x/time/rate): `burst` tokens
/// at most, refilled at `qps` per second. Thread-safe. A qps <= 0 disables
/// limiting.
class rate_limiter {
public:
  rate_limiter(double qps, int burst, base::clock& time = base::system_clock());

  /// Takes one token, blocking (through the clock) until one is available.
  void acquire();

  /// Takes one token if one is available now.
  bool try_acquire();

  /// Takes one token and returns how long the caller must wait before using
  /// it (zero when a token was available). Never blocks.
  base::clock::duration reserve();

  double qps() const { return qps_; }
  int burst() const { return burst_; }

private:
  void refill_locked(base::steady_time now);

  double qps_;
  int burst_;
  base::clock& clock_;
  std::mutex mutex_;
  double tokens_;
  base::steady_time last_;
};

} // namespace lattice::k8s::http
