#pragma once

#include "k8s/model/training_job.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace lattice::lifecycle {

/// execStatus condition types (Kubeflow's JobConditionType plus three of
/// ours). At most one of Queued, Running, Restarting, Suspended is True;
/// Succeeded and Failed are terminal: once one is True nothing changes.
namespace condition_type {
/// The operator accepted the job (validated, times set). Stays True.
inline constexpr std::string_view created = "Created";
/// Waiting in the autoscaler's queue (stage Waiting): not admitted yet,
/// preempted or requeued after a schedule failure.
inline constexpr std::string_view queued = "Queued";
/// Admitted: the job's workers are (being) created and run.
inline constexpr std::string_view running = "Running";
/// Workers are being replaced: resize, moved off a lost node, restart after a failure.
inline constexpr std::string_view restarting = "Restarting";
/// spec.runPolicy.suspend is true: no workers, not queued.
inline constexpr std::string_view suspended = "Suspended";
/// Every worker succeeded (terminal).
inline constexpr std::string_view succeeded = "Succeeded";
/// Failures beyond backoffLimit or past activeDeadlineSeconds (terminal).
inline constexpr std::string_view failed = "Failed";
/// The spec breaks a rule (job_validation); True until the spec is fixed.
inline constexpr std::string_view invalid = "Invalid";
} // namespace condition_type

/// The replica type used in replicaStatuses.
inline constexpr std::string_view worker_replica_type = "Worker";

const k8s::condition* find_condition(const k8s::exec_status& status, std::string_view type);
bool condition_is_true(const k8s::exec_status& status, std::string_view type);
/// Succeeded or Failed is True.
bool is_finished(const k8s::exec_status& status);

struct condition_update {
  std::string_view type;
  k8s::condition_status status = k8s::condition_status::true_;
  std::string reason;
  std::string message;
};

/// Sets one condition (added if absent) and, when it becomes True, turns the
/// conditions it excludes False (only those present). lastTransitionTime
/// moves only when a status changes; lastUpdateTime and observedGeneration
/// follow every real change. A finished job is left alone. Returns whether
/// anything changed (so the caller knows whether to patch).
bool set_condition(k8s::exec_status& status, const condition_update& update, const std::string& now,
                   std::int64_t generation);

} // namespace lattice::lifecycle
