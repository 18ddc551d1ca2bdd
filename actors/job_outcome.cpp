#include "actors/job_outcome.hpp"

#include "actors/job_support.hpp"
#include "actors/job_timing.hpp"
#include "base/time.hpp"
#include "lifecycle/job_status.hpp"
#include "lifecycle/pod_names.hpp"
#include "lifecycle/snapshot_conversion.hpp"
#include "lifecycle/status_fields.hpp"
#include "observability/json_log.hpp"
#include "observability/metrics.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace lattice::actors::job_detail {
namespace {

namespace ct = lifecycle::condition_type;

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
  if (!succeeded && st.settings->metrics)
    st.settings->metrics->job_failures(out.reason).Increment();
  write_status(self);
  finish_cleanup(self);
}

void requeue(job_self self, const lifecycle::job_outcome& out) {
  auto& st = self->state;
  const auto now = st.settings->wall_clock();
  lifecycle::apply_requeue(st.status, *out.requeue);
  job_detail::note_queued(st, self->clock().now());
  st.schedule_failures = out.requeue->schedule_failures;
  st.last_resize_time = base::format_rfc3339(now);
  write_annotations(self);
  auto text = lifecycle::requeued_event(
      out.pending_pod, std::chrono::duration_cast<scheduling::milliseconds>(now - out.pending_since),
      out.requeue->cooldown_time, out.requeue->schedule_failures);
  set_cond(self, ct::queued, true, "Requeued", text.message);
  emit_event(self, text);
  st.target = std::vector<scheduling::worker_placement>{};
  if (st.settings->metrics)
    st.settings->metrics->requeues("Unschedulable").Increment();
}

} // namespace

void finish_cleanup(job_self self) {
  auto& st = self->state;
  const auto& run = st.observed->spec.run;
  const auto policy = run.clean_pod_policy.empty() ? std::string("Running") : run.clean_pod_policy;
  for (const auto& name : lifecycle::pods_to_delete_on_finish(policy, st.pod_list())) {
    if (st.deleting.pending(name))
      continue;
    const auto& pod = st.pods.at(name);
    delete_pod(self,
               {name, pod.meta.uid, false, false, "cleanPodPolicy " + policy + " after the job finished"});
  }
  // The finished pods cleanPodPolicy keeps in the cluster are not kept here:
  // a finished job's counts are final, and thousands of finished jobs would
  // otherwise hold every pod they ever ran.
  for (auto it = st.pods.begin(); it != st.pods.end();)
    it = !lifecycle::is_live(it->second) && !st.deleting.pending(it->first) ? st.pods.erase(it)
                                                                            : std::next(it);
  if (st.finish_handled)
    return;
  st.finish_handled = true;
  if (!run.ttl_seconds_after_finished)
    return;
  auto done = base::parse_optional_time(st.status.completion_time).value_or(st.settings->wall_clock());
  auto when = done + std::chrono::seconds(*run.ttl_seconds_after_finished);
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(when - st.settings->wall_clock());
  self->delayed_send(self, std::max(delay, std::chrono::milliseconds(0)),
                     protocol::ttl_timer{++st.ttl_generation});
}

bool apply_outcome(job_self self, const lifecycle::job_outcome& out, bool& changed) {
  auto& st = self->state;
  switch (out.kind) {
  case lifecycle::outcome_kind::completed:
  case lifecycle::outcome_kind::failed:
    finish(self, out);
    return true;
  case lifecycle::outcome_kind::set_requeue_time:
    changed |= lifecycle::apply_requeue_time(st.status, base::format_rfc3339(*out.requeue_time));
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

void count_worker_failures(job_self self) {
  auto& st = self->state;
  std::int64_t fresh = 0;
  for (const auto& [name, pod] : st.pods) {
    if (!is_worker(st, pod) || pod.phase != k8s::pod_phase::failed)
      continue;
    const bool node_failure = pod.reason == "Evicted" || pod.reason == "NodeLost"
                              || pod.reason == "NodeShutdown" || pod.reason == "Shutdown";
    if (!node_failure && st.counted_failures.insert(pod.meta.uid).second)
      ++fresh;
  }
  if (fresh == 0)
    return;
  st.worker_failures += fresh;
  write_annotations(self);
}

std::vector<k8s::pod> pods_for_evaluation(const job_state& st) {
  std::vector<k8s::pod> out;
  for (const auto& [name, pod] : st.pods)
    if (!(pod.phase == k8s::pod_phase::failed && st.counted_failures.count(pod.meta.uid) > 0))
      out.push_back(pod);
  return out;
}

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

} // namespace lattice::actors::job_detail
