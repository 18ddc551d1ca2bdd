#pragma once

#include "actors/job_effects.hpp"
#include "scheduling/time.hpp"

#include <string>
#include <string_view>

// Small helpers the job actor's files share (job_reconcile, job_outcome,
// job_adoption). Internal to the job actor.
namespace lattice::actors::job_detail {

/// The wall clock as an RFC3339 string.
std::string now_text(job_self self);
/// Sets one execStatus condition at the job's generation; true if it changed.
bool set_cond(job_self self, std::string_view type, bool value, std::string reason, std::string message);
/// Succeeded/Failed condition true, or stage Completed/Failed.
bool is_finished(const job_state& st);
/// Carries the `<group>/replica-index` label.
bool is_worker(const job_state& st, const k8s::pod& pod);
/// Moves this job in the jobs-by-stage gauge (leader only).
void update_gauge(job_self self);
/// Sends `msg` to self at `when` (wall clock), a little after.
void arm_at(job_self self, scheduling::time_point when, protocol::requeue_timer msg);
/// The activeDeadlineSeconds timer, from execStatus.startTime.
void arm_deadline(job_self self);

} // namespace lattice::actors::job_detail
