#pragma once

#include "base/time.hpp"
#include "lifecycle/job_model.hpp"
#include "scheduling/requeue.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace lattice::lifecycle {

/// Status field writes, each keeping every field true at the moment it
/// changes (DESIGN.md "TrainingJob semantics"). Each returns whether it
/// changed anything, so the caller writes only when needed.

/// First sight of a valid job: submitTime (the creation time, else now),
/// queuedTime = submitTime, stage Waiting. Fields already set stay.
bool initialize_status(job_status& status, std::optional<base::time_point> created, base::time_point now);

/// An autoscaler decision (rules 2-4): stage Running with `size` workers, or
/// Waiting with none (preempted). Any change of stage or size clears
/// requeueTime (rule 4); Waiting -> Running sets lastExecTime and, the first
/// time, execStatus.startTime; Running -> Waiting puts the job at the back of
/// its priority class (queuedTime = now).
bool apply_decision(job_status& status, bool running, std::int32_t size, base::time_point now);

/// Rule 5, first Pending worker seen.
bool apply_requeue_time(job_status& status, base::time_point requeue_time);

/// Rule 5, a worker still Pending at requeueTime: Waiting, no workers,
/// queuedTime/cooldownTime from scheduling::on_schedule_failure, requeueTime
/// cleared.
bool apply_requeue(job_status& status, const scheduling::schedule_failure_outcome& outcome);

/// requeueTime passed with nothing Pending.
bool clear_requeue_time(job_status& status);

/// The autoscaler's last plan placed the job at `position` among the
/// waiting jobs (nullopt: not waiting in that plan).
bool apply_queue_position(job_status& status, std::optional<std::int32_t> position);

/// What explain_status needs besides the status.
struct explanation_input {
  /// The spec's problems in one line ("" when valid).
  std::string invalid_message;
  bool suspended = false;
  std::int32_t min_size = 1;
  std::int32_t max_size = 1;
  /// GPUs (the operator's GPU resource) one worker requests.
  std::int64_t gpus_per_worker = 0;
  /// The planner's reason from its last decision ("" before the first).
  std::string planner_reason;
};

/// status.reason, status.message and status.gpus from the rest of the status
/// (stage, size, conditions) and `in`; queuePosition is cleared unless the
/// job waits. GPUs wanted are the job's maxSize worth while it runs, its
/// minSize worth otherwise (what it needs to start), as `kubectl lattice
/// queue` shows them. The reason is one CamelCase word (the API's convention for
/// reasons), the message the planner's or the condition's text:
///
/// | the job | reason | message |
/// |---|---|---|
/// | invalid spec | `InvalidSpec` | the problems |
/// | finished | the Succeeded/Failed condition's reason | its message |
/// | suspended | `Suspended` | |
/// | waiting | `InsufficientResources`, `Cooldown`, or the Queued condition's reason (`Queued`, `Preempted`,
/// `Requeued`) until the next plan | the Queued condition's message: the planner's reason | | running below
/// maxSize | `InsufficientResources`, `RescaleInterval`, `HigherPriorityWaiting`, `GrowthHeadroom`,
/// `GrowthNotWorthRestart`, `NoSpeedup`, `Shrunk`, `LentCapacity`, else `BelowMaxSize` | the planner's reason
/// | | running at maxSize with workers on GPUs lent by nodes reserved for the head of the queue |
/// `LentCapacity` | the planner's reason | | running at maxSize | the Running or Restarting condition's
/// reason | its message |
///
/// Returns whether anything changed.
bool explain_status(job_status& status, const explanation_input& in);

/// Terminal: stage Completed or Failed, completionTime and
/// execStatus.completionTime = now, requeueTime cleared. currentSize keeps
/// the size the job finished with.
bool apply_finish(job_status& status, bool succeeded, base::time_point now);

} // namespace lattice::lifecycle
