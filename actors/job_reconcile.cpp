#include "actors/job_reconcile.hpp"

#include "actors/job_adoption.hpp"
#include "actors/job_outcome.hpp"
#include "actors/job_support.hpp"
#include "actors/job_timing.hpp"
#include "base/time.hpp"
#include "lifecycle/job_status.hpp"
#include "lifecycle/job_validation.hpp"
#include "lifecycle/pod_names.hpp"
#include "lifecycle/snapshot_conversion.hpp"
#include "lifecycle/status_fields.hpp"
#include "observability/json_log.hpp"
#include "observability/metrics.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <sstream>

namespace lattice::actors {
namespace {

namespace ct = lifecycle::condition_type;

using namespace job_detail;

std::string fingerprint(const scheduling::job_info& info, std::int64_t generation) {
  std::ostringstream out;
  out << generation << '|' << static_cast<int>(info.stage) << '|' << info.priority << '|' << info.min_size
      << '|' << info.max_size << '|' << info.submit_time.time_since_epoch().count() << '|'
      << (info.queued_time ? info.queued_time->time_since_epoch().count() : -1) << '|'
      << (info.cooldown_time ? info.cooldown_time->time_since_epoch().count() : -1) << '|'
      << info.schedule_failures << '|'
      << (info.last_resize_time ? info.last_resize_time->time_since_epoch().count() : -1);
  for (const auto& w : info.workers)
    out << '|' << w.index << '@' << w.node;
  return out.str();
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
  bool changed =
      set_cond(self, ct::created, true, "TrainingJobCreated", "the operator accepted the TrainingJob");
  const auto& exec = st.status.exec;
  if (st.observed->spec.run.suspend) {
    changed |=
        set_cond(self, ct::suspended, true, "Suspended", "runPolicy.suspend is true: no workers, not queued");
  } else if (st.status.stage == "Waiting") {
    if (!lifecycle::condition_is_true(exec, ct::queued))
      changed |= set_cond(self, ct::queued, true, "Queued", "waiting for the autoscaler");
  } else if (st.status.stage == "Running" && all_target_running(st)
             && !lifecycle::condition_is_true(exec, ct::running)) {
    const auto n = st.status.current_size;
    changed |= set_cond(self, ct::running, true, "AllWorkersRunning",
                        n == 1 ? std::string("the worker is running")
                               : "all " + std::to_string(n) + " workers are running");
  } else if (st.status.stage == "Running" && lifecycle::condition_is_true(exec, ct::running) && st.target
             && !all_target_running(st)) {
    // A running job lost workers that are being created again.
    bool restarting = false;
    for (const auto& [name, pod] : st.pods)
      restarting |=
          is_worker(st, pod) && (pod.phase == k8s::pod_phase::failed || !pod.meta.deletion_timestamp.empty());
    if (restarting)
      changed |= set_cond(self, ct::restarting, true, "WorkersRestarting", "workers are being replaced");
  }
  return changed;
}

void apply_pod_actions(job_self self) {
  auto& st = self->state;
  const auto view = st.view();
  const auto pods = st.pod_list();
  const auto creating = st.creating.names();
  const auto deleting = st.deleting.names();
  lifecycle::worker_reconcile_input in{
      view, pods, st.target, creating, deleting, st.settings->api_group, st.settings->wall_clock()};
  auto actions = lifecycle::reconcile_workers(in);
  for (const auto& d : actions.remove)
    delete_pod(self, d);
  for (const auto& c : actions.create)
    create_worker(self, c);
  if (st.status.stage == "Running")
    ensure_job_objects(self);
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
    info = lifecycle::to_job_info(st.view(), st.pod_list(), st.settings->api_group);
  if (!info) {
    if (!st.sent_fingerprint.empty())
      self->send(st.settings->autoscaler, protocol::job_gone{st.namespace_, st.job_name});
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
  self->send(st.settings->autoscaler,
             protocol::job_state{std::move(*info), caf::actor_cast<protocol::job_actor>(self)});
}

void on_job_observed(job_self self, k8s::training_job job) {
  auto& st = self->state;
  if (st.observed && st.observed->meta.uid != job.meta.uid) {
    // Deleted and created again under the same name: a new job.
    auto settings = st.settings;
    auto leader = st.leader;
    auto pods = std::move(st.pods);
    st = job_state{};
    st.settings = std::move(settings);
    st.leader = leader;
    st.creating = lifecycle::expectations(st.settings->expectation_timeout);
    st.deleting = lifecycle::expectations(st.settings->expectation_timeout);
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
  if (st.leader && st.adopted) {
    // The leader owns `status` now: of the stored one only the stage and
    // size are kept (inspection), not a second copy of the conditions and
    // times of each of thousands of jobs. A standby keeps adopting it all.
    k8s::training_job_status stored;
    stored.stage = st.observed->status.stage;
    stored.current_size = st.observed->status.current_size;
    std::swap(st.observed->status, stored);
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
  if (!st.leader || !st.observed || !st.invalid_message.empty() || is_finished(st)
      || st.observed->spec.run.suspend || d.invalid)
    return;
  st.planner_reason = d.reason;
  const auto now = now_text(self);
  bool changed = false;
  const bool was_running = st.status.stage == "Running";
  const auto old_size = st.status.current_size;
  auto* metrics = st.settings->metrics.get();
  if (d.stage == scheduling::job_stage::running) {
    changed |= lifecycle::apply_decision(st.status, true, d.size, now);
    if (!was_running) {
      auto text = lifecycle::admitted_event(d.size, st.observed->spec.min_size, st.observed->spec.max_size);
      changed |= set_cond(self, ct::running, true, "Admitted", text.message);
      emit_event(self, text);
      if (metrics)
        metrics->admissions().Increment();
      note_admitted(self);
    } else if (old_size != d.size) {
      auto why = d.preempted_by.empty() ? d.reason : "making room for " + d.preempted_by;
      emit_event(self, lifecycle::scaled_event(old_size, d.size, why));
      if (!st.observed->spec.inject_lattice)
        changed |= set_cond(self, ct::restarting, true, "Resized",
                            "restarting workers at size " + std::to_string(d.size));
      if (metrics)
        metrics->resizes(d.size > old_size ? "up" : "down").Increment();
    }
    if (!st.target || *st.target != d.workers) {
      st.applied_at = self->clock().now();
      start_create_timer(st, *st.applied_at);
    }
    st.target = d.workers;
  } else {
    if (was_running) {
      changed |= lifecycle::apply_decision(st.status, false, 0, now);
      auto text = d.preempted_by.empty() ? lifecycle::stopped_event(d.reason)
                                         : lifecycle::preempted_event(d.preempted_by, -1);
      changed |= set_cond(self, ct::queued, true, "Preempted", text.message);
      emit_event(self, text);
      if (metrics)
        metrics->preemptions(d.preempted_by.empty() ? "capacity" : "priority").Increment();
    } else {
      changed |=
          set_cond(self, ct::queued, true, "Waiting", d.reason.empty() ? "waiting for capacity" : d.reason);
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
  const auto now = st.settings->wall_clock();
  bool changed = lifecycle::initialize_status(st.status, st.observed->meta.creation_timestamp,
                                              base::format_rfc3339(now));
  if (st.observed->spec.run.suspend && st.status.stage == "Running") {
    changed |= lifecycle::apply_decision(st.status, false, 0, base::format_rfc3339(now));
    st.target = std::vector<scheduling::worker_placement>{};
  }
  // A suspended job is not waiting for admission: its wait starts on resume.
  if (st.observed->spec.run.suspend)
    st.queued_at.reset();
  else if (st.status.stage != "Running")
    note_queued(st, clock_now);
  count_worker_failures(self);
  // Before evaluate: a job that finishes in this pass is written with its
  // final counts.
  changed |= update_replica_counts(st);
  const auto out = lifecycle::evaluate(st.view(), pods_for_evaluation(st), now, st.settings->evaluation);
  if (apply_outcome(self, out, changed)) {
    update_gauge(self);
    report_to_autoscaler(self);
    return;
  }
  if (st.schedule_failures > 0
      && lifecycle::all_workers_scheduled(st.view(), st.pod_list(), st.settings->api_group)) {
    st.schedule_failures = 0;
    write_annotations(self);
  }
  // Pod actions first: a worker this pass deletes (restart at a new size,
  // move) is not running, so Restarting is not overwritten by Running.
  apply_pod_actions(self);
  check_created(self);
  changed |= update_conditions(self);
  if (st.applied_at && all_target_running(st)) {
    if (st.settings->metrics)
      st.settings->metrics->apply_to_running_latency().Observe(
          std::chrono::duration<double>(self->clock().now() - *st.applied_at).count());
    st.applied_at.reset();
  }
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
