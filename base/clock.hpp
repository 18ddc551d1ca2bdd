#pragma once

#include "base/time.hpp"

#include <chrono>

namespace lattice::base {

/// Time as every layer reads it: the wall clock (what status fields,
/// Events and the Lease carry) and the steady clock (intervals, deadlines,
/// rate limits). Injected wherever code reads the time, so tests never
/// sleep. Actors read it through CAF's clock (actors/actor_clock.hpp), so
/// their timers and the times they write move together under CAF's test
/// coordinator.
class clock {
public:
  using duration = std::chrono::steady_clock::duration;

  clock() = default;
  clock(const clock&) = delete;
  clock& operator=(const clock&) = delete;
  virtual ~clock() = default;

  virtual time_point wall() const = 0;
  virtual steady_time steady() const = 0;
  /// Blocks the calling thread for `d`. Only blocking code calls it (the API
  /// client's retries and rate limiter); a manual clock advances instead.
  virtual void sleep_for(duration d) = 0;
};

/// The process's real clocks (std::chrono's system and steady clocks).
clock& system_clock();

} // namespace lattice::base
