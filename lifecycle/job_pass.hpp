#pragma once

#include "lifecycle/events.hpp"
#include "lifecycle/job_model.hpp"
#include "lifecycle/job_rules.hpp"
#include "lifecycle/job_step.hpp"
#include "lifecycle/worker_reconcile.hpp"

#include <string>
#include <string_view>

// Internal to lifecycle/job_transition.cpp: one step's context and the
// effects it issues. Every write, timer, metric and log line of a step goes
// through these functions, so the bookkeeping that goes with it
// (expectations, generations, the inspection log) is done in one place.
// They decide no stage, and nothing here calls back into the transition
// (the write bodies come from lifecycle/job_writes.hpp).
namespace lattice::lifecycle::detail {

/// One step: the model, the settings, the time, whether this replica leads,
/// and the effects collected so far.
struct pass {
  job_model& job;
  const job_config& config;
  instant now;
  bool leading = false;
  effects out;

  /// The wall time as the status writes it.
  std::string now_text() const;
  void log(log_level level, std::string text);
  void count(metric_kind kind, std::string label = {}, double value = 0);
};

/// Sets one execStatus condition at the job's generation; true if it changed.
bool set_condition(pass& p, std::string_view type, bool value, std::string reason, std::string message);

/// status.reason, message, gpus and queuePosition from the model
/// (explain_status); true if they changed.
bool explain(pass& p);
/// Marks the status changed and sends it: at once when its stage, size,
/// times or a condition's type, status or reason changed (the first write
/// of a waiting job within first_status_hold, unless a decision comes
/// first; of a job just admitted, until its workers run, within
/// status_flush_delay); within status_flush_delay when only replica counts or
/// requeueTime did; within
/// status_message_delay when only condition messages did. One write is in
/// flight at a time; its answer sends whatever changed meanwhile.
void write_status(pass& p);
/// Sends the status now unless a write is in flight or nothing changed.
void flush_status(pass& p);
/// The flush timer fired: the status is sent, unless a job just admitted
/// still waits for its workers (hold_admission_write).
void status_flush_due(pass& p);
/// The job was just admitted: its status waits up to status_flush_delay
/// for all its workers to run, so stage, condition and replica counts go
/// out in one write.
void hold_admission_write(pass& p);
/// Writes the persisted autoscaler state (annotations).
void write_annotations(pass& p);
void emit_event(pass& p, const event_text& text);
void create_worker(pass& p, const scheduling::worker_placement& placement);
void delete_pod(pass& p, const worker_delete& what);
/// The workers Service and, for injected jobs, the rendezvous Service and
/// pod; each created once (AlreadyExists counts as done).
void ensure_job_objects(pass& p);
/// ttlSecondsAfterFinished elapsed: delete the TrainingJob.
void delete_job(pass& p);
/// A failed write: logged, remembered for inspection, retried by the next
/// pass (resync timer). Nothing when the write was cancelled at shutdown.
void record_failure(pass& p, const std::string& what, const write_result& r);

/// The resync timer, unless armed.
void arm_resync(pass& p);
/// The resync timer within `delay`, unless one armed fires sooner.
void arm_resync_in(pass& p, std::chrono::milliseconds delay);

/// Worker and rendezvous creates wait for the create backoff
/// (lifecycle/pod_create_failures.hpp); when they do, the resync timer is
/// armed for its end.
bool creates_held(pass& p);
/// The longest delay a timer is armed with (30 days).
inline constexpr std::chrono::milliseconds max_timer_delay{30LL * 24 * 3600 * 1000};

/// A timer of `kind` for wall time `when` (a little after it), armed for at
/// most max_timer_delay (the deadline timer is armed again when it fires
/// early).
void arm_at(pass& p, timer_kind kind, std::uint64_t generation, base::time_point when);
/// The activeDeadlineSeconds timer from execStatus.startTime, unless one is
/// armed for that time already.
void arm_deadline(pass& p);
/// Arms the requeue timer for status.requeueTime unless one armed fires
/// earlier (it re-arms for the rest when it fires).
void arm_requeue(pass& p);

/// The autoscaler hears the job when what it would hear changed: its
/// job_info, or gone for finished, suspended and invalid jobs.
void report(pass& p);

/// The latency figures: a decision that changed the placement starts the
/// decision -> created timer; check_created ends it once every worker it
/// places is created; the admission wait runs from note_queued to
/// note_admitted.
void start_create_timer(pass& p);
void check_created(pass& p);
void note_queued(pass& p);
void note_admitted(pass& p);

/// The answer to one of the job's writes: expectations, the status write
/// in flight, Services created, failures recorded, the create backoff.
/// True when a pod create was refused for good (a permanent failure,
/// lifecycle/pod_create_failures.hpp): what that does to the job is the
/// transition's.
bool answered(pass& p, k8s::write_verb verb, const std::string& name, const write_result& result);

} // namespace lattice::lifecycle::detail
