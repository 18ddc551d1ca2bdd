#pragma once

#include "actors/job_state.hpp"
#include "lifecycle/events.hpp"
#include "lifecycle/worker_reconcile.hpp"
#include "protocol/job_actor.hpp"

namespace lattice::actors {

using job_self = protocol::job_actor::stateful_pointer<job_state>;

/// The job actor's writes, each one API call through the dispatcher. Nothing
/// is written unless the actor leads. Failures are logged, remembered for
/// inspection and retried by the next reconcile pass (resync timer).

/// Merge-patches the intended status (with lastReconcileTime = now): at
/// once when its stage, size, times or conditions changed, within
/// status_flush_delay when only replica counts did, within
/// status_message_delay when only condition messages did
/// (lifecycle/status_write.hpp). One write per job is in flight at a time;
/// its answer sends whatever changed meanwhile.
void write_status(job_self self);
/// Sends the intended status now unless a write is in flight (whose answer
/// sends it) or nothing changed since the last write.
void flush_status(job_self self);
/// Writes the persisted autoscaler state (schedule/worker failures, last
/// resize time) as annotations on the TrainingJob.
void write_annotations(job_self self);
/// A core/v1 Event on the TrainingJob (kubectl describe).
void emit_event(job_self self, const lifecycle::event_text& text);
void create_worker(job_self self, const scheduling::worker_placement& placement);
void delete_pod(job_self self, const lifecycle::worker_delete& what);
/// The headless workers Service and, with injectLattice, the rendezvous
/// Service and pod; each created once (AlreadyExists counts as done).
void ensure_job_objects(job_self self);
/// ttlSecondsAfterFinished elapsed: delete the TrainingJob (its pods and
/// Services follow through their ownerReferences).
void delete_job(job_self self);
/// Arms the resync timer unless armed.
void arm_resync(job_self self);

} // namespace lattice::actors
