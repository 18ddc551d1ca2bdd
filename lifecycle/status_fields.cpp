#include "lifecycle/status_fields.hpp"

#include "base/time.hpp"

namespace lattice::lifecycle {
namespace {

bool assign(std::string& field, const std::string& value) {
  if (field == value)
    return false;
  field = value;
  return true;
}

bool assign(std::int32_t& field, std::int32_t value) {
  if (field == value)
    return false;
  field = value;
  return true;
}

} // namespace

bool initialize_status(k8s::training_job_status& status, const std::string& creation_timestamp,
                       const std::string& now) {
  bool changed = false;
  if (status.submit_time.empty())
    changed |= assign(status.submit_time, base::parse_rfc3339(creation_timestamp) ? creation_timestamp : now);
  if (status.queued_time.empty())
    changed |= assign(status.queued_time, status.submit_time);
  if (status.stage.empty())
    changed |= assign(status.stage, "Waiting");
  return changed;
}

bool apply_decision(k8s::training_job_status& status, bool running, std::int32_t size,
                    const std::string& now) {
  const std::string stage = running ? "Running" : "Waiting";
  const std::int32_t new_size = running ? size : 0;
  if (status.stage == stage && status.current_size == new_size)
    return false;
  const bool starts = running && status.stage != "Running";
  const bool stops = !running && status.stage == "Running";
  status.stage = stage;
  status.current_size = new_size;
  status.requeue_time.clear();
  if (starts) {
    status.last_exec_time = now;
    if (status.exec.start_time.empty())
      status.exec.start_time = now;
  }
  if (stops)
    status.queued_time = now;
  return true;
}

bool apply_requeue_time(k8s::training_job_status& status, const std::string& requeue_time) {
  return assign(status.requeue_time, requeue_time);
}

bool apply_requeue(k8s::training_job_status& status, const scheduling::schedule_failure_outcome& outcome) {
  bool changed = assign(status.stage, "Waiting");
  changed |= assign(status.current_size, 0);
  changed |= assign(status.queued_time, base::format_rfc3339(outcome.queued_time));
  changed |= assign(status.cooldown_time, base::format_rfc3339(outcome.cooldown_time));
  changed |= assign(status.requeue_time, "");
  return changed;
}

bool clear_requeue_time(k8s::training_job_status& status) {
  return assign(status.requeue_time, "");
}

bool apply_finish(k8s::training_job_status& status, bool succeeded, const std::string& now) {
  if (status.stage == "Completed" || status.stage == "Failed")
    return false;
  status.stage = succeeded ? "Completed" : "Failed";
  status.completion_time = now;
  status.exec.completion_time = now;
  status.requeue_time.clear();
  return true;
}

} // namespace lattice::lifecycle
