#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace lattice::actors {

/// Folds a burst of changes into one plan (pure: the caller passes `now` and
/// owns the timer). A plan runs once no change arrived for `quiet`, but never
/// later than `max_delay` after the first unplanned change, so a steady stream
/// of changes cannot starve planning. At most one timer is armed at a time;
/// each arming gets a new generation and a timer whose generation is not the
/// last one armed is stale.
class debounce {
public:
  using clock_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  /// Arm a timer firing at `at`, carrying `generation`.
  struct arm {
    clock_point at;
    std::uint64_t generation = 0;
  };

  /// What to do when a timer fires.
  enum class verdict { ignore, plan, rearm };

  /// `max_delay` below `quiet` is raised to `quiet`.
  explicit debounce(duration quiet = {}, duration max_delay = {});

  /// A change was observed. Returns the timer to arm, if none is armed yet.
  std::optional<arm> on_change(clock_point now);

  /// A timer fired. `plan` ends the window (nothing is armed afterwards);
  /// `rearm` means more changes came in: arm `next()`.
  verdict on_timer(std::uint64_t generation, clock_point now);

  /// The timer to arm after `on_timer` returned `rearm`.
  arm next() const { return armed_; }

  /// Forgets pending changes and invalidates every armed timer (standby).
  void cancel();

  /// Whether changes are waiting for a plan.
  bool pending() const { return pending_; }

private:
  clock_point due() const;

  duration quiet_;
  duration max_delay_;
  bool pending_ = false;
  clock_point first_change_{};
  clock_point last_change_{};
  arm armed_{};
  std::uint64_t generation_ = 0;
};

} // namespace lattice::actors
