#pragma once

#include "scheduling/time.hpp"

#include <string>

namespace lattice::scheduling {

/// The planner's tunables (a subset of config::autoscaler_config; the actor
/// layer copies them over so this layer depends on nothing of ours).
struct planner_config {
  /// The resource that "GPU" means: drives packing and anti-fragmentation.
  std::string gpu_resource = "nvidia.com/gpu";
  /// Rule 6: minimum time between two resizes of one running job.
  milliseconds rescale_interval{180'000};
};

} // namespace lattice::scheduling
