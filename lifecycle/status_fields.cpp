#include "lifecycle/status_fields.hpp"

#include "lifecycle/conditions.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace lattice::lifecycle {
namespace {

template <class T>
bool assign(T& field, const T& value) {
  if (field == value)
    return false;
  field = value;
  return true;
}

namespace ct = condition_type;

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

/// The reason for the planner's text about a waiting job
/// (scheduling/reason.cpp writes it).
std::string_view waiting_reason(std::string_view planner) {
  if (starts_with(planner, "in cooldown"))
    return "Cooldown";
  if (starts_with(planner, "preempted"))
    return "Preempted";
  return "InsufficientResources";
}

/// The end of the planner's note on workers lent by nodes reserved for the
/// head of the queue (scheduling/reason.cpp).
constexpr std::string_view lent_note = "lent until it fits";

/// The reason for the planner's text about a job running below maxSize.
std::string_view below_max_reason(std::string_view planner) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> by_text{{
      {"shrunk to make room", "Shrunk"},
      {"rescale interval", "RescaleInterval"},
      {"growth held while a job of priority", "HigherPriorityWaiting"},
      {"kept free for arrivals", "GrowthHeadroom"},
      {"would not repay a restart", "GrowthNotWorthRestart"},
      {"no speed-up worth a worker", "NoSpeedup"},
      {"no room now", "InsufficientResources"},
      // Last: a job below maxSize says first why it does not grow.
      {lent_note, "LentCapacity"},
  }};
  for (const auto& [text, reason] : by_text)
    if (contains(planner, text))
      return reason;
  return "BelowMaxSize";
}

/// The True condition among `types`, first match.
template <class... Types>
const k8s::condition* true_condition(const k8s::exec_status& exec, Types... types) {
  for (std::string_view type : {std::string_view(types)...})
    if (const auto* c = find_condition(exec, type); c && c->status == k8s::condition_status::true_)
      return c;
  return nullptr;
}

std::pair<std::string, std::string> explanation(const job_status& status, const explanation_input& in) {
  if (!in.invalid_message.empty())
    return {"InvalidSpec", in.invalid_message};
  if (const auto* c = true_condition(status.exec, ct::failed, ct::succeeded))
    return {c->reason, c->message};
  if (is_terminal(status.stage))
    return {std::string(to_api(status.stage)), ""};
  if (in.suspended)
    return {"Suspended", "runPolicy.suspend is true: no workers, not queued"};
  if (status.stage == stage::running) {
    // Below maxSize, or running on GPUs the head of the queue will take
    // back: the planner's text says why, or what to expect.
    if (!in.planner_reason.empty()
        && (status.current_size < in.max_size || contains(in.planner_reason, lent_note)))
      return {std::string(below_max_reason(in.planner_reason)), in.planner_reason};
    if (const auto* c = true_condition(status.exec, ct::restarting, ct::running))
      return {c->reason, c->message};
    return {"Admitted", ""};
  }
  const auto* queued = true_condition(status.exec, ct::queued);
  if (!queued)
    return {"Queued", "waiting for the autoscaler"};
  if (queued->reason == "Waiting")
    return {std::string(waiting_reason(queued->message)), queued->message};
  return {queued->reason, queued->message};
}

} // namespace

bool apply_queue_position(job_status& status, std::optional<std::int32_t> position) {
  return assign(status.queue_position, position);
}

bool explain_status(job_status& status, const explanation_input& in) {
  auto [reason, message] = explanation(status, in);
  const bool live = in.invalid_message.empty() && !is_terminal(status.stage) && !is_finished(status.exec);
  const bool holds = live && status.stage == stage::running && !in.suspended;
  const bool waits = live && status.stage != stage::running && !in.suspended;
  bool changed = assign(status.reason, reason);
  changed |= assign(status.message, message);
  changed |= assign(status.gpus_held,
                    std::optional<std::int64_t>(holds ? in.gpus_per_worker * status.current_size : 0));
  const bool runs = status.stage == stage::running;
  changed |= assign(status.gpus_wanted,
                    std::optional<std::int64_t>(in.gpus_per_worker * (runs ? in.max_size : in.min_size)));
  if (!waits)
    changed |= assign(status.queue_position, std::optional<std::int32_t>());
  return changed;
}

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
