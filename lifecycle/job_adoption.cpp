#include "lifecycle/job_pass.hpp"
#include "lifecycle/status_fields.hpp"

#include <algorithm>

// How a job takes over what exists (docs/design/operator.md, "Restart and
// adoption").
namespace lattice::lifecycle::detail {

void adopt_stored(pass& p) {
  auto& job = p.job;
  job.status = status_from_api(job.object->status);
  job.persisted = persisted_from(job.object->meta, p.config.api_group);
  job.adopted = true;
}

namespace {

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
      write_annotations(p);
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
  write_annotations(p);
  p.log(log_level::info, "adopted " + std::to_string(live) + " running workers (stored stage was "
                             + (stored.empty() ? std::string("unset") : std::string(stored))
                             + "): the job is Running at size " + std::to_string(size));
}

} // namespace

void adopt_what_runs(pass& p) {
  auto& job = p.job;
  job.check_adoption = false;
  if (job.finished())
    return;
  if (!job.object->spec.run.suspend)
    adopt_live_workers(p);
  // The timers a previous leader (or process) armed died with it.
  arm_deadline(p);
  job.timers.requeue_due.reset(); // a timer armed before may be stale: arm again
  arm_requeue(p);
}

void keep_stored_stage_only(pass& p) {
  auto& stored = p.job.object->status;
  k8s::training_job_status kept;
  kept.stage = std::move(stored.stage);
  kept.current_size = stored.current_size;
  stored = std::move(kept);
}

} // namespace lattice::lifecycle::detail
