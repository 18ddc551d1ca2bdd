#pragma once

#include "scheduling/job_info.hpp"
#include "scheduling/time.hpp"

#include <optional>
#include <vector>

namespace lattice::scheduling {

/// A job's scaling fitted from its throughput reports: the time per sample
/// on n workers spread over k nodes is
///
///   compute / n + (n > 1 ? intra : 0) + (k > 1 ? inter : 0)
///
/// with every term >= 0 (work divides over workers; synchronisation adds a
/// per-sample overhead once there are several workers, more across nodes).
/// Non-negative terms make super-linear speedup impossible to express: a
/// report claiming it is fitted as linear at best.
struct scaling_model {
  double compute = 1;
  double intra = 0;
  double inter = 0;

  /// Predicted samples per second.
  double rate(int workers, int nodes) const;
};

/// Fits the model to the newest report per (workers, nodes) that is not
/// older than `max_age` (relative error, non-negative least squares).
/// nullopt when no usable report remains. Deterministic: the same reports
/// in any order give the same model.
std::optional<scaling_model> fit_scaling(const std::vector<throughput_sample>& reports, time_point now,
                                         milliseconds max_age);

} // namespace lattice::scheduling
