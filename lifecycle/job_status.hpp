#pragma once

#include "k8s/model/pod.hpp"
#include "k8s/model/training_job.hpp"
#include "scheduling/requeue.hpp"
#include "scheduling/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

/// replicaStatuses["Worker"] from the observed worker pods: active =
/// Pending/Running/Unknown and not being deleted, succeeded, failed.
k8s::replica_status count_workers(const std::vector<k8s::pod>& worker_pods);

/// Inputs evaluate() needs beyond the job and its pods.
struct evaluation_config {
  scheduling::requeue_config requeue;
  /// API group: prefix of the replica-index label and the failures annotation.
  std::string api_group;
};

enum class outcome_kind {
  nothing,
  /// Every current worker Succeeded.
  completed,
  /// Worker failures beyond backoffLimit, or past activeDeadlineSeconds.
  failed,
  /// Rule 5: first Pending worker seen; write requeueTime.
  set_requeue_time,
  /// Rule 5: a worker still Pending at requeueTime: back to the queue.
  requeue,
  /// requeueTime is set and no worker is Pending any more: clear it so a
  /// later Pending pod gets a fresh timeout.
  clear_requeue_time,
};

struct job_outcome {
  outcome_kind kind = outcome_kind::nothing;
  /// Condition/Event reason for completed and failed ("AllWorkersSucceeded",
  /// "BackoffLimitExceeded", "DeadlineExceeded").
  std::string reason;
  /// What happened, for a user.
  std::string message;
  /// set_requeue_time: the new requeueTime.
  std::optional<scheduling::time_point> requeue_time;
  /// requeue: queuedTime, cooldownTime and the new failure count.
  std::optional<scheduling::schedule_failure_outcome> requeue;
  /// requeue: the worker that stayed Pending and since when (requeueTime
  /// minus the timeout).
  std::string pending_pod;
  scheduling::time_point pending_since{};
};

/// The pure decision of a running job's reconcile pass, checked in this
/// order: deadline, failures, completion, rule 5. Only jobs in stage Running
/// and not finished can complete, fail or requeue; everything else gives
/// `nothing`. Failures: with backoffLimit set, sum of worker container
/// restarts plus Failed worker pods (those present plus the retried ones
/// counted in `<group>/worker-failures`) must not exceed it; unset, any Failed
/// worker pod fails the job (Kubeflow's default). Pods that failed because of
/// their node (Evicted, NodeLost, NodeShutdown, Shutdown) are not counted:
/// their workers are moved, not charged.
job_outcome evaluate(const k8s::training_job& job, const std::vector<k8s::pod>& worker_pods,
                     scheduling::time_point now, const evaluation_config& config);

/// True when a Running job has a live worker for every index below
/// currentSize and none is Pending: the schedule succeeded, so the caller
/// resets the `<group>/schedule-failures` annotation (failures count only
/// while consecutive).
bool all_workers_scheduled(const k8s::training_job& job, const std::vector<k8s::pod>& worker_pods,
                           const std::string& api_group);

/// Pod names to delete when the job finishes, per cleanPodPolicy: All ->
/// every pod, Running -> Pending/Running/Unknown pods, None or unset ->
/// none. Pods already being deleted are skipped.
std::vector<std::string> pods_to_delete_on_finish(std::string_view clean_pod_policy,
                                                  const std::vector<k8s::pod>& pods);

} // namespace lattice::lifecycle
