#pragma once

#include "config/operator_config.hpp"
#include "scheduling/planner_config.hpp"
#include "scheduling/time.hpp"

#include <chrono>
#include <functional>
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
  std::chrono::milliseconds plan_max_delay{1'000};
  /// The wall clock handed to the planner (tests inject a fake).
  std::function<scheduling::time_point()> wall_clock = [] { return std::chrono::system_clock::now(); };
  /// Whether to plan from the start. The composition root leaves it false
  /// and sends set_leader{true} once the reflectors have listed everything
  /// (and, with leader election, once the Lease is held): a plan from a
  /// partial snapshot would stop running jobs whose nodes are not known yet.
  bool start_as_leader = false;
  /// Plan duration, queue and GPU gauges; null in tests that do not read them.
  std::shared_ptr<observability::metrics> metrics;
};

/// Settings from the operator configuration: the planner's tunables, the
/// debounce window, and a max delay of two and a half windows (at least half
/// a second) so a steady stream of changes in a busy cluster still gets a
/// new job admitted promptly (a plan of 1,000 nodes takes ~3 ms). `start_as_leader`
/// stays false (see above).
autoscaler_settings settings_from(const config::operator_config& cfg);

} // namespace lattice::actors
