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

  double qps() const { return qps_member_; }
  int burst() const { return burst_member_; }

private:
  void refill_locked(clock::time_point now);

  double qps_member_;
  int burst_member_;
  clock& clock_member_;
  std::mutex mutex_member_;
  double tokens_member_;
  clock::time_point last_member_;
};

} // namespace lattice::k8s::http
