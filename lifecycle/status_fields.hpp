#pragma once

#include "k8s/model/training_job.hpp"
#include "scheduling/requeue.hpp"

#include <cstdint>
#include <string>

namespace lattice::lifecycle {

/// Status field writes, each keeping every field true at the moment it
/// changes (DESIGN.md "TrainingJob semantics"). Times are RFC3339 strings
/// ("now" formatted by the caller once per pass). Each returns whether it
/// changed anything, so the caller patches only when needed.

/// First sight of a valid job: submitTime (the creation timestamp, else
/// now), queuedTime = submitTime, stage Waiting. Fields already set stay.
bool initialize_status(k8s::training_job_status& status, const std::string& creation_timestamp,
                       const std::string& now);

/// An autoscaler decision (rules 2-4): stage Running with `size` workers, or
/// Waiting with none (preempted). Any change of stage or size clears
/// requeueTime (rule 4); Waiting -> Running sets lastExecTime and, the first
/// time, execStatus.startTime; Running -> Waiting puts the job at the back of
/// its priority class (queuedTime = now).
bool apply_decision(k8s::training_job_status& status, bool running, std::int32_t size,
                    const std::string& now);

/// Rule 5, first Pending worker seen.
bool apply_requeue_time(k8s::training_job_status& status, const std::string& requeue_time);

/// Rule 5, a worker still Pending at requeueTime: Waiting, no workers,
/// queuedTime/cooldownTime from scheduling::on_schedule_failure, requeueTime
/// cleared.
bool apply_requeue(k8s::training_job_status& status, const scheduling::schedule_failure_outcome& outcome);

/// requeueTime passed with nothing Pending.
bool clear_requeue_time(k8s::training_job_status& status);

/// Terminal: stage Completed or Failed, completionTime and
/// execStatus.completionTime = now, requeueTime cleared. currentSize keeps
/// the size the job finished with.
bool apply_finish(k8s::training_job_status& status, bool succeeded, const std::string& now);

} // namespace lattice::lifecycle
