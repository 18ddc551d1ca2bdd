#pragma once

#include "base/clock.hpp"
#include "config/operator_config.hpp"
#include "protocol/gateway_actor.hpp"
#include "scheduling/planner_config.hpp"
#include "scheduling/time.hpp"

#include <chrono>
#include <memory>

namespace lattice::observability {
class metrics;
}

namespace lattice::actors {

/// What the autoscaler actor needs from the outside world.
struct autoscaler_settings {
  scheduling::planner_config planner;
  /// Changes arriving within this quiet window share one plan.
  std::chrono::milliseconds plan_debounce{200};
  /// A plan runs at the latest this long after the first unplanned change.
  std::chrono::milliseconds plan_max_delay{250};
  /// The time handed to the planner (actors/actor_clock.hpp; tests inject a
  /// manual wall clock). spawn_autoscaler fills in CAF's clock over the
  /// system clock when unset.
  std::shared_ptr<base::clock> clock;
  /// Whether to plan from the start. The composition root leaves it false
  /// and sends set_leader{true} once the reflectors have listed everything
  /// (and, with leader election, once the Lease is held): a plan from a
  /// partial snapshot would stop running jobs whose nodes are not known yet.
  bool start_as_leader = false;
  /// The write dispatcher, told before each plan's decisions go out which
  /// nodes' GPUs change hands (null in tests that do not look).
  protocol::write_dispatcher_actor writes;
  /// Plan duration, queue and GPU gauges; null in tests that do not read them.
  std::shared_ptr<observability::metrics> metrics;
};

/// Settings from the operator configuration: the planner's tunables, the
/// debounce window, and a max delay of a window and a quarter (at least a
/// quarter second). A busy cluster's completions keep the window from ever
/// going quiet, so the max delay is what a new job waits for its plan; at
/// 1,000 nodes and 5,000 jobs a plan takes 2.7 ms on average, so 4 plans a
/// second cost about 1% of a core (docs/benchmarks.md). `start_as_leader`
/// stays false (see above).
autoscaler_settings settings_from(const config::operator_config& cfg);

} // namespace lattice::actors
