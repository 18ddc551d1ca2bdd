#pragma once

#include "actors/job_effects.hpp"
#include "k8s/model/training_job.hpp"
#include "scheduling/plan.hpp"

namespace lattice::actors {

/// The job actor's logic between messages and writes. The pure decisions
/// live in lifecycle/ (evaluate, reconcile_workers, status_fields); these
/// functions sequence them and issue the writes.

/// A watch event for the TrainingJob: adopt the status once, validate,
/// reconcile.
void on_job_observed(job_self self, k8s::training_job job);

/// The autoscaler's decision (rules 2-4): status, Events, target placement.
void on_decision(job_self self, const scheduling::job_decision& decision);

/// One level-triggered pass: evaluate (finish, fail, rule 5), count worker
/// failures, make the pods match the target, write the status if it
/// changed, tell the autoscaler what changed. Standbys only report.
void reconcile(job_self self);

/// What the autoscaler should know now: job_state, or job_gone for
/// finished, suspended and invalid jobs; sent only when it changed.
void report_to_autoscaler(job_self self);

} // namespace lattice::actors
