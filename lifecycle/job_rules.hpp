#pragma once

#include "base/time.hpp"
#include "k8s/model/training_job.hpp"
#include "lifecycle/job_model.hpp"
#include "scheduling/requeue.hpp"

#include <optional>
#include <string>
#include <vector>

namespace lattice::lifecycle {

// The rules a job's pods are judged by: pure functions of the job model.

/// replicaStatuses["Worker"]: active = Pending/Running/Unknown workers not
/// being deleted, succeeded, and failed (at least the failures already
/// counted against backoffLimit, whose pods were deleted to retry them).
k8s::replica_status count_workers(const job_model& job);

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
  /// "BackoffLimitExceeded", "WorkerFailed", "DeadlineExceeded").
  std::string reason;
  /// What happened, for a user.
  std::string message;
  /// set_requeue_time: the new requeueTime.
  std::optional<base::time_point> requeue_time;
  /// requeue: queuedTime, cooldownTime and the new failure count.
  std::optional<scheduling::schedule_failure_outcome> requeue;
  /// requeue: the pod that stayed Pending and since when (requeueTime
  /// minus the timeout).
  std::string pending_pod;
  base::time_point pending_since{};
};

/// The decision of a running job's pass, checked in this order: deadline,
/// failures, completion, rule 5. Only a job in stage Running and not
/// finished can complete, fail or requeue; anything else gives `nothing`.
/// Failures: with backoffLimit set, container restarts plus Failed pods
/// (those present plus the retried ones already counted) must not exceed
/// it; unset, any Failed worker fails the job (Kubeflow's default). Pods
/// that failed because of their node are not counted: their workers are
/// moved, not charged.
job_outcome evaluate(const job_model& job, base::time_point now, const scheduling::requeue_config& requeue);

/// `start` + `seconds`, saturating at the largest time point instead of
/// overflowing (activeDeadlineSeconds, ttlSecondsAfterFinished: the decoder
/// keeps them within int32 seconds, which fits, but a timer computed from
/// a wider value must never wrap into the past and fail a job at once).
base::time_point add_seconds(base::time_point start, std::int64_t seconds);

/// A Running job has a live worker for every index below currentSize and
/// none is Pending: the schedule succeeded, so consecutive schedule
/// failures start again from 0.
bool all_workers_scheduled(const job_model& job);

/// The pods to delete when the job finishes, per cleanPodPolicy (unset
/// means Running, so a finished job never keeps GPUs busy): All -> every
/// pod, Running -> Pending/Running/Unknown pods, None -> none. Pods
/// already being deleted are skipped.
std::vector<const pod_record*> pods_to_delete_on_finish(const job_model& job);

/// The effective cleanPodPolicy: the spec's, "Running" when unset.
std::string clean_pod_policy(const job_model& job);

/// Every worker of the last decision's placement is Running, not being
/// deleted, and not being deleted by this job.
bool all_target_running(const job_model& job);

/// Every worker of the last decision's placement exists (live, not being
/// deleted) or its create was answered.
bool all_target_created(const job_model& job);

/// A worker is Failed or terminating: a running job that lost workers is
/// having them created again (the Restarting condition).
bool workers_restarting(const job_model& job);

/// Something is in flight (expectations, a status write due, a pod
/// terminating): the resync timer checks again.
bool needs_resync(const job_model& job);

} // namespace lattice::lifecycle
