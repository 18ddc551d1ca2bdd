#include "lifecycle/conditions.hpp"
#include "lifecycle/job_pass.hpp"
#include "lifecycle/status_fields.hpp"

#include <algorithm>

// What a decision or evaluate() leads to: conditions, Events, metrics and
// the status fields of each arrow of lifecycle/job_transition.cpp's diagram.
namespace lattice::lifecycle::detail {
namespace {

namespace ct = condition_type;

/// [running] -> [completed] or [failed]: the terminal condition, stage and
/// Event, then cleanPodPolicy and the TTL timer.
void finish(pass& p, const job_outcome& out) {
  const bool succeeded = out.kind == outcome_kind::completed;
  // The condition first: apply_finish writes the terminal stage, and a
  // finished condition set makes set_condition a no-op afterwards.
  set_condition(p, succeeded ? ct::succeeded : ct::failed, true, out.reason, out.message);
  apply_finish(p.job.status, succeeded, p.now.wall);
  emit_event(p, succeeded ? completed_event(out.message) : failed_event(out.reason, out.message));
  if (!succeeded)
    p.count(metric_kind::job_failure, out.reason);
  write_status(p);
  finish_cleanup(p);
}

/// [running] -> [waiting] by rule 5: a worker stayed Pending past requeueTime.
void requeue(pass& p, const job_outcome& out) {
  auto& job = p.job;
  apply_requeue(job.status, *out.requeue);
  note_queued(p);
  job.persisted.schedule_failures = out.requeue->schedule_failures;
  job.persisted.last_resize_time = base::floor_seconds(p.now.wall);
  write_annotations(p);
  auto text = requeued_event(
      out.pending_pod, std::chrono::duration_cast<std::chrono::milliseconds>(p.now.wall - out.pending_since),
      out.requeue->cooldown_time, out.requeue->schedule_failures);
  set_condition(p, ct::queued, true, "Requeued", text.message);
  emit_event(p, text);
  job.target = std::vector<scheduling::worker_placement>{};
  job.pod_creates = {}; // the next admission starts without backoff
  p.count(metric_kind::requeue, "Unschedulable");
}

} // namespace

bool admitted(pass& p, const scheduling::job_decision& d) {
  const auto& spec = p.job.object->spec;
  const auto text = admitted_event(d.size, spec.min_size, spec.max_size);
  const bool changed = set_condition(p, ct::running, true, "Admitted", text.message);
  emit_event(p, text);
  p.count(metric_kind::admission);
  note_admitted(p);
  return changed;
}

bool resized(pass& p, const scheduling::job_decision& d, std::int32_t old_size) {
  const auto why = d.preempted_by.empty() ? d.reason : "making room for " + d.preempted_by;
  emit_event(p, scaled_event(old_size, d.size, why));
  bool changed = false;
  if (!p.job.object->spec.inject_lattice) // plain workers restart at the new size; the agent resizes in place
    changed = set_condition(p, ct::restarting, true, "Resized",
                            "restarting workers at size " + std::to_string(d.size));
  p.count(metric_kind::resize, d.size > old_size ? "up" : "down");
  return changed;
}

bool stopped(pass& p, const scheduling::job_decision& d) {
  bool changed = apply_decision(p.job.status, false, 0, p.now.wall);
  const auto text = d.preempted_by.empty() ? stopped_event(d.reason) : preempted_event(d.preempted_by, -1);
  changed |= set_condition(p, ct::queued, true, "Preempted", text.message);
  emit_event(p, text);
  p.count(metric_kind::preemption, d.preempted_by.empty() ? "capacity" : "priority");
  return changed;
}

bool still_waiting(pass& p, const scheduling::job_decision& d) {
  return set_condition(p, ct::queued, true, "Waiting", d.reason.empty() ? "waiting for capacity" : d.reason);
}

bool apply_outcome(pass& p, const job_outcome& out, bool& changed) {
  auto& job = p.job;
  switch (out.kind) {
  case outcome_kind::completed:
  case outcome_kind::failed:
    finish(p, out);
    return true;
  case outcome_kind::set_requeue_time:
    changed |= apply_requeue_time(job.status, *out.requeue_time);
    arm_requeue(p);
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

void finish_cleanup(pass& p) {
  auto& job = p.job;
  const auto policy = clean_pod_policy(job);
  for (const auto* pod : pods_to_delete_on_finish(job))
    if (!job.deleting.pending(pod->name))
      delete_pod(p,
                 {pod->name, pod->uid, false, false, "cleanPodPolicy " + policy + " after the job finished"});
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
  write_annotations(p);
}

bool update_replica_counts(pass& p) {
  const auto counts = count_workers(p.job);
  auto& replicas = p.job.status.exec.replica_statuses;
  if (replicas.size() == 1 && replicas[0].active == counts.active && replicas[0].succeeded == counts.succeeded
      && replicas[0].failed == counts.failed && replicas[0].replica_type == counts.replica_type)
    return false;
  replicas = {counts};
  return true;
}

bool update_conditions(pass& p) {
  const auto& job = p.job;
  const auto& exec = job.status.exec;
  bool changed =
      set_condition(p, ct::created, true, "TrainingJobCreated", "the operator accepted the TrainingJob");
  if (job.object->spec.run.suspend)
    return changed
           | set_condition(p, ct::suspended, true, "Suspended",
                           "runPolicy.suspend is true: no workers, not queued");
  if (job.status.stage == stage::waiting) {
    if (!condition_is_true(exec, ct::queued))
      changed |= set_condition(p, ct::queued, true, "Queued", "waiting for the autoscaler");
    return changed;
  }
  if (job.status.stage != stage::running)
    return changed;
  const bool all_running = all_target_running(job);
  if (all_running && !condition_is_true(exec, ct::running)) {
    const auto n = job.status.current_size;
    return changed
           | set_condition(p, ct::running, true, "AllWorkersRunning",
                           n == 1 ? std::string("the worker is running")
                                  : "all " + std::to_string(n) + " workers are running");
  }
  if (!all_running && condition_is_true(exec, ct::running) && job.target) {
    // A running job lost workers that are being created again.
    const bool restarting = std::any_of(job.pods.begin(), job.pods.end(), [](const auto& entry) {
      const auto& pod = entry.second;
      return pod.is_worker() && (pod.phase == k8s::pod_phase::failed || pod.terminating);
    });
    if (restarting)
      changed |= set_condition(p, ct::restarting, true, "WorkersRestarting", "workers are being replaced");
  }
  return changed;
}

bool needs_resync(const job_model& job) {
  if (!job.creating.empty() || !job.deleting.empty() || job.status_write.dirty)
    return true;
  return std::any_of(job.pods.begin(), job.pods.end(),
                     [](const auto& entry) { return entry.second.terminating; });
}

} // namespace lattice::lifecycle::detail
