#include "lifecycle/status_fields.hpp"

namespace lattice::lifecycle {
namespace {

template <class T>
bool assign(T& field, const T& value) {
  if (field == value)
    return false;
  field = value;
  return true;
}

} // namespace

bool initialize_status(job_status& status, std::optional<base::time_point> created, base::time_point now) {
  now = base::floor_seconds(now);
  bool changed = false;
  if (!status.submit_time)
    changed |= assign(status.submit_time, std::optional<base::time_point>(created.value_or(now)));
  if (!status.queued_time)
    changed |= assign(status.queued_time, status.submit_time);
  if (status.stage == stage::unset)
    changed |= assign(status.stage, stage::waiting);
  return changed;
}

bool apply_decision(job_status& status, bool running, std::int32_t size, base::time_point now) {
  now = base::floor_seconds(now);
  const auto to = running ? stage::running : stage::waiting;
  const std::int32_t new_size = running ? size : 0;
  if (status.stage == to && status.current_size == new_size)
    return false;
  const bool starts = running && status.stage != stage::running;
  const bool stops = !running && status.stage == stage::running;
  status.stage = to;
  status.current_size = new_size;
  status.requeue_time.reset();
  if (starts) {
    status.last_exec_time = now;
    if (status.exec.start_time.empty())
      status.exec.start_time = base::format_rfc3339(now);
  }
  if (stops)
    status.queued_time = now;
  return true;
}

bool apply_requeue_time(job_status& status, base::time_point requeue_time) {
  return assign(status.requeue_time, std::optional<base::time_point>(base::floor_seconds(requeue_time)));
}

bool apply_requeue(job_status& status, const scheduling::schedule_failure_outcome& outcome) {
  bool changed = assign(status.stage, stage::waiting);
  changed |= assign(status.current_size, 0);
  changed |=
      assign(status.queued_time, std::optional<base::time_point>(base::floor_seconds(outcome.queued_time)));
  changed |= assign(status.cooldown_time,
                    std::optional<base::time_point>(base::floor_seconds(outcome.cooldown_time)));
  changed |= assign(status.requeue_time, std::optional<base::time_point>());
  return changed;
}

bool clear_requeue_time(job_status& status) {
  return assign(status.requeue_time, std::optional<base::time_point>());
}

bool apply_finish(job_status& status, bool succeeded, base::time_point now) {
  if (is_terminal(status.stage))
    return false;
  now = base::floor_seconds(now);
  status.stage = succeeded ? stage::completed : stage::failed;
  status.completion_time = now;
  status.exec.completion_time = base::format_rfc3339(now);
  status.requeue_time.reset();
  return true;
}

} // namespace lattice::lifecycle
