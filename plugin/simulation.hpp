#pragma once

#include "plugin/queue_analysis.hpp"
#include "scheduling/plan.hpp"
#include "scheduling/planner_config.hpp"
#include "scheduling/snapshot.hpp"
#include "scheduling/time.hpp"

#include <string>
#include <vector>

namespace lattice::plugin {

/// A job the new one shrinks or preempts.
struct affected_job {
  std::string key;
  int32_t priority = 0;
  int32_t size_before = 0;
  int32_t size_after = 0;
  bool preempted = false;
};

/// What `kubectl lattice simulate` answers: the planner's decision for the
/// new job on the live snapshot.
struct simulation_result {
  std::string key;
  bool admitted = false;
  int32_t size = 0;
  /// Workers by index: the node each would be pinned to.
  std::vector<scheduling::worker_placement> workers;
  std::vector<affected_job> affected;
  /// 1-based position in planner order among all jobs, and among the jobs
  /// that wait after this plan (0 when admitted).
  int queue_position = 0;
  int waiting_position = 0;
  std::string reason;
  std::vector<std::string> to_change;
  start_estimate estimate;
  /// A job of the same namespace/name was in the snapshot and was replaced.
  bool replaced_existing = false;
};

/// Adds `job` to `snap` (replacing a job of the same key) and runs
/// make_plan at `now`. Writes nothing anywhere.
simulation_result simulate(scheduling::snapshot snap, scheduling::job_info job,
                           const scheduling::planner_config& cfg, scheduling::time_point now,
                           const deadlines& ends);

} // namespace lattice::plugin
