#include "plugin/simulation.hpp"

#include "scheduling/planner.hpp"

#include <algorithm>

namespace lattice::plugin {

simulation_result simulate(scheduling::snapshot snap, scheduling::job_info job,
                           const scheduling::planner_config& cfg, scheduling::time_point now,
                           const deadlines& ends) {
  simulation_result r;
  r.key = job.key();
  auto same = std::find_if(snap.jobs.begin(), snap.jobs.end(),
                           [&](const scheduling::job_info& j) { return j.key() == r.key; });
  if (same != snap.jobs.end()) {
    r.replaced_existing = true;
    snap.jobs.erase(same);
  }
  snap.jobs.push_back(std::move(job));
  const std::size_t index = snap.jobs.size() - 1;
  const auto p = scheduling::make_plan(snap, cfg, now);
  const auto& d = p.jobs[index];
  r.admitted = d.stage == scheduling::job_stage::running;
  r.size = d.size;
  r.workers = d.workers;
  r.reason = d.reason;
  for (std::size_t i = 0; i < p.jobs.size(); ++i) {
    const auto& other = p.jobs[i];
    if (i == index || other.preempted_by != r.key)
      continue;
    const auto& j = snap.jobs[i];
    r.affected.push_back(
        {j.key(), j.priority, static_cast<int32_t>(j.workers.size()), other.size, other.preempted});
  }
  int position = 0, waiting = 0;
  for (std::size_t i : p.queue) {
    ++position;
    const bool waits = p.jobs[i].stage == scheduling::job_stage::waiting && !p.jobs[i].invalid;
    waiting += waits ? 1 : 0;
    if (i == index) {
      r.queue_position = position;
      r.waiting_position = waits ? waiting : 0;
      break;
    }
  }
  r.to_change = what_would_change(snap, p, index, cfg, now);
  r.estimate = estimate_start(snap, p, index, cfg, now, ends);
  return r;
}

} // namespace lattice::plugin
