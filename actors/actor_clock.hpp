#pragma once

#include "base/clock.hpp"

#include <caf/actor_clock.hpp>

namespace lattice::actors {

/// The clock actors read: steady time from CAF's clock (the actor system's,
/// so under CAF's test coordinator it moves only when a test moves it, and
/// always together with the actors' delayed messages), wall time from
/// `wall` (the system clock in the operator, a test's manual clock in tests).
class actor_clock final : public base::clock {
public:
  actor_clock(caf::actor_clock& steady, base::clock& wall) : steady_(steady), wall_(wall) {}

  base::time_point wall() const override { return wall_.wall(); }
  base::steady_time steady() const override { return steady_.now(); }
  /// Actors never block: nothing hands this clock to blocking code.
  void sleep_for(duration d) override { wall_.sleep_for(d); }

private:
  caf::actor_clock& steady_;
  base::clock& wall_;
};

} // namespace lattice::actors
