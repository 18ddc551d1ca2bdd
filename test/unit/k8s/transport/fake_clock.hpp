#pragma once

#include "k8s/http/clock.hpp"

#include <vector>

namespace lattice::k8s::test {

/// A clock that only moves when told to; sleep_for advances it and records
/// the requested sleep so tests can assert on waits.
class fake_clock final : public http::clock {
public:
  time_point now() override { return now_; }
  void sleep_for(duration d) override {
    sleeps.push_back(d);
    now_ += d;
  }
  void advance(duration d) { now_ += d; }

  std::vector<duration> sleeps;

private:
  time_point now_{std::chrono::hours(1)};
};

} // namespace lattice::k8s::test
