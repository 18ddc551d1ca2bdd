#include "actors/job_reconcile.hpp"

#include "lifecycle/job_status.hpp"
#include "lifecycle/job_validation.hpp"
#include "lifecycle/pod_names.hpp"
#include "lifecycle/rfc3339.hpp"
#include "lifecycle/snapshot_conversion.hpp"
#include "lifecycle/status_fields.hpp"
#include "observability/json_log.hpp"
#include "observability/metrics.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <sstream>

namespace lattice::actors {
namespace {

namespace ct = lifecycle::condition_type;

std::string now_text(job_self self) {
  return lifecycle::format_rfc3339(self->state.settings.wall_clock());
}

bool set_cond(job_self self, std::string_view type, bool value, std::string reason, std::string message) {
  auto& st = self->state;
  lifecycle::condition_update u{type, value ? k8s::condition_status::true_ : k8s::condition_status::false_,
                                std::move(reason), std::move(message)};
  const auto generation = st.observed ? st.observed->meta.generation : 0;
  return lifecycle::set_condition(st.status.exec, u, now_text(self), generation);
}

template <class T>
T annotation_number(const k8s::training_job& job, const std::string& key) {
  const auto it = job.meta.annotations.find(key);
  T value = 0;
  if (it == job.meta.annotations.end())
    return 0;
  const char* end = it->second.data() + it->second.size();
  if (std::from_chars(it->second.data(), end, value).ptr != end || value < 0)
    return 0;
  return value;
}

/// Takes the stored status and annotations as this actor's intended state
/// (first sight, or while standing by).
void adopt(job_state& st) {
  const auto& job = *st.observed;
  const auto& group = st.settings.api_group;
  st.status = job.status;
  st.schedule_failures = annotation_number<std::int32_t>(job, lifecycle::schedule_failures_annotation(group));
  st.worker_failures = annotation_number<std::int64_t>(job, lifecycle::worker_failures_annotation(group));
  const auto it = job.meta.annotations.find(lifecycle::last_resize_time_annotation(group));
  st.last_resize_time = it == job.meta.annotations.end() ? std::string() : it->second;
  st.adopted = true;
}

bool is_finished(const job_state& st);

/// A previous leader created workers but died before the status said
/// Running: the pods are the truth, so the job is Running at the size they
/// were built for (or their highest index), and the autoscaler plans from what runs instead
/// of deleting and recreating it.
void adopt_live_workers(job_self self) {
  auto& st = self->state;
  st.check_adoption = false;
  if (is_finished(st) || st.observed->spec.run.suspend)
    return;
  const auto pods = st.pod_list();
  const auto live = lifecycle::live_workers(pods, st.settings.api_group);
  if (st.status.stage == "Running") {
    // Fewer workers than the size: the previous leader died while creating
    // them. Its placement is lost, so the rescale interval must not pin the
    // job at the workers that exist: the planner places the rest again.
    if (static_cast<std::int32_t>(live.size()) < st.status.current_size && !st.last_resize_time.empty()) {
      st.last_resize_time.clear();
      write_annotations(self);
    }
    return;
  }
  if (live.empty())
    return;
  std::int32_t size = 0;
  const auto label = lifecycle::replica_index_label(st.settings.api_group);
  const auto world_size = lifecycle::world_size_annotation(st.settings.api_group);
  for (const auto* pod : live) {
    size = std::max(size, std::stoi(pod->meta.labels.at(label)) + 1);
    // The size the workers were built for: the rest were being created.
    auto it = pod->meta.annotations.find(world_size);
    if (it != pod->meta.annotations.end())
      size = std::max(size, std::atoi(it->second.c_str()));
  }
  size = std::min(size, st.observed->spec.max_size);
  const auto now = now_text(self);
  lifecycle::apply_decision(st.status, true, size, now);
  st.status_dirty = true;
  // An interrupted admission is completed, not a resize: no rescale lock.
  st.last_resize_time.clear();
  write_annotations(self);
  auto scope = observability::log_object(st.namespace_, st.job_name);
  spdlog::info("adopted {} running workers (stored stage was {}): the job is Running at size {}", live.size(),
               st.observed->status.stage.empty() ? "unset" : st.observed->status.stage, size);
}

bool is_finished(const job_state& st) {
  return lifecycle::is_finished(st.status.exec) || st.status.stage == "Completed" || st.status.stage == "Failed";
}

bool is_worker(const job_state& st, const k8s::pod& pod) {
  return pod.meta.labels.count(lifecycle::replica_index_label(st.settings.api_group)) > 0;
}

void update_gauge(job_self self) {
  auto& st = self->state;
  if (!st.settings.metrics || !st.leader)
    return;
  const auto& stage = st.status.stage;
  if (stage == st.gauge_stage)
    return;
  if (!st.gauge_stage.empty())
    st.settings.metrics->job_stage(st.namespace_, st.gauge_stage).Decrement();
  if (!stage.empty())
    st.settings.metrics->job_stage(st.namespace_, stage).Increment();
  st.gauge_stage = stage;
}

std::string fingerprint(const scheduling::job_info& info, std::int64_t generation) {
  std::ostringstream out;
  out << generation << '|' << static_cast<int>(info.stage) << '|' << info.priority << '|' << info.min_size << '|'
      << info.max_size << '|' << info.submit_time.time_since_epoch().count() << '|'
      << (info.queued_time ? info.queued_time->time_since_epoch().count() : -1) << '|'
      << (info.cooldown_time ? info.cooldown_time->time_since_epoch().count() : -1) << '|'
      << info.schedule_failures << '|'
      << (info.last_resize_time ? info.last_resize_time->time_since_epoch().count() : -1);
  for (const auto& w : info.workers)
    out << '|' << w.index << '@' << w.node;
  return out.str();
}

void arm_at(job_self self, scheduling::time_point when, protocol::requeue_timer msg) {
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(when - self->state.settings.wall_clock());
  self->delayed_send(self, std::max(delay, std::chrono::milliseconds(0)) + std::chrono::milliseconds(50), msg);
}

/// cleanPodPolicy (default Running: finished jobs must not hold GPUs) and
/// the ttlSecondsAfterFinished timer. Idempotent.
void finish_cleanup(job_self self) {
  auto& st = self->state;
  const auto& run = st.observed->spec.run;
  const auto policy = run.clean_pod_policy.empty() ? std::string("Running") : run.clean_pod_policy;
  for (const auto& name : lifecycle::pods_to_delete_on_finish(policy, st.pod_list())) {
    if (st.deleting.pending(name))
      continue;
    const auto& pod = st.pods.at(name);
    delete_pod(self, {name, pod.meta.uid, false, false, "cleanPodPolicy " + policy + " after the job finished"});
  }
  if (st.finish_handled)
    return;
  st.finish_handled = true;
  if (!run.ttl_seconds_after_finished)
    return;
  auto done = lifecycle::parse_optional_time(st.status.completion_time).value_or(st.settings.wall_clock());
  auto when = done + std::chrono::seconds(*run.ttl_seconds_after_finished);
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(when - st.settings.wall_clock());
  self->delayed_send(self, std::max(delay, std::chrono::milliseconds(0)),
                     protocol::ttl_timer{++st.ttl_generation});
}

void finish(job_self self, const lifecycle::job_outcome& out) {
  auto& st = self->state;
  const bool succeeded = out.kind == lifecycle::outcome_kind::completed;
  const auto now = now_text(self);
  // The condition first: apply_finish writes the terminal stage, and a
  // finished condition set makes set_condition a no-op afterwards.
  set_cond(self, succeeded ? ct::succeeded : ct::failed, true, out.reason, out.message);
  lifecycle::apply_finish(st.status, succeeded, now);
  emit_event(self, succeeded ? lifecycle::completed_event(out.message)
                             : lifecycle::failed_event(out.reason, out.message));
  if (!succeeded && st.settings.metrics)
    st.settings.metrics->job_failures(out.reason).Increment();
  write_status(self);
  finish_cleanup(self);
}

void requeue(job_self self, const lifecycle::job_outcome& out) {
  auto& st = self->state;
  const auto now = st.settings.wall_clock();
  lifecycle::apply_requeue(st.status, *out.requeue);
  st.schedule_failures = out.requeue->schedule_failures;
  st.last_resize_time = lifecycle::format_rfc3339(now);
  write_annotations(self);
  auto text = lifecycle::requeued_event(out.pending_pod,
                                        std::chrono::duration_cast<scheduling::milliseconds>(now - out.pending_since),
                                        out.requeue->cooldown_time, out.requeue->schedule_failures);
  set_cond(self, ct::queued, true, "Requeued", text.message);
  emit_event(self, text);
  st.target = std::vector<scheduling::worker_placement>{};
  if (st.settings.metrics)
    st.settings.metrics->requeues("Unschedulable").Increment();
}

/// Handles evaluate()'s outcome; true when the job finished.
bool apply_outcome(job_self self, const lifecycle::job_outcome& out, bool& changed) {
  auto& st = self->state;
  switch (out.kind) {
  case lifecycle::outcome_kind::completed:
  case lifecycle::outcome_kind::failed:
    finish(self, out);
    return true;
  case lifecycle::outcome_kind::set_requeue_time:
    changed |= lifecycle::apply_requeue_time(st.status, lifecycle::format_rfc3339(*out.requeue_time));
    arm_at(self, *out.requeue_time, protocol::requeue_timer{++st.requeue_generation});
    break;
  case lifecycle::outcome_kind::requeue:
    requeue(self, out);
    changed = true;
    break;
  case lifecycle::outcome_kind::clear_requeue_time:
    changed |= lifecycle::clear_requeue_time(st.status);
    break;
  case lifecycle::outcome_kind::nothing:
    break;
  }
  return false;
}

/// Failed workers not counted yet (node failures are not the job's fault).
void count_worker_failures(job_self self) {
  auto& st = self->state;
  std::int64_t fresh = 0;
  for (const auto& [name, pod] : st.pods) {
    if (!is_worker(st, pod) || pod.phase != k8s::pod_phase::failed)
      continue;
    const bool node_failure = pod.reason == "Evicted" || pod.reason == "NodeLost" || pod.reason == "NodeShutdown"
                              || pod.reason == "Shutdown";
    if (!node_failure && st.counted_failures.insert(pod.meta.uid).second)
      ++fresh;
  }
  if (fresh == 0)
    return;
  st.worker_failures += fresh;
  write_annotations(self);
}

/// The pods evaluate() reads: counted failures are in the annotation already.
std::vector<k8s::pod> pods_for_evaluation(const job_state& st) {
  std::vector<k8s::pod> out;
  for (const auto& [name, pod] : st.pods)
    if (!(pod.phase == k8s::pod_phase::failed && st.counted_failures.count(pod.meta.uid) > 0))
      out.push_back(pod);
  return out;
}

bool all_target_running(const job_state& st) {
  if (st.status.stage != "Running" || !st.target || st.target->empty())
    return false;
  std::size_t running = 0;
  for (const auto& w : *st.target) {
    const auto it = st.pods.find(lifecycle::worker_pod_name(st.job_name, w.index));
    if (it != st.pods.end() && it->second.phase == k8s::pod_phase::running
        && it->second.meta.deletion_timestamp.empty() && !st.deleting.pending(it->first))
      ++running;
  }
  return running == st.target->size();
}

bool update_conditions(job_self self) {
  auto& st = self->state;
  bool changed = set_cond(self, ct::created, true, "TrainingJobCreated", "the operator accepted the TrainingJob");
  const auto& exec = st.status.exec;
  if (st.observed->spec.run.suspend) {
    changed |= set_cond(self, ct::suspended, true, "Suspended", "runPolicy.suspend is true: no workers, not queued");
  } else if (st.status.stage == "Waiting") {
    if (!lifecycle::condition_is_true(exec, ct::queued))
      changed |= set_cond(self, ct::queued, true, "Queued", "waiting for the autoscaler");
  } else if (st.status.stage == "Running" && all_target_running(st)
             && !lifecycle::condition_is_true(exec, ct::running)) {
    const auto n = st.status.current_size;
    changed |= set_cond(self, ct::running, true, "AllWorkersRunning",
                        n == 1 ? std::string("the worker is running") : "all " + std::to_string(n) + " workers are running");
  } else if (st.status.stage == "Running" && lifecycle::condition_is_true(exec, ct::running)
             && st.target && !all_target_running(st)) {
    // A running job lost workers that are being created again.
    bool restarting = false;
    for (const auto& [name, pod] : st.pods)
      restarting |= is_worker(st, pod) && (pod.phase == k8s::pod_phase::failed || !pod.meta.deletion_timestamp.empty());
    if (restarting)
      changed |= set_cond(self, ct::restarting, true, "WorkersRestarting", "workers are being replaced");
  }
  return changed;
}

void arm_deadline(job_self self) {
  auto& st = self->state;
  const auto& deadline = st.observed->spec.run.active_deadline_seconds;
  const auto start = lifecycle::parse_optional_time(st.status.exec.start_time);
  if (!deadline || !start)
    return;
  auto when = *start + std::chrono::seconds(*deadline);
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(when - st.settings.wall_clock());
  self->delayed_send(self, std::max(delay, std::chrono::milliseconds(0)) + std::chrono::milliseconds(50),
                     protocol::deadline_timer{++st.deadline_generation});
}

void apply_pod_actions(job_self self) {
  auto& st = self->state;
  const auto view = st.view();
  const auto pods = st.pod_list();
  const auto creating = st.creating.names();
  const auto deleting = st.deleting.names();
  lifecycle::worker_reconcile_input in{view, pods, st.target, creating, deleting, st.settings.api_group,
                                       st.settings.wall_clock()};
  auto actions = lifecycle::reconcile_workers(in);
  for (const auto& d : actions.remove)
    delete_pod(self, d);
  for (const auto& c : actions.create)
    create_worker(self, c);
  if (st.status.stage == "Running")
    ensure_job_objects(self);
}

/// The timers a previous leader (or process) armed died with it: a new
/// leader arms the ones the adopted status calls for, or a quiet job would
/// never reach its activeDeadlineSeconds or its requeueTime (rule 5).
void arm_adopted_timers(job_self self) {
  auto& st = self->state;
  if (is_finished(st))
    return;
  arm_deadline(self);
  if (const auto requeue_time = lifecycle::parse_optional_time(st.status.requeue_time))
    arm_at(self, *requeue_time, protocol::requeue_timer{++st.requeue_generation});
}

/// replicaStatuses["Worker"] from the pods; `failed` also counts the
/// failed workers already deleted and retried (worker-failures).
bool update_replica_counts(job_state& st) {
  std::vector<k8s::pod> workers;
  for (const auto& [name, pod] : st.pods)
    if (is_worker(st, pod))
      workers.push_back(pod);
  auto counts = lifecycle::count_workers(workers);
  counts.failed = std::max<std::int32_t>(counts.failed, static_cast<std::int32_t>(st.worker_failures));
  auto& replicas = st.status.exec.replica_statuses;
  if (replicas.size() == 1 && replicas[0].active == counts.active && replicas[0].succeeded == counts.succeeded
      && replicas[0].failed == counts.failed && replicas[0].replica_type == counts.replica_type)
    return false;
  replicas = {counts};
  return true;
}

bool needs_resync(const job_state& st) {
  if (!st.creating.empty() || !st.deleting.empty() || st.status_dirty)
    return true;
  for (const auto& [name, pod] : st.pods)
    if (!pod.meta.deletion_timestamp.empty())
      return true;
  return false;
}

} // namespace

void report_to_autoscaler(job_self self) {
  auto& st = self->state;
  if (!st.observed)
    return;
  std::optional<scheduling::job_info> info;
  if (st.invalid_message.empty() && !is_finished(st))
    info = lifecycle::to_job_info(st.view(), st.pod_list(), st.settings.api_group);
  if (!info) {
    if (!st.sent_fingerprint.empty())
      self->send(st.settings.autoscaler, protocol::job_gone{st.namespace_, st.job_name});
    st.sent_fingerprint.clear();
    return;
  }
  // The intended placement is what the job holds: pods being created are
  // pinned to it, so the planner must not hand those GPUs to anyone else.
  if (info->stage == scheduling::job_stage::running && st.target && st.leader)
    info->workers = *st.target;
  auto fp = fingerprint(*info, st.observed->meta.generation);
  if (fp == st.sent_fingerprint)
    return;
  st.sent_fingerprint = std::move(fp);
  self->send(st.settings.autoscaler,
             protocol::job_state{std::move(*info), caf::actor_cast<protocol::job_actor>(self)});
}

void on_job_observed(job_self self, k8s::training_job job) {
  auto& st = self->state;
  if (st.observed && st.observed->meta.uid != job.meta.uid) {
    // Deleted and created again under the same name: a new job.
    auto settings = st.settings;
    auto gateway = st.gateway;
    auto leader = st.leader;
    auto pods = std::move(st.pods);
    st = job_state{};
    st.settings = std::move(settings);
    st.gateway = gateway;
    st.leader = leader;
    st.namespace_ = job.meta.namespace_;
    st.job_name = job.meta.name;
    for (auto& [name, pod] : pods)
      st.pods.emplace(name, std::move(pod));
  }
  st.observed = std::move(job);
  // Keep only pods controlled by this incarnation of the job.
  for (auto it = st.pods.begin(); it != st.pods.end();) {
    bool mine = false;
    for (const auto& ref : it->second.meta.owner_references)
      mine |= ref.controller && ref.uid == st.observed->meta.uid;
    it = mine ? std::next(it) : st.pods.erase(it);
  }
  if (!st.adopted || !st.leader)
    adopt(st);
  if (st.leader && st.check_adoption) {
    adopt_live_workers(self);
    arm_adopted_timers(self);
  }
  auto problems = lifecycle::validate_job(*st.observed);
  if (!problems.empty()) {
    auto message = lifecycle::format_problems(problems);
    const auto generation = st.observed->meta.generation;
    if (message != st.invalid_message || generation != st.invalid_generation) {
      st.invalid_message = message;
      st.invalid_generation = generation;
      auto scope = observability::log_object(st.namespace_, st.job_name);
      spdlog::warn("invalid TrainingJob: {}", message);
      if (st.leader) {
        set_cond(self, ct::invalid, true, "InvalidSpec", message);
        emit_event(self, lifecycle::invalid_event(problems));
        write_status(self);
      }
    }
    report_to_autoscaler(self);
    return;
  }
  if (!st.invalid_message.empty()) {
    st.invalid_message.clear();
    st.invalid_generation = -1;
    if (st.leader && set_cond(self, ct::invalid, false, "SpecValid", "the spec passes validation"))
      st.status_dirty = true;
  }
  reconcile(self);
}

void on_decision(job_self self, const scheduling::job_decision& d) {
  auto& st = self->state;
  if (!st.leader || !st.observed || !st.invalid_message.empty() || is_finished(st) || st.observed->spec.run.suspend
      || d.invalid)
    return;
  st.planner_reason = d.reason;
  const auto now = now_text(self);
  bool changed = false;
  const bool was_running = st.status.stage == "Running";
  const auto old_size = st.status.current_size;
  auto* metrics = st.settings.metrics.get();
  if (d.stage == scheduling::job_stage::running) {
    changed |= lifecycle::apply_decision(st.status, true, d.size, now);
    if (!was_running) {
      auto text = lifecycle::admitted_event(d.size, st.observed->spec.min_size, st.observed->spec.max_size);
      changed |= set_cond(self, ct::running, true, "Admitted", text.message);
      emit_event(self, text);
      if (metrics)
        metrics->admissions().Increment();
    } else if (old_size != d.size) {
      auto why = d.preempted_by.empty() ? d.reason : "making room for " + d.preempted_by;
      emit_event(self, lifecycle::scaled_event(old_size, d.size, why));
      if (!st.observed->spec.inject_lattice)
        changed |= set_cond(self, ct::restarting, true, "Resized",
                            "restarting workers at size " + std::to_string(d.size));
      if (metrics)
        metrics->resizes(d.size > old_size ? "up" : "down").Increment();
    }
    st.target = d.workers;
  } else {
    if (was_running) {
      changed |= lifecycle::apply_decision(st.status, false, 0, now);
      auto by = d.preempted_by.empty() ? std::string("a higher-priority job") : d.preempted_by;
      auto text = lifecycle::preempted_event(by, -1);
      changed |= set_cond(self, ct::queued, true, "Preempted", text.message);
      emit_event(self, text);
      if (metrics)
        metrics->preemptions(d.preempted_by.empty() ? "capacity" : "priority").Increment();
    } else {
      changed |= set_cond(self, ct::queued, true, "Waiting", d.reason.empty() ? "waiting for capacity" : d.reason);
    }
    st.target = std::vector<scheduling::worker_placement>{};
  }
  if (was_running != (d.stage == scheduling::job_stage::running) || old_size != st.status.current_size) {
    st.last_resize_time = now;
    write_annotations(self);
  }
  if (changed)
    st.status_dirty = true;
  reconcile(self);
}

void reconcile(job_self self) {
  auto& st = self->state;
  if (!st.observed)
    return;
  if (!st.leader) {
    report_to_autoscaler(self);
    return;
  }
  const auto clock_now = self->clock().now();
  st.creating.expire(clock_now);
  st.deleting.expire(clock_now);
  if (!st.invalid_message.empty()) {
    if (st.status_dirty)
      write_status(self);
    report_to_autoscaler(self);
    return;
  }
  if (is_finished(st)) {
    if (st.status_dirty)
      write_status(self);
    finish_cleanup(self);
    update_gauge(self);
    report_to_autoscaler(self);
    return;
  }
  const auto now = st.settings.wall_clock();
  bool changed = lifecycle::initialize_status(st.status, st.observed->meta.creation_timestamp,
                                              lifecycle::format_rfc3339(now));
  if (st.observed->spec.run.suspend && st.status.stage == "Running") {
    changed |= lifecycle::apply_decision(st.status, false, 0, lifecycle::format_rfc3339(now));
    st.target = std::vector<scheduling::worker_placement>{};
  }
  count_worker_failures(self);
  // Before evaluate: a job that finishes in this pass is written with its
  // final counts.
  changed |= update_replica_counts(st);
  const auto out = lifecycle::evaluate(st.view(), pods_for_evaluation(st), now, st.settings.evaluation);
  if (apply_outcome(self, out, changed)) {
    update_gauge(self);
    report_to_autoscaler(self);
    return;
  }
  if (st.schedule_failures > 0 && lifecycle::all_workers_scheduled(st.view(), st.pod_list(), st.settings.api_group)) {
    st.schedule_failures = 0;
    write_annotations(self);
  }
  // Pod actions first: a worker this pass deletes (restart at a new size,
  // move) is not running, so Restarting is not overwritten by Running.
  apply_pod_actions(self);
  changed |= update_conditions(self);
  if (changed && !st.status.exec.start_time.empty())
    arm_deadline(self);
  if (changed || st.status_dirty)
    write_status(self);
  update_gauge(self);
  report_to_autoscaler(self);
  if (needs_resync(st))
    arm_resync(self);
}

} // namespace lattice::actors
