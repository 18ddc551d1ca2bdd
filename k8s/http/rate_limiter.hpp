#pragma once

#include "k8s/http/clock.hpp"

#include <mutex>

namespace lattice::k8s::http {

/// A token bucket like client-go's (golang.org/x/time/rate): `burst` tokens
/// at most, refilled at `qps` per second. Thread-safe. A qps <= 0 disables
/// limiting.
class rate_limiter {
public:
  rate_limiter(double qps, int burst, clock& time = steady_clock_source());

  /// Takes one token, blocking (through the clock) until one is available.
  void acquire();

  /// Takes one token if one is available now.
  bool try_acquire();

  /// Takes one token and returns how long the caller must wait before using
  /// it (zero when a token was available). Never blocks.
  clock::duration reserve();

  double qps() const { return qps_; }
  int burst() const { return burst_; }

private:
  void refill_locked(clock::time_point now);

  double qps_;
  int burst_;
  clock& clock_;
  std::mutex mutex_;
  double tokens_;
  clock::time_point last_;
};

} // namespace lattice::k8s::http
