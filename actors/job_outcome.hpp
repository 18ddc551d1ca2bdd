#pragma once

#include "actors/job_effects.hpp"
#include "lifecycle/job_status.hpp"

#include <vector>

// What the job actor does with lifecycle::evaluate()'s outcome, and the
// worker failure bookkeeping it needs. Internal to the job actor.
namespace lattice::actors::job_detail {

/// cleanPodPolicy (default Running: finished jobs must not hold GPUs) and
/// the ttlSecondsAfterFinished timer. Idempotent.
void finish_cleanup(job_self self);
/// Handles evaluate()'s outcome (finish, rule 5 times, requeue); true when
/// the job finished. `changed` is set when the status changed.
bool apply_outcome(job_self self, const lifecycle::job_outcome& out, bool& changed);
/// Counts Failed workers not counted yet into worker-failures (persisted).
void count_worker_failures(job_self self);
/// The pods evaluate() reads: counted failures are in the annotation already.
std::vector<k8s::pod> pods_for_evaluation(const job_state& st);
/// replicaStatuses["Worker"] from the pods; true if it changed.
bool update_replica_counts(job_state& st);

} // namespace lattice::actors::job_detail
