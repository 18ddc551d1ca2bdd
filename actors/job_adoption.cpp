#include "actors/job_adoption.hpp"

#include "actors/job_support.hpp"
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
#include <charconv>
#include <cstdlib>

namespace lattice::actors::job_detail {
namespace {

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

} // namespace

void adopt(job_state& st) {
  const auto& job = *st.observed;
  const auto& group = st.settings->api_group;
  st.status = job.status;
  st.schedule_failures = annotation_number<std::int32_t>(job, lifecycle::schedule_failures_annotation(group));
  st.worker_failures = annotation_number<std::int64_t>(job, lifecycle::worker_failures_annotation(group));
  const auto it = job.meta.annotations.find(lifecycle::last_resize_time_annotation(group));
  st.last_resize_time = it == job.meta.annotations.end() ? std::string() : it->second;
  st.adopted = true;
}

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
  const auto live = lifecycle::live_workers(pods, st.settings->api_group);
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
  const auto label = lifecycle::replica_index_label(st.settings->api_group);
  const auto world_size = lifecycle::world_size_annotation(st.settings->api_group);
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

void arm_adopted_timers(job_self self) {
  auto& st = self->state;
  if (is_finished(st))
    return;
  arm_deadline(self);
  if (const auto requeue_time = base::parse_optional_time(st.status.requeue_time))
    arm_at(self, *requeue_time, protocol::requeue_timer{++st.requeue_generation});
}

} // namespace lattice::actors::job_detail
