#pragma once

#include "actors/job_effects.hpp"

// How a job actor takes over what exists (docs/design/operator.md,
// "Restart and adoption"). Internal to the job actor.
namespace lattice::actors::job_detail {

/// Takes the stored status and annotations as this actor's intended state
/// (first sight, or while standing by).
void adopt(job_state& st);

/// When the actor starts acting: a previous leader that died between
/// creating workers and writing the status left live workers under a
/// stage that is not Running — the pods are the truth, so the job is
/// Running at the size they were built for; a Running job with fewer live
/// workers than its size loses its rescale lock so the planner places the
/// rest. Nothing is deleted.
void adopt_live_workers(job_self self);

/// The timers a previous leader (or process) armed died with it: arms the
/// ones the adopted status calls for (activeDeadlineSeconds, requeueTime).
void arm_adopted_timers(job_self self);

} // namespace lattice::actors::job_detail
