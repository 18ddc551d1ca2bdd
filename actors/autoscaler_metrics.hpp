#pragma once

#include "scheduling/node_info.hpp"
#include "scheduling/plan.hpp"
#include "scheduling/snapshot.hpp"

#include <chrono>
#include <map>
#include <string>

namespace lattice::observability {
class metrics;
}

namespace lattice::actors {

/// Node label that names a node's group for the GPU gauges; nodes without
/// it fall back to node.kubernetes.io/instance-type, then "default".
inline constexpr const char* node_group_label = "lattice.dev/node-group";

std::string node_group(const scheduling::node_info& node);

/// GPUs per node group after a plan: allocatable on usable nodes, and
/// allocated = placed workers plus pods the planner does not own.
struct gpu_usage {
  double allocatable = 0;
  double allocated = 0;
};
std::map<std::string, gpu_usage> gpus_by_group(const scheduling::snapshot& snap, const scheduling::plan& p,
                                               const std::string& gpu_resource);

/// Sets plan duration, queue length, oldest waiting age and GPU gauges.
void export_plan_metrics(observability::metrics& m, const scheduling::snapshot& snap,
                         const scheduling::plan& p, scheduling::time_point now,
                         std::chrono::microseconds took, const std::string& gpu_resource);

} // namespace lattice::actors
