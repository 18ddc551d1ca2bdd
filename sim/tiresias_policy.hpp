#pragma once

#include "sim/engine.hpp"

#include <map>
#include <string>
#include <vector>

namespace lattice::sim {

/// A Tiresias-style reference policy (Gu et al., NSDI '19): discretised
/// two-dimensional least-attained-service. Jobs are rigid (the trace's tuned
/// GPU count, else maxSize). Queues are ordered by attained GPU-time:
/// a job starts in queue 0 and moves down once its attained GPU-time passes
/// the queue's threshold; within a queue, first come (to the queue) first
/// served. Each interval the queues are walked in order and every job that
/// still fits in the cluster's free GPU count runs (later jobs may backfill
/// past one that does not fit); a running job not chosen is preempted. New
/// placements take the node with the most free GPUs first (consolidated).
/// Priorities are ignored, as in the paper.
class tiresias_policy final : public policy {
public:
  /// `thresholds`: attained GPU-seconds that end each queue but the last
  /// (default: one threshold at 16 GPU-hours, as the Pollux paper ran it).
  /// `promote_after`: a job waiting this many times its last run time moves
  /// back to queue 0 (0: never, as the Pollux paper ran it).
  explicit tiresias_policy(std::vector<double> thresholds = {16 * 3600.0}, double promote_after = 0);
  std::string name() const override { return "tiresias"; }
  bool honours_priorities() const override { return false; }
  std::vector<std::vector<int>> decide(const cluster_spec& cluster, const std::vector<job_view>& jobs,
                                       double now) override;

private:
  struct state {
    std::size_t queue = 0;
    /// When it entered its queue (FIFO key), then the submit order.
    double entered = 0;
    double executed = 0;
    double pending = 0;
    double last_seen = 0;
    bool running = false;
  };
  std::vector<double> thresholds_;
  double promote_after_;
  std::map<std::string, state> states_;
};

} // namespace lattice::sim
