// The job's state machine, leading replica. Read top to bottom: each
// section below is one part of this diagram, in this order.
//
//            job seen, spec valid                   decision: run n workers
//   [new] -----------------------------> [waiting] -----------------------------> [running]
//     |  spec invalid: Invalid condition    ^  ^    decision: wait (preempted,       |  |
//     v  and Event (per generation)         |  |    stopped): workers deleted        |  |
//   [invalid] -- spec fixed ----------------+  +-------------------------------------+  |
//     ^                                     |   requeue timer: a worker still Pending   |
//     |                                     +-------------------------------------------+
//     +-- [waiting], [running]: a pod create refused for good (PodCreateRefused), pods released
//   [waiting], [running] -- runPolicy.suspend --> [suspended] -- resumed --> [waiting]
//   [running] -- every worker Succeeded --------------------------------> [completed] --+
//   [running] -- failures > backoffLimit, past activeDeadlineSeconds ---> [failed] -----+
//                      cleanPodPolicy; ttlSecondsAfterFinished timer: delete the job <--+
//   any -- job seen with another uid (deleted and created again) --> [new]
//
// 1. The job seen: adopt what is stored and what runs, validate ([new],
//    [invalid]).
// 2. A decision ([waiting] <-> [running]).
// 3. The pass every event ends in: suspend, failures, evaluate ([completed],
//    [failed], requeue), pods, conditions, status, the autoscaler.
// 4. Pods, timers, write answers (a refused pod create: [invalid]),
//    leadership.
//
// Every write, timer and report goes out through lifecycle/job_pass.hpp,
// which calls nothing back; the rules consulted on the way (job_rules,
// worker_reconcile, conditions, status_fields, job_validation, events) are
// pure functions of the model. docs/design/operator.md lists the path.
#include "lifecycle/job_transition.hpp"

#include "lifecycle/conditions.hpp"
#include "lifecycle/job_pass.hpp"
#include "lifecycle/job_rules.hpp"
#include "lifecycle/job_validation.hpp"
#include "lifecycle/lost_nodes.hpp"
#include "lifecycle/status_fields.hpp"
#include "lifecycle/throughput_report.hpp"
#include "lifecycle/worker_reconcile.hpp"

#include <algorithm>

namespace lattice::lifecycle {
namespace {

namespace ct = condition_type;
using detail::pass;

void reconcile(pass& p);

// ---------------------------------------------------------------- 1. the job seen

/// The stored status and annotations become the intended state (first
/// sight while leading, every sight while standing by).
void adopt_stored(pass& p) {
  auto& job = p.job;
  job.status = status_from_api(job.object->status);
  job.persisted = persisted_from(job.object->meta, p.config.api_group);
  // Admissions are not written to the last-resize-time annotation: a
  // Running job's lastExecTime is its last admission, a size change too.
  auto& resized = job.persisted.last_resize_time;
  const auto& admitted = job.status.last_exec_time;
  if (job.status.stage == stage::running && admitted && (!resized || *resized < *admitted))
    resized = admitted;
  // The kept throughput samples live in memory: the one the status shows is
  // kept again, so a new leader neither clears the rate nor plans the job
  // as linear until its agent's next report.
  if (job.status.throughput)
    if (auto shown = sample_from_status(*job.status.throughput))
      keep_sample(job.throughput, *shown, p.now.wall, p.config.throughput_max_age);
  job.adopted = true;
}

/// A previous leader that died between creating workers and writing the
/// status left live workers under a stage that is not Running: the job is
/// Running at the size they were built for. A Running job with fewer live
/// workers than its size loses its rescale lock so the planner places the
/// rest. Nothing is deleted (docs/design/operator.md, "Restart and adoption").
void adopt_live_workers(pass& p) {
  auto& job = p.job;
  std::size_t live = 0;
  std::int32_t size = 0;
  for (const auto& [name, pod] : job.pods) {
    if (!pod.live() || !pod.is_worker())
      continue;
    ++live;
    // The size the workers were built for: the rest were being created.
    size = std::max({size, *pod.index + 1, pod.built_for_size.value_or(0)});
  }
  if (job.status.stage == stage::running) {
    // Fewer workers than the size: the previous leader died while creating
    // them. Its placement is lost, so the rescale interval must not pin the
    // job at the workers that exist: the planner places the rest again.
    if (static_cast<std::int32_t>(live) < job.status.current_size && job.persisted.last_resize_time) {
      job.persisted.last_resize_time.reset();
      detail::write_annotations(p);
    }
    return;
  }
  if (live == 0)
    return;
  size = std::min(size, job.object->spec.max_size);
  const auto stored = to_api(job.status.stage);
  apply_decision(job.status, true, size, p.now.wall);
  job.status_write.dirty = true;
  // An interrupted admission is completed, not a resize: no rescale lock.
  job.persisted.last_resize_time.reset();
  detail::write_annotations(p);
  p.log(log_level::info, "adopted " + std::to_string(live) + " running workers (stored stage was "
                             + (stored.empty() ? std::string("unset") : std::string(stored))
                             + "): the job is Running at size " + std::to_string(size));
}

/// When this replica starts leading: live workers adopted, and the timers
/// the adopted status calls for (deadline, requeue) armed.
void adopt_what_runs(pass& p) {
  auto& job = p.job;
  job.check_adoption = false;
  if (job.finished())
    return;
  if (!job.object->spec.run.suspend)
    adopt_live_workers(p);
  // The timers a previous leader (or process) armed died with it.
  detail::arm_deadline(p);
  job.timers.requeue_due.reset(); // a timer armed before may be stale: arm again
  detail::arm_requeue(p);
}

/// The leader owns the status now: of the stored one only the stage and
/// size are kept (inspection), not a second copy of the conditions and
/// times of each of thousands of jobs.
void keep_stored_stage_only(pass& p) {
  auto& stored = p.job.object->status;
  k8s::training_job_status kept;
  kept.stage = std::move(stored.stage);
  kept.current_size = stored.current_size;
  stored = std::move(kept);
}

/// Takes the new object; a new uid is a new incarnation of the job.
void accept(pass& p, k8s::training_job object) {
  auto& job = p.job;
  if (job.object && job.object->meta.uid != object.meta.uid)
    job.reset(); // deleted and created again under the same name
  job.object = std::move(object);
  const auto& uid = job.object->meta.uid;
  for (auto it = job.pods.begin(); it != job.pods.end();)
    it = it->second.owner_uid == uid ? std::next(it) : job.pods.erase(it);
  if (!job.adopted || !p.leading)
    adopt_stored(p);
  if (p.leading && job.check_adoption)
    adopt_what_runs(p);
  if (p.leading && job.adopted)
    keep_stored_stage_only(p);
}

/// [new]/[invalid]: the Invalid condition and an Event, once per message
/// and generation.
void mark_invalid(pass& p, const std::vector<field_problem>& problems, const std::string& what) {
  auto& job = p.job;
  const auto message = format_problems(problems);
  const auto generation = job.object->meta.generation;
  if (message == job.invalid_message && generation == job.invalid_generation)
    return;
  job.invalid_message = message;
  job.invalid_generation = generation;
  p.log(log_level::warn, what + message);
  if (p.leading) {
    detail::set_condition(p, ct::invalid, true, "InvalidSpec", message);
    detail::emit_event(p, invalid_event(problems));
    detail::write_status(p);
  }
}

/// [new]/[invalid]: a spec that breaks a rule is [invalid]; a fixed one
/// leaves it.
void validate(pass& p) {
  auto& job = p.job;
  const auto problems = validate_job(*job.object);
  if (!problems.empty()) {
    job.pod_creates.refused_generation = -1; // the spec's own problems come first
    mark_invalid(p, problems, "invalid TrainingJob: ");
    detail::report(p);
    return;
  }
  if (!job.invalid_message.empty()) {
    const bool was_refused = job.pod_creates.refused();
    if (was_refused && job.pod_creates.refused_generation == job.object->meta.generation) {
      reconcile(p); // the same spec would be refused again: its pods stay released
      return;
    }
    job.invalid_message.clear();
    job.invalid_generation = -1;
    job.pod_creates = {};
    if (p.leading
        && (was_refused
                ? detail::set_condition(p, ct::invalid, false, "SpecChanged",
                                        "the spec changed (generation "
                                            + std::to_string(job.object->meta.generation)
                                            + "): creating its pods again")
                : detail::set_condition(p, ct::invalid, false, "SpecValid", "the spec passes validation")))
      job.status_write.dirty = true;
  }
  reconcile(p);
}

/// [invalid] for a version the decoder refused. Only its metadata (and
/// status) is known: the last decoded spec stays under the new metadata, so
/// an edit that cannot be read deletes nothing; a job never decoded adopts
/// the status it carries.
void refused(pass& p, k8s::training_job object, const field_problem& problem) {
  auto& job = p.job;
  if (job.object && job.object->meta.uid != object.meta.uid)
    job.reset(); // deleted and created again under the same name
  if (job.object) {
    job.object->meta = std::move(object.meta);
  } else {
    job.object = std::move(object);
    adopt_stored(p);
  }
  mark_invalid(p, {problem}, "TrainingJob refused by the decoder: ");
  detail::report(p);
}

// ---------------------------------------------------------------- 2. a decision

/// [waiting] -> [running]: condition, Event, metric, admission wait.
bool admitted(pass& p, const scheduling::job_decision& d) {
  const auto& spec = p.job.object->spec;
  const auto text = admitted_event(d.size, spec.min_size, spec.max_size);
  const bool changed = detail::set_condition(p, ct::running, true, "Admitted", text.message);
  detail::emit_event(p, text);
  p.count(metric_kind::admission);
  detail::note_admitted(p);
  detail::hold_admission_write(p);
  return changed;
}

/// [running] at another size: Event, Restarting for plain workers, metric.
bool resized(pass& p, const scheduling::job_decision& d, std::int32_t old_size) {
  const auto why = d.preempted_by.empty() ? d.reason : "making room for " + d.preempted_by;
  detail::emit_event(p, scaled_event(old_size, d.size, why));
  bool changed = false;
  if (!p.job.object->spec.inject_lattice) // plain workers restart at the new size; the agent resizes in place
    changed = detail::set_condition(p, ct::restarting, true, "Resized",
                                    "restarting workers at size " + std::to_string(d.size));
  p.count(metric_kind::resize, d.size > old_size ? "up" : "down");
  return changed;
}

/// [running] at the same size, moved onto one node: Event.
void moved(pass& p, const scheduling::job_decision& d) {
  std::vector<std::string> from;
  for (const auto& [name, pod] : p.job.pods)
    if (pod.live() && pod.is_worker() && !pod.node.empty()
        && std::find(from.begin(), from.end(), pod.node) == from.end())
      from.push_back(pod.node);
  detail::emit_event(p, moved_event(from.size(), d.workers.empty() ? std::string() : d.workers.front().node));
}

/// [running] -> [waiting]: preempted or stopped.
bool stopped(pass& p, const scheduling::job_decision& d) {
  bool changed = apply_decision(p.job.status, false, 0, p.now.wall);
  const auto text = d.preempted_by.empty() ? stopped_event(d.reason) : preempted_event(d.preempted_by, -1);
  changed |= detail::set_condition(p, ct::queued, true, "Preempted", text.message);
  detail::emit_event(p, text);
  p.count(metric_kind::preemption, d.preempted_by.empty() ? "capacity" : "priority");
  return changed;
}

/// [waiting] stays: the planner's reason on the Queued condition.
bool still_waiting(pass& p, const scheduling::job_decision& d) {
  return detail::set_condition(p, ct::queued, true, "Waiting",
                               d.reason.empty() ? "waiting for capacity" : d.reason);
}

/// [waiting] -> [running] (admitted, or resized while running), or
/// [running] -> [waiting] (preempted, or stopped for want of capacity).
/// Adds what the job received at `size` workers since its last resize to
/// its persisted attained service (before last_resize_time moves). Nothing
/// when that time is unknown (an adopted admission): the service is lost,
/// an underestimate.
void bank_service(pass& p, std::int32_t size) {
  auto& job = p.job;
  if (!job.persisted.last_resize_time || !job.object || size <= 0)
    return;
  const double seconds =
      std::max(0.0, std::chrono::duration<double>(p.now.wall - *job.persisted.last_resize_time).count());
  const auto gpus =
      std::max<std::int64_t>(job.object->spec.template_info.requests.get(p.config.gpu_resource), 1);
  job.persisted.attained_service += seconds * static_cast<double>(size) * static_cast<double>(gpus);
}

void decide(pass& p, const scheduling::job_decision& d, std::optional<std::int32_t> queue_position) {
  auto& job = p.job;
  if (!job.object || !job.invalid_message.empty() || job.finished() || job.object->spec.run.suspend
      || d.invalid)
    return;
  job.planner_reason = d.reason;
  forget_lost_nodes_for(job, d.workers);
  if (apply_queue_position(job.status, queue_position))
    job.status_write.dirty = true;
  const bool was_running = job.status.stage == stage::running;
  const auto old_size = job.status.current_size;
  bool changed = false;
  if (d.stage == scheduling::job_stage::running) {
    changed |= apply_decision(job.status, true, d.size, p.now.wall);
    if (!was_running)
      changed |= admitted(p, d);
    else if (old_size != d.size)
      changed |= resized(p, d, old_size);
    else if (d.moved)
      moved(p, d);
    if (!job.target || *job.target != d.workers) {
      job.timing.applied_at = p.now.steady;
      detail::start_create_timer(p);
    }
    job.target = d.workers;
  } else {
    changed |= was_running ? stopped(p, d) : still_waiting(p, d);
    job.target = std::vector<scheduling::worker_placement>{};
    job.pod_creates.failing_since.reset(); // no worker to create: nothing stuck
    job.pod_creates.failing_pod.clear();
  }
  if (was_running != (d.stage == scheduling::job_stage::running) || old_size != job.status.current_size) {
    if (was_running)
      bank_service(p, old_size);
    job.persisted.last_resize_time = base::floor_seconds(p.now.wall);
    // An admission's time is status.lastExecTime (the same second), which
    // the status write carries: adopt_stored reads it back, so only a resize
    // or a stop costs the annotations' own PATCH.
    if (was_running)
      detail::write_annotations(p);
  }
  if (changed)
    job.status_write.dirty = true;
  reconcile(p);
}

// ---------------------------------------------------------------- 3. the pass

/// [invalid] by refusal: a refused job's live pods are deleted (they would
/// hold GPUs for nothing).
void release_refused(pass& p) {
  auto& job = p.job;
  for (const auto& [name, pod] : job.pods)
    if (pod.live() && !job.deleting.pending(name))
      detail::delete_pod(
          p, {name, pod.uid, false, false, "the API server refuses the job's pods; releasing its GPUs"});
}

/// [completed], [failed]: cleanPodPolicy and the ttlSecondsAfterFinished
/// timer. Idempotent.
void finish_cleanup(pass& p) {
  auto& job = p.job;
  const auto policy = clean_pod_policy(job);
  for (const auto* pod : pods_to_delete_on_finish(job))
    if (!job.deleting.pending(pod->name))
      detail::delete_pod(
          p, {pod->name, pod->uid, false, false, "cleanPodPolicy " + policy + " after the job finished"});
  // The finished pods cleanPodPolicy keeps in the cluster are not kept here:
  // a finished job's counts are final, and thousands of finished jobs would
  // otherwise hold every pod they ever ran.
  for (auto it = job.pods.begin(); it != job.pods.end();)
    it = !it->second.live() && !job.deleting.pending(it->first) ? job.pods.erase(it) : std::next(it);
  if (job.finish_handled)
    return;
  job.finish_handled = true;
  const auto& ttl = job.object->spec.run.ttl_seconds_after_finished;
  if (!ttl)
    return;
  const auto done = job.status.completion_time.value_or(p.now.wall);
  const auto delay =
      std::chrono::duration_cast<std::chrono::milliseconds>(add_seconds(done, *ttl) - p.now.wall);
  p.out.timers.push_back({timer_kind::ttl, ++job.timers.ttl, std::max(delay, std::chrono::milliseconds(0))});
}

/// Counts Failed workers not counted yet against backoffLimit (persisted).
void count_worker_failures(pass& p) {
  auto& job = p.job;
  std::int64_t fresh = 0;
  for (const auto& [name, pod] : job.pods)
    if (pod.is_worker() && pod.phase == k8s::pod_phase::failed && !pod.node_failure()
        && job.counted_failures.insert(pod.uid).second)
      ++fresh;
  if (fresh == 0)
    return;
  job.persisted.worker_failures += fresh;
  detail::write_annotations(p);
}

/// replicaStatuses from the pods; true if they changed.
bool update_replica_counts(pass& p) {
  const auto counts = count_workers(p.job);
  auto& replicas = p.job.status.exec.replica_statuses;
  if (replicas.size() == 1 && replicas[0].active == counts.active && replicas[0].succeeded == counts.succeeded
      && replicas[0].failed == counts.failed && replicas[0].replica_type == counts.replica_type)
    return false;
  replicas = {counts};
  return true;
}

/// [running] -> [completed] or [failed]: the terminal condition, stage and
/// Event, then cleanPodPolicy and the TTL timer.
void finish(pass& p, const job_outcome& out) {
  const bool succeeded = out.kind == outcome_kind::completed;
  // The condition first: apply_finish writes the terminal stage, and a
  // finished condition set makes set_condition a no-op afterwards.
  detail::set_condition(p, succeeded ? ct::succeeded : ct::failed, true, out.reason, out.message);
  apply_finish(p.job.status, succeeded, p.now.wall);
  detail::emit_event(p, succeeded ? completed_event(out.message) : failed_event(out.reason, out.message));
  if (!succeeded)
    p.count(metric_kind::job_failure, out.reason);
  detail::write_status(p);
  finish_cleanup(p);
}

/// [running] -> [waiting] by rule 5: a worker stayed Pending past requeueTime.
void requeue(pass& p, const job_outcome& out) {
  auto& job = p.job;
  if (job.status.stage == stage::running)
    bank_service(p, job.status.current_size);
  apply_requeue(job.status, *out.requeue);
  detail::note_queued(p);
  job.persisted.schedule_failures = out.requeue->schedule_failures;
  job.persisted.last_resize_time = base::floor_seconds(p.now.wall);
  detail::write_annotations(p);
  auto text = requeued_event(
      out.pending_pod, std::chrono::duration_cast<std::chrono::milliseconds>(p.now.wall - out.pending_since),
      out.requeue->cooldown_time, out.requeue->schedule_failures);
  detail::set_condition(p, ct::queued, true, "Requeued", text.message);
  detail::emit_event(p, text);
  job.target = std::vector<scheduling::worker_placement>{};
  job.pod_creates = {}; // the next admission starts without backoff
  p.count(metric_kind::requeue, "Unschedulable");
}

/// evaluate()'s outcome: finished, rule 5's requeue time set or cleared, or
/// requeued; true when the job finished. `changed`: the status changed.
bool apply_outcome(pass& p, const job_outcome& out, bool& changed) {
  auto& job = p.job;
  switch (out.kind) {
  case outcome_kind::completed:
  case outcome_kind::failed:
    finish(p, out);
    return true;
  case outcome_kind::set_requeue_time:
    changed |= apply_requeue_time(job.status, *out.requeue_time);
    detail::arm_requeue(p);
    break;
  case outcome_kind::requeue:
    requeue(p, out);
    changed = true;
    break;
  case outcome_kind::clear_requeue_time:
    changed |= clear_requeue_time(job.status);
    break;
  case outcome_kind::nothing:
    break;
  }
  return false;
}

/// The condition the stage and the pods call for; true if it changed.
bool update_conditions(pass& p) {
  const auto& job = p.job;
  const auto& exec = job.status.exec;
  bool changed = detail::set_condition(p, ct::created, true, "TrainingJobCreated",
                                       "the operator accepted the TrainingJob");
  if (job.object->spec.run.suspend)
    return changed
           | detail::set_condition(p, ct::suspended, true, "Suspended",
                                   "runPolicy.suspend is true: no workers, not queued");
  if (job.status.stage == stage::waiting) {
    if (!condition_is_true(exec, ct::queued))
      changed |= detail::set_condition(p, ct::queued, true, "Queued", "waiting for the autoscaler");
    return changed;
  }
  if (job.status.stage != stage::running)
    return changed;
  const bool all_running = all_target_running(job);
  if (all_running && !condition_is_true(exec, ct::running)) {
    const auto n = job.status.current_size;
    return changed
           | detail::set_condition(p, ct::running, true, "AllWorkersRunning",
                                   n == 1 ? std::string("the worker is running")
                                          : "all " + std::to_string(n) + " workers are running");
  }
  if (!all_running && condition_is_true(exec, ct::running) && job.target && workers_restarting(job))
    changed |=
        detail::set_condition(p, ct::restarting, true, "WorkersRestarting", "workers are being replaced");
  return changed;
}

/// One level-triggered pass: a finished job is cleaned up; a live one is
/// suspended or queued, its failures counted, evaluated (completed, failed,
/// requeue: rule 5), its pods made to match the target, its conditions and
/// status written; the autoscaler hears what changed. Standbys only report.
void reconcile(pass& p) {
  auto& job = p.job;
  if (!job.object)
    return;
  if (!p.leading) {
    detail::report(p);
    return;
  }
  job.creating.expire(p.now.steady);
  job.deleting.expire(p.now.steady);
  if (!job.invalid_message.empty() || job.finished()) {
    if (job.pod_creates.refused())
      release_refused(p);
    if (job.status_write.dirty)
      detail::write_status(p);
    if (job.finished())
      finish_cleanup(p);
    detail::report(p);
    return;
  }
  const auto created = base::parse_optional_time(job.object->meta.creation_timestamp);
  bool changed = initialize_status(job.status, created, p.now.wall);
  const bool suspended = job.object->spec.run.suspend;
  if (suspended && job.status.stage == stage::running) {
    changed |= apply_decision(job.status, false, 0, p.now.wall);
    job.target = std::vector<scheduling::worker_placement>{};
  }
  if (suspended)
    job.timing.queued_at.reset(); // a suspended job's wait starts on resume
  else if (job.status.stage != stage::running)
    detail::note_queued(p);
  count_worker_failures(p);
  // Before evaluate: a job that finishes in this pass is written with its final counts.
  changed |= update_replica_counts(p);
  if (apply_outcome(p, evaluate(job, p.now.wall, p.config.requeue), changed)) {
    detail::report(p);
    return; // [completed] or [failed]
  }
  if (job.persisted.schedule_failures > 0 && all_workers_scheduled(job)) {
    job.persisted.schedule_failures = 0; // failures count only while consecutive
    detail::write_annotations(p);
  }
  // Pod actions first: a worker this pass deletes (restart at a new size,
  // move) is not running, so Restarting is not overwritten by Running.
  const auto actions = reconcile_workers(job, p.now.wall);
  for (const auto& d : actions.remove)
    detail::delete_pod(p, d);
  if (actions.create.empty() || !detail::creates_held(p))
    for (const auto& c : actions.create)
      detail::create_worker(p, c);
  if (job.status.stage == stage::running)
    detail::ensure_job_objects(p);
  detail::check_created(p);
  changed |= update_conditions(p);
  changed |= detail::explain(p);
  if (job.timing.applied_at && all_target_running(job)) {
    p.count(metric_kind::apply_to_running, {},
            std::chrono::duration<double>(p.now.steady - *job.timing.applied_at).count());
    job.timing.applied_at.reset();
  }
  if (changed && !job.status.exec.start_time.empty())
    detail::arm_deadline(p);
  if (changed || job.status_write.dirty)
    detail::write_status(p);
  detail::report(p);
  if (needs_resync(job))
    detail::arm_resync(p);
}

// ---------------------------------------------------------------- 4. pods, timers, answers, leadership

/// Pods the job does not control (another owner, or a previous incarnation)
/// are not its business.
bool controls(const job_model& job, const k8s::pod& pod) {
  if (!job.object)
    return true; // not seen yet: kept until the job's uid is known
  for (const auto& ref : pod.meta.owner_references)
    if (ref.controller && ref.uid == job.object->meta.uid)
      return true;
  return false;
}

void pod_seen(pass& p, const k8s::pod& pod) {
  auto& job = p.job;
  if (!controls(job, pod))
    return;
  job.creating.satisfy(pod.meta.name);
  auto record = make_pod_record(pod, p.config.api_group);
  if (job.finish_handled && !record.live()) {
    // A finished job only needs the pods cleanPodPolicy may still delete:
    // the rest is not kept (memory at thousands of jobs).
    job.pods.erase(record.name);
    return;
  }
  job.pods[record.name] = std::move(record);
  reconcile(p);
}

void pod_gone(pass& p, const k8s::pod& pod) {
  auto& job = p.job;
  const auto it = job.pods.find(pod.meta.name);
  if (it == job.pods.end() || it->second.uid != pod.meta.uid)
    return;
  job.pods.erase(it);
  job.deleting.satisfy(pod.meta.name);
  job.forced_deletes.erase(pod.meta.uid);
  forget_unused_lost_nodes(job);
  reconcile(p);
}

void node_lost(pass& p, const std::string& node, node_loss loss) {
  if (note_node_loss(p.job, node, loss))
    reconcile(p);
}

void timer_fired(pass& p, timer_kind kind, std::uint64_t generation) {
  auto& timers = p.job.timers;
  switch (kind) {
  case timer_kind::requeue:
    if (generation != timers.requeue)
      return;
    timers.requeue_due.reset();
    reconcile(p);
    if (p.leading && !p.job.finished())
      detail::arm_requeue(p); // armed for an earlier requeue time than the one now set
    return;
  case timer_kind::deadline:
    if (generation != timers.deadline)
      return;
    timers.deadline_due.reset();
    reconcile(p);
    if (p.leading && p.job.object && !p.job.finished())
      detail::arm_deadline(p); // fired early: the deadline is more than max_timer_delay away
    return;
  case timer_kind::ttl:
    if (generation == timers.ttl)
      detail::delete_job(p);
    return;
  case timer_kind::resync:
    if (generation != timers.resync)
      return;
    timers.resync_armed = false;
    timers.resync_due.reset();
    reconcile(p);
    return;
  case timer_kind::status_flush:
    if (generation == timers.status_flush)
      detail::status_flush_due(p);
    return;
  }
}

/// [running] or [waiting] -> [invalid]: a permanent pod-create refusal for
/// the job's current generation. Invalid=True (PodCreateRefused) and an
/// Event with the API server's message, stage Waiting at size 0, the job's
/// pods deleted, and the autoscaler told it is gone. Once per generation.
void refuse_pods(pass& p, const std::string& pod, const write_result& r) {
  auto& job = p.job;
  if (!job.object)
    return;
  const auto generation = job.object->meta.generation;
  if (job.pod_creates.refused_generation == generation)
    return; // another create of the same round: refused already
  job.pod_creates = {};
  job.pod_creates.refused_generation = generation;
  const auto message =
      "the API server refused pod " + pod + " (HTTP " + std::to_string(r.status) + "): " + r.message;
  job.invalid_message = message;
  job.invalid_generation = generation;
  p.log(log_level::warn,
        "pod create refused: " + message + "; the job's pods are released until its spec changes");
  if (job.status.stage == stage::running)
    apply_decision(job.status, false, 0, p.now.wall);
  job.target = std::vector<scheduling::worker_placement>{};
  job.timing.applied_at.reset();
  job.timing.create_started.reset();
  const auto condition_message = message + "; the job holds no GPUs and is tried again when its spec changes";
  detail::set_condition(p, condition_type::invalid, true, "PodCreateRefused", condition_message);
  for (const auto type : {condition_type::running, condition_type::restarting, condition_type::queued})
    if (condition_is_true(job.status.exec, type))
      detail::set_condition(p, type, false, "PodCreateRefused", condition_message);
  detail::emit_event(p, pod_create_refused_event(message));
  detail::write_status(p);
  release_refused(p);
  detail::report(p);
}

/// The answer to one of the job's writes (lifecycle/job_pass.cpp keeps the
/// books); a pod create refused for good makes the job [invalid].
void write_answered(pass& p, k8s::write_verb verb, const std::string& name, const write_result& r) {
  if (detail::answered(p, verb, name, r))
    refuse_pods(p, name, r);
}

/// One step in the given mode: `apply` changes the model through the pass;
/// the step's effects come back.
template <class F>
effects step(job_model& job, const job_config& config, instant now, bool leading, F&& apply) {
  pass p{job, config, now, leading, {}};
  apply(p);
  return std::move(p.out);
}

} // namespace

effects on_job_seen(job_model& job, k8s::training_job object, const job_config& config, instant now) {
  return step(job, config, now, true, [&](pass& p) {
    accept(p, std::move(object));
    validate(p);
  });
}

effects follow_job_seen(job_model& job, k8s::training_job object, const job_config& config, instant now) {
  return step(job, config, now, false, [&](pass& p) {
    accept(p, std::move(object));
    validate(p);
  });
}

effects on_job_undecodable(job_model& job, k8s::training_job object, const field_problem& problem,
                           const job_config& config, instant now) {
  return step(job, config, now, true, [&](pass& p) { refused(p, std::move(object), problem); });
}

effects follow_job_undecodable(job_model& job, k8s::training_job object, const field_problem& problem,
                               const job_config& config, instant now) {
  return step(job, config, now, false, [&](pass& p) { refused(p, std::move(object), problem); });
}

effects on_decision(job_model& job, const scheduling::job_decision& decision, const job_config& config,
                    instant now, std::optional<std::int32_t> queue_position) {
  return step(job, config, now, true, [&](pass& p) { decide(p, decision, queue_position); });
}

effects on_pod_seen(job_model& job, const k8s::pod& pod, const job_config& config, instant now) {
  return step(job, config, now, true, [&](pass& p) { pod_seen(p, pod); });
}

effects follow_pod_seen(job_model& job, const k8s::pod& pod, const job_config& config, instant now) {
  return step(job, config, now, false, [&](pass& p) { pod_seen(p, pod); });
}

effects on_pod_gone(job_model& job, const k8s::pod& pod, const job_config& config, instant now) {
  return step(job, config, now, true, [&](pass& p) { pod_gone(p, pod); });
}

effects follow_pod_gone(job_model& job, const k8s::pod& pod, const job_config& config, instant now) {
  return step(job, config, now, false, [&](pass& p) { pod_gone(p, pod); });
}

effects on_timer(job_model& job, timer_kind kind, std::uint64_t generation, const job_config& config,
                 instant now) {
  return step(job, config, now, true, [&](pass& p) { timer_fired(p, kind, generation); });
}

effects follow_timer(job_model& job, timer_kind kind, std::uint64_t generation, const job_config& config,
                     instant now) {
  return step(job, config, now, false, [&](pass& p) { timer_fired(p, kind, generation); });
}

effects on_write_answered(job_model& job, k8s::write_verb verb, const std::string& name,
                          const write_result& result, const job_config& config, instant now) {
  return step(job, config, now, true, [&](pass& p) { write_answered(p, verb, name, result); });
}

effects follow_write_answered(job_model& job, k8s::write_verb verb, const std::string& name,
                              const write_result& result, const job_config& config, instant now) {
  return step(job, config, now, false, [&](pass& p) { write_answered(p, verb, name, result); });
}

effects on_lead_gained(job_model& job, const job_config& config, instant now) {
  return step(job, config, now, true, [&](pass& p) {
    job.check_adoption = true;
    job.sent_fingerprint.clear(); // the (new) autoscaler hears everything again
    if (!job.object)
      return;
    adopt_what_runs(p);
    keep_stored_stage_only(p);
    validate(p);
  });
}

effects on_lead_lost(job_model& job, const job_config& config, instant now) {
  return step(job, config, now, false, [&](pass& p) {
    job.check_adoption = false;
    job.sent_fingerprint.clear(); // this replica's (standby) autoscaler hears everything again
    detail::report(p);
  });
}

effects on_node_lost(job_model& job, const std::string& node, node_loss loss, const job_config& config,
                     instant now) {
  return step(job, config, now, true, [&](pass& p) { node_lost(p, node, loss); });
}

effects follow_node_lost(job_model& job, const std::string& node, node_loss loss, const job_config& config,
                         instant now) {
  return step(job, config, now, false, [&](pass& p) { node_lost(p, node, loss); });
}

effects on_job_removed(job_model& job) {
  effects out;
  if (!job.sent_fingerprint.empty() || job.object)
    out.report = autoscaler_report{};
  return out;
}

} // namespace lattice::lifecycle
