#pragma once

#include "base/clock.hpp"

#include <mutex>
#include <vector>

namespace lattice::test {

/// A clock that moves only when told to. Both readings move together;
/// sleep_for advances them and records the sleep. Thread-safe: a test may
/// advance it while the code under test reads it on another thread.
class manual_clock final : public base::clock {
public:
  /// Starts at `wall` (the steady reading at an arbitrary one hour).
  explicit manual_clock(base::time_point wall = base::time_point(std::chrono::hours(1))) : wall_(wall) {}

  base::time_point wall() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return wall_;
  }
  base::steady_time steady() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return steady_;
  }
  void sleep_for(duration d) override {
    std::lock_guard<std::mutex> lock(mutex_);
    sleeps_.push_back(d);
    move(d);
  }

  /// Moves both readings forward by `d`.
  void advance(duration d) {
    std::lock_guard<std::mutex> lock(mutex_);
    move(d);
  }
  /// Sets the wall reading (the steady one stays).
  void set_wall(base::time_point t) {
    std::lock_guard<std::mutex> lock(mutex_);
    wall_ = t;
  }
  /// Every sleep_for so far, in order.
  std::vector<duration> sleeps() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sleeps_;
  }

private:
  void move(duration d) {
    wall_ += std::chrono::duration_cast<base::time_point::duration>(d);
    steady_ += d;
  }

  mutable std::mutex mutex_;
  base::time_point wall_;
  base::steady_time steady_{std::chrono::hours(1)};
  std::vector<duration> sleeps_;
};

} // namespace lattice::test
