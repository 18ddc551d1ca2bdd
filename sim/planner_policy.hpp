#pragma once

#include "scheduling/planner_config.hpp"
#include "scheduling/snapshot.hpp"
#include "sim/engine.hpp"

#include <functional>
#include <string>

namespace lattice::sim {

/// The operator's planner (`scheduling::make_plan`) as a simulation policy.
/// Keeps the job state the operator keeps between plans and puts it in each
/// snapshot exactly as the operator does: stage, the workers in force,
/// submitTime/queuedTime, lastResizeTime (set when stage or size changes),
/// plus what the agent reports (attained service, throughput).
class planner_policy final : public policy {
public:
  struct options {
    scheduling::planner_config config;
    /// Put each job's attained GPU-seconds in the snapshot.
    bool attained_service = true;
    /// Put the throughput each job measured in the snapshot.
    bool throughput = false;
    /// Called with every snapshot and `now` before planning (e.g. to save them).
    std::function<void(const scheduling::snapshot&, scheduling::time_point)> on_snapshot;
  };

  planner_policy(std::string name, options opts);
  std::string name() const override { return name_; }
  std::vector<std::vector<int>> decide(const cluster_spec& cluster, const std::vector<job_view>& jobs,
                                       double now) override;

  /// The instant a run's second 0 maps to (2026-01-01T00:00:00Z).
  static scheduling::time_point to_time(double seconds);
  /// The name of node `id` ("node-07").
  static std::string node_name(int id, int nodes);

private:
  std::string name_;
  options opts_;
};

/// Builds the snapshot `planner_policy` plans from (also used to export
/// snapshots of a run).
scheduling::snapshot make_snapshot(const cluster_spec& cluster, const std::vector<job_view>& jobs,
                                   bool attained_service, bool throughput);

} // namespace lattice::sim
