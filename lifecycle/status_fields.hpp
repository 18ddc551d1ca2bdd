#pragma once

#include "base/time.hpp"
#include "lifecycle/job_model.hpp"
#include "scheduling/requeue.hpp"

#include <cstdint>
#include <optional>

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

/// Terminal: stage Completed or Failed, completionTime and
/// execStatus.completionTime = now, requeueTime cleared. currentSize keeps
/// the size the job finished with.
bool apply_finish(job_status& status, bool succeeded, base::time_point now);

} // namespace lattice::lifecycle
