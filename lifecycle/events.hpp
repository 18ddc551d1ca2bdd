#pragma once

#include "lifecycle/job_validation.hpp"
#include "scheduling/time.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lattice::lifecycle {

/// Event reasons the job actor emits on its TrainingJob (kubectl describe).
namespace event_reason {
inline constexpr std::string_view admitted = "Admitted";
inline constexpr std::string_view scaled = "Scaled";
inline constexpr std::string_view moved = "Moved";
inline constexpr std::string_view preempted = "Preempted";
inline constexpr std::string_view requeued = "Requeued";
inline constexpr std::string_view completed = "Completed";
inline constexpr std::string_view failed = "Failed";
inline constexpr std::string_view invalid = "Invalid";
inline constexpr std::string_view pod_create_refused = "PodCreateRefused";
} // namespace event_reason

/// What the Event carries besides the object reference: reason, message
/// and type ("Normal" or "Warning").
struct event_text {
  std::string reason;
  std::string message;
  std::string type;
  friend bool operator==(const event_text& a, const event_text& b) {
    return a.reason == b.reason && a.message == b.message && a.type == b.type;
  }
};

/// "admitted with 2 workers (min 2, max 4)".
event_text admitted_event(std::int32_t workers, std::int32_t min_size, std::int32_t max_size);

/// "scaled from 2 to 4 workers: <why>" (why from the planner's reason;
/// omitted when empty).
event_text scaled_event(std::int32_t from, std::int32_t to, const std::string& why);

/// "moved from 2 nodes onto gpu-3: one node runs it faster than several; its
/// workers restart from their last checkpoint".
event_text moved_event(std::size_t from_nodes, const std::string& to_node);

/// "preempted by ns/name (priority 3); back in the queue"; a negative
/// priority (unknown) is left out.
event_text preempted_event(const std::string& by_job_key, std::int32_t by_priority);

/// A running job stopped without a preemptor (it lost workers with their
/// nodes and cannot keep minSize): "<why>; workers stopped, back in the queue".
event_text stopped_event(const std::string& why);

/// "worker pod x stayed Pending for 2m; back in the queue, cooldown until
/// 2026-11-28T10:05:00Z (schedule failure 2)".
event_text requeued_event(const std::string& pod_name, scheduling::milliseconds pending_for,
                          scheduling::time_point cooldown_until, std::int32_t failures);

/// "all 4 workers succeeded" (the outcome message from evaluate()).
event_text completed_event(const std::string& message);

/// "BackoffLimitExceeded: workers failed 4 times ..." (Warning).
event_text failed_event(const std::string& reason, const std::string& message);

/// "<message>; its pods are deleted and its GPUs released until the spec
/// changes" (Warning): the API server refused one of the job's pods.
event_text pod_create_refused_event(const std::string& message);

/// "invalid spec: spec.minSize: must be at least 1 (got 0); ..." (Warning).
event_text invalid_event(const std::vector<field_problem>& problems);

/// A duration as a user reads it: "45s", "2m", "2m30s", "1h5m".
std::string format_duration(scheduling::milliseconds d);

} // namespace lattice::lifecycle
