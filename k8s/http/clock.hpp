#pragma once

#include <chrono>

namespace lattice::k8s::http {

/// Time as the transport sees it. Injected so the rate limiter, backoff and
/// token rotation are testable without sleeping.
class clock {
public:
  using duration = std::chrono::steady_clock::duration;
  using time_point = std::chrono::steady_clock::time_point;

  virtual ~clock() = default;
  virtual time_point now() = 0;
  /// Blocks the calling thread for `d` (a fake clock just advances).
  virtual void sleep_for(duration d) = 0;
};

/// The process-wide steady clock.
clock& steady_clock_source();

} // namespace lattice::k8s::http
