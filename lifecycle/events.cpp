#include "lifecycle/events.hpp"

#include "base/time.hpp"

namespace lattice::lifecycle {
namespace {

const std::string normal = "Normal";
const std::string warning = "Warning";

std::string workers_text(std::int32_t n) {
  return std::to_string(n) + (n == 1 ? " worker" : " workers");
}

} // namespace

std::string format_duration(scheduling::milliseconds d) {
  std::int64_t total = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (total < 0)
    total = 0;
  const std::int64_t hours = total / 3600;
  const std::int64_t minutes = total % 3600 / 60;
  const std::int64_t seconds = total % 60;
  std::string out;
  if (hours > 0)
    out += std::to_string(hours) + "h";
  if (minutes > 0)
    out += std::to_string(minutes) + "m";
  if (seconds > 0 || out.empty())
    out += std::to_string(seconds) + "s";
  return out;
}

event_text admitted_event(std::int32_t workers, std::int32_t min_size, std::int32_t max_size) {
  return {std::string(event_reason::admitted),
          "admitted with " + workers_text(workers) + " (min " + std::to_string(min_size) + ", max "
              + std::to_string(max_size) + ")",
          normal};
}

event_text scaled_event(std::int32_t from, std::int32_t to, const std::string& why) {
  std::string message = "scaled from " + std::to_string(from) + " to " + workers_text(to);
  if (!why.empty())
    message += ": " + why;
  return {std::string(event_reason::scaled), message, normal};
}

event_text moved_event(std::size_t from_nodes, const std::string& to_node) {
  return {std::string(event_reason::moved),
          "moved from " + std::to_string(from_nodes) + " nodes onto " + to_node
              + ": one node runs it faster than several; its workers restart from their last checkpoint",
          normal};
}

event_text preempted_event(const std::string& by_job_key, std::int32_t by_priority) {
  return {std::string(event_reason::preempted),
          "preempted by " + by_job_key
              + (by_priority < 0 ? std::string() : " (priority " + std::to_string(by_priority) + ")")
              + "; workers stopped, back in the queue",
          warning};
}

event_text stopped_event(const std::string& why) {
  return {std::string(event_reason::preempted),
          (why.empty() ? std::string("could not keep minSize") : why)
              + "; workers stopped, back in the queue",
          warning};
}

event_text requeued_event(const std::string& pod_name, scheduling::milliseconds pending_for,
                          scheduling::time_point cooldown_until, std::int32_t failures) {
  return {std::string(event_reason::requeued),
          "worker pod " + pod_name + " stayed Pending for " + format_duration(pending_for)
              + "; back in the queue, cooldown until " + base::format_rfc3339(cooldown_until)
              + " (schedule failure " + std::to_string(failures) + ")",
          warning};
}

event_text completed_event(const std::string& message) {
  return {std::string(event_reason::completed), message, normal};
}

event_text failed_event(const std::string& reason, const std::string& message) {
  return {std::string(event_reason::failed), reason + ": " + message, warning};
}

event_text pod_create_refused_event(const std::string& message) {
  return {std::string(event_reason::pod_create_refused),
          message + "; its pods are deleted and its GPUs released until the spec changes", warning};
}

event_text invalid_event(const std::vector<field_problem>& problems) {
  return {std::string(event_reason::invalid),
          "invalid spec, the job will not run until it is fixed: " + format_problems(problems), warning};
}

} // namespace lattice::lifecycle
