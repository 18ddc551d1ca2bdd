#pragma once

#include "scheduling/resources.hpp"

#include <map>
#include <string>
#include <vector>

namespace lattice::scheduling {

enum class taint_effect { no_schedule, prefer_no_schedule, no_execute };

/// A node taint. NoSchedule and NoExecute keep workers off unless tolerated;
/// PreferNoSchedule is only a preference and the planner ignores it.
struct taint {
  std::string key;
  std::string value;
  taint_effect effect = taint_effect::no_schedule;
};

/// One node as the node actor sees it.
struct node_info {
  std::string name;
  std::map<std::string, std::string> labels;
  std::vector<taint> taints;
  resource_list allocatable;
  /// Requests of the non-terminal pods bound to this node that are NOT
  /// workers listed in the snapshot's jobs (system pods, other workloads,
  /// terminating workers of jobs no longer planned). The planner adds the
  /// listed workers itself, since it may keep, move or remove them.
  resource_list used_by_others;
  /// False when cordoned (spec.unschedulable).
  bool schedulable = true;
  /// The Ready condition is True.
  bool ready = true;
};

} // namespace lattice::scheduling
