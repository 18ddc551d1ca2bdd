// The job's state machine, leading replica. Read top to bottom: each
// section below is one part of this diagram, in this order.
//
//            job seen, spec valid                   decision: run n workers
//   [new] -----------------------------> [waiting] -----------------------------> [running]
//     |  spec invalid: Invalid condition    ^  ^    decision: wait (preempted,       |  |
//     v  and Event (per generation)         |  |    stopped): workers deleted        |  |
//   [invalid] -- spec fixed ----------------+  +-------------------------------------+  |
//                                           |   requeue timer: a worker still Pending   |
//                                           +-------------------------------------------+
//   [waiting], [running] -- runPolicy.suspend --> [suspended] -- resumed --> [waiting]
//   [running] -- every worker Succeeded --------------------------------> [completed] --+
//   [running] -- failures > backoffLimit, past activeDeadlineSeconds ---> [failed] -----+
//                      cleanPodPolicy; ttlSecondsAfterFinished timer: delete the job <--+
//   any -- job seen with another uid (deleted and created again) --> [new]
//
// 1. The job seen: adopt, validate (new, invalid).
// 2. A decision (waiting <-> running).
// 3. The pass every event ends in: suspend, failures, evaluate (completed,
//    failed, requeue), pods, conditions, status, the autoscaler.
// 4. Pods, timers, write answers, leadership.
#include "lifecycle/job_transition.hpp"

#include "lifecycle/conditions.hpp"
#include "lifecycle/job_pass.hpp"
#include "lifecycle/job_rules.hpp"
#include "lifecycle/job_validation.hpp"
#include "lifecycle/lost_nodes.hpp"
#include "lifecycle/status_fields.hpp"
#include "lifecycle/worker_reconcile.hpp"

namespace lattice::lifecycle {
namespace {

namespace ct = condition_type;
using detail::pass;

void reconcile(pass& p);

// ---------------------------------------------------------------- 1. the job seen

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
    detail::adopt_stored(p);
  if (p.leading && job.check_adoption)
    detail::adopt_what_runs(p);
  if (p.leading && job.adopted)
    detail::keep_stored_stage_only(p);
}

/// [new]/[invalid]: a spec that breaks a rule gets the Invalid condition and
/// an Event once per generation; a fixed one leaves [invalid].
void validate(pass& p) {
  auto& job = p.job;
  const auto problems = validate_job(*job.object);
  if (!problems.empty()) {
    auto message = format_problems(problems);
    const auto generation = job.object->meta.generation;
    job.pod_creates.refused_generation = -1; // the spec's own problems come first
    if (message != job.invalid_message || generation != job.invalid_generation) {
      job.invalid_message = message;
      job.invalid_generation = generation;
      p.log(log_level::warn, "invalid TrainingJob: " + message);
      if (p.leading) {
        detail::set_condition(p, ct::invalid, true, "InvalidSpec", message);
        detail::emit_event(p, invalid_event(problems));
        detail::write_status(p);
      }
    }
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
    detail::adopt_stored(p);
  }
  const auto message = format_problems({problem});
  const auto generation = job.object->meta.generation;
  if (message != job.invalid_message || generation != job.invalid_generation) {
    job.invalid_message = message;
    job.invalid_generation = generation;
    p.log(log_level::warn, "TrainingJob refused by the decoder: " + message);
    if (p.leading) {
      detail::set_condition(p, ct::invalid, true, "InvalidSpec", message);
      detail::emit_event(p, invalid_event({problem}));
      detail::write_status(p);
    }
  }
  detail::report(p);
}

// ---------------------------------------------------------------- 2. a decision

/// [waiting] -> [running] (admitted, or resized while running), or
/// [running] -> [waiting] (preempted, or stopped for want of capacity).
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
      changed |= detail::admitted(p, d);
    else if (old_size != d.size)
      changed |= detail::resized(p, d, old_size);
    if (!job.target || *job.target != d.workers) {
      job.timing.applied_at = p.now.steady;
      detail::start_create_timer(p);
    }
    job.target = d.workers;
  } else {
    changed |= was_running ? detail::stopped(p, d) : detail::still_waiting(p, d);
    job.target = std::vector<scheduling::worker_placement>{};
    job.pod_creates.failing_since.reset(); // no worker to create: nothing stuck
    job.pod_creates.failing_pod.clear();
  }
  if (was_running != (d.stage == scheduling::job_stage::running) || old_size != job.status.current_size) {
    job.persisted.last_resize_time = base::floor_seconds(p.now.wall);
    detail::write_annotations(p);
  }
  if (changed)
    job.status_write.dirty = true;
  reconcile(p);
}

// ---------------------------------------------------------------- 3. the pass

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
      detail::release_refused(p);
    if (job.status_write.dirty)
      detail::write_status(p);
    if (job.finished())
      detail::finish_cleanup(p);
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
  detail::count_worker_failures(p);
  // Before evaluate: a job that finishes in this pass is written with its final counts.
  changed |= detail::update_replica_counts(p);
  if (detail::apply_outcome(p, evaluate(job, p.now.wall, p.config.requeue), changed)) {
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
  changed |= detail::update_conditions(p);
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
  if (detail::needs_resync(job))
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
    if (generation != timers.status_flush)
      return;
    p.job.status_write.flush_due.reset();
    detail::flush_status(p);
    return;
  }
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
  return step(job, config, now, true, [&](pass& p) { detail::answered(p, verb, name, result); });
}

effects follow_write_answered(job_model& job, k8s::write_verb verb, const std::string& name,
                              const write_result& result, const job_config& config, instant now) {
  return step(job, config, now, false, [&](pass& p) { detail::answered(p, verb, name, result); });
}

effects on_lead_gained(job_model& job, const job_config& config, instant now) {
  return step(job, config, now, true, [&](pass& p) {
    job.check_adoption = true;
    job.sent_fingerprint.clear(); // the (new) autoscaler hears everything again
    if (!job.object)
      return;
    detail::adopt_what_runs(p);
    detail::keep_stored_stage_only(p);
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
