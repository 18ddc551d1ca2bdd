#pragma once

#include "scheduling/plan.hpp"
#include "scheduling/planner_config.hpp"
#include "scheduling/snapshot.hpp"
#include "scheduling/time.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lattice::plugin {

/// What the plugin knows about a job beyond the planner's input: when it
/// must end at the latest (status.execStatus.startTime +
/// runPolicy.activeDeadlineSeconds), keyed by "namespace/name".
using deadlines = std::map<std::string, scheduling::time_point>;

/// When a waiting job can be expected to start, and on what grounds.
struct start_estimate {
  /// Empty: unknown.
  std::optional<scheduling::time_point> at;
  /// Why `at` holds (or why there is none): "cooldown ends", "default/a
  /// reaches its activeDeadlineSeconds", "unknown: ...".
  std::string basis;
};

/// One job of the queue as `kubectl lattice queue` and `why` show it.
struct job_row {
  std::string namespace_;
  std::string name;
  /// 1-based position in planner order (priority, queuedTime, name).
  int position = 0;
  /// 1-based position among the jobs the plan leaves waiting (1: admitted
  /// next), as the operator writes status.queuePosition; 0 when not waiting.
  int waiting_position = 0;
  int32_t priority = 0;
  scheduling::time_point queued_time{};
  int32_t min_size = 1;
  int32_t max_size = 1;
  /// Workers in force now.
  int32_t current_size = 0;
  /// "Running" or "Waiting": the stage now.
  std::string stage;
  /// The stage and size the planner decides on this snapshot.
  std::string planned_stage;
  int32_t planned_size = 0;
  /// GPUs (the config's gpu_resource) held now and wanted: minSize worth
  /// while waiting, maxSize worth once admitted.
  int64_t gpus_held = 0;
  int64_t gpus_wanted = 0;
  /// The planner's reason ("at maxSize" when nothing holds it back).
  std::string reason;
  /// What would have to change for it to run (or to reach maxSize), each
  /// line checked with the planner where it names a counterfactual.
  std::vector<std::string> to_change;
  start_estimate estimate;
  bool invalid = false;
};

/// Which rows get the counterfactual analysis (to_change and estimate: up
/// to ~25 plans each): those `wanted` selects, at most `limit` of them in
/// queue order; the others say so in their estimate's basis.
struct analysis_scope {
  std::function<bool(const scheduling::job_info&)> wanted = [](const scheduling::job_info&) { return true; };
  std::size_t limit = 50;
};

/// Every job of the snapshot in planner order, with reasons, the changes
/// that would let it run, and start estimates. `p` is make_plan(snap, cfg, now).
std::vector<job_row> analyse_queue(const scheduling::snapshot& snap, const scheduling::plan& p,
                                   const scheduling::planner_config& cfg, scheduling::time_point now,
                                   const deadlines& ends, const analysis_scope& scope = {});

/// The lines of job_row::to_change for snapshot job `index`.
std::vector<std::string> what_would_change(const scheduling::snapshot& snap, const scheduling::plan& p,
                                           std::size_t index, const scheduling::planner_config& cfg,
                                           scheduling::time_point now);

/// The start estimate of snapshot job `index` (waiting in `p`): the end of
/// its cooldown, or the first deadline of running jobs after which the
/// planner admits it; unknown when no such fact exists or a waiting job is
/// ahead of it. Started jobs get no estimate.
start_estimate estimate_start(const scheduling::snapshot& snap, const scheduling::plan& p, std::size_t index,
                              const scheduling::planner_config& cfg, scheduling::time_point now,
                              const deadlines& ends);

/// The GPUs one worker of `job` requests.
int64_t gpus_per_worker(const scheduling::job_info& job, const scheduling::planner_config& cfg);

} // namespace lattice::plugin
