#pragma once

#include "actors/job_effects.hpp"

#include <chrono>

// The job actor's latency figures: decision → pods created, queued →
// admitted. Internal to the job actor.
namespace lattice::actors::job_detail {

/// A decision changed the placement: times its creates from `now`.
void start_create_timer(job_state& st, std::chrono::steady_clock::time_point now);
/// A worker create went out under the running timer.
void note_create_sent(job_state& st);
/// Every worker the target places exists (live, not being deleted) or has
/// its create answered.
bool all_target_created(const job_state& st);
/// Ends the timer once all_target_created: lattice_apply_to_created_seconds
/// and one log line. A decision that created nothing is dropped, not timed.
void check_created(job_self self);
/// The job waits (first seen, resumed, requeued, preempted) from `now`
/// unless it already does.
void note_queued(job_state& st, std::chrono::steady_clock::time_point now);
/// The job was admitted: lattice_admission_wait_seconds.
void note_admitted(job_self self);

} // namespace lattice::actors::job_detail
