#pragma once

#include "scheduling/job_info.hpp"
#include "scheduling/node_info.hpp"

#include <vector>

namespace lattice::scheduling {

/// Everything the planner reads: the cluster's nodes and every TrainingJob
/// that is Waiting or Running. Order does not matter; the plan is the same
/// for any permutation.
struct snapshot {
  std::vector<node_info> nodes;
  std::vector<job_info> jobs;
};

} // namespace lattice::scheduling
