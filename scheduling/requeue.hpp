#pragma once

#include "scheduling/time.hpp"

#include <cstdint>

namespace lattice::scheduling {

/// Rule 5's tunables.
struct requeue_config {
  /// How long a pod may stay Pending before the job counts as a schedule failure.
  milliseconds requeue_timeout{120'000};
  /// Cooldown after the first failure; doubles per consecutive failure.
  milliseconds cooldown_base{60'000};
  /// Upper bound of the cooldown.
  milliseconds cooldown_max{900'000};
};

/// Cooldown after the k-th consecutive schedule failure (k >= 1):
/// min(base * 2^(k-1), max). k < 1 counts as 1; never overflows.
milliseconds cooldown_after_failures(int32_t failures, milliseconds base, milliseconds max);

/// Rule 5, first Pending pod seen: requeueTime = now + requeue timeout.
time_point requeue_deadline(time_point now, const requeue_config& cfg);

/// What rule 5 writes when a job fails to schedule.
struct schedule_failure_outcome {
  /// Back of its priority class.
  time_point queued_time;
  /// Not requeued before this.
  time_point cooldown_time;
  /// The new consecutive failure count.
  int32_t schedule_failures = 0;
};

/// The status update for a job whose pods are still Pending at requeueTime,
/// given the failures it had before this one.
schedule_failure_outcome on_schedule_failure(time_point now, int32_t previous_failures,
                                             const requeue_config& cfg);

} // namespace lattice::scheduling
