#pragma once

#include "scheduling/planner_config.hpp"
#include "scheduling/snapshot.hpp"
#include "scheduling/time.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lattice::plugin {

/// GPUs of the nodes sharing one value of the node-group label.
struct node_group_usage {
  /// The label's value, "<none>" for nodes without it.
  std::string group;
  int nodes = 0;
  /// Ready and schedulable nodes: the only ones that take new workers.
  int usable_nodes = 0;
  int64_t allocatable = 0;
  /// Held by pods: workers in force and every other pod's requests.
  int64_t allocated = 0;
  /// Allocatable minus allocated on usable nodes.
  int64_t idle = 0;
};

/// What `kubectl lattice top` shows.
struct cluster_summary {
  std::vector<node_group_usage> groups;
  /// TrainingJobs per stage ("Waiting", "Running", "Completed", "Failed", "Suspended", ...).
  std::map<std::string, int> jobs_per_stage;
  int queue_length = 0;
  /// The waiting job queued longest ago, and since when.
  std::string oldest_waiting;
  std::optional<scheduling::time_point> oldest_queued_time;
};

/// Sums the snapshot per node group (`group_label` on the nodes) and counts
/// the waiting jobs. `stages` is every TrainingJob's stage, finished ones
/// included (the snapshot has only Waiting and Running jobs).
cluster_summary summarise(const scheduling::snapshot& snap, const scheduling::planner_config& cfg,
                          const std::string& group_label, const std::map<std::string, int>& stages);

} // namespace lattice::plugin
