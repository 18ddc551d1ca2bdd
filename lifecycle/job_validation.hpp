#pragma once

#include "k8s/model/training_job.hpp"

#include <string>
#include <vector>

namespace lattice::lifecycle {

/// One thing wrong with a TrainingJob spec: the JSON field path
/// ("spec.minSize") and what is wrong, in words a user can act on.
struct field_problem {
  std::string field;
  std::string message;
  friend bool operator==(const field_problem& a, const field_problem& b) {
    return a.field == b.field && a.message == b.message;
  }
};

/// The rules the CRD's OpenAPI/CEL schema enforces, checked again because
/// API servers older than 1.25 ignore the CEL rule (maxSize >= minSize) and
/// because the operator must never act on a spec it cannot honour:
/// minSize >= 1, maxSize >= minSize, at least one container, injectLattice
/// needs an explicit `command` on the first container (the one the agent wraps), framework "pytorch",
/// backoffLimit >= 0, activeDeadlineSeconds > 0, ttlSecondsAfterFinished >= 0,
/// cleanPodPolicy All|Running|None (or unset). Empty when the spec is valid.
std::vector<field_problem> validate_job(const k8s::training_job& job);

/// "spec.minSize: must be at least 1 (got 0); spec.framework: ..." — one
/// line for a condition message or an Event.
std::string format_problems(const std::vector<field_problem>& problems);

} // namespace lattice::lifecycle
