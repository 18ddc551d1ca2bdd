#include "scheduling/requeue.hpp"

#include <algorithm>

namespace lattice::scheduling {

milliseconds cooldown_after_failures(int32_t failures, milliseconds base, milliseconds max) {
  if (base.count() <= 0)
    return milliseconds{0};
  if (max < base)
    return max.count() < 0 ? milliseconds{0} : max;
  int32_t doublings = std::max(failures, int32_t{1}) - 1;
  auto value = base;
  // Double until the cap is reached; stops long before any overflow.
  for (int32_t i = 0; i < doublings && value < max; ++i)
    value = value > max / 2 ? max : value * 2;
  return std::min(value, max);
}

time_point requeue_deadline(time_point now, const requeue_config& cfg) {
  return now + cfg.requeue_timeout;
}

schedule_failure_outcome on_schedule_failure(time_point now, int32_t previous_failures,
                                             const requeue_config& cfg) {
  schedule_failure_outcome out;
  out.schedule_failures = std::max(previous_failures, int32_t{0}) + 1;
  out.queued_time = now;
  out.cooldown_time =
      now + cooldown_after_failures(out.schedule_failures, cfg.cooldown_base, cfg.cooldown_max);
  return out;
}

} // namespace lattice::scheduling
