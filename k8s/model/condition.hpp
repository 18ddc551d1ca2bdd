#pragma once

#include <cstdint>
#include <string>

namespace lattice::k8s {

/// A condition's status: "True", "False", "Unknown" (or absent).
enum class condition_status : std::uint8_t { unknown, true_, false_ };

/// A status condition as the Kubernetes API conventions define it (used by
/// TrainingJob execStatus; Kubeflow's JobCondition adds lastUpdateTime).
/// Times are RFC3339 strings as sent ("" when absent).
struct condition {
  std::string type;
  condition_status status = condition_status::unknown;
  std::string reason;
  std::string message;
  std::string last_update_time;
  std::string last_transition_time;
  std::int64_t observed_generation = 0;
};

} // namespace lattice::k8s
