#pragma once

#include "sim/engine.hpp"

#include <string>
#include <vector>

namespace lattice::sim {

/// The figures of one run.
struct summary {
  std::string policy;
  int jobs = 0;
  int completed = 0;
  double avg_jct = 0, p50_jct = 0, p99_jct = 0;
  double makespan = 0;
  int restarts = 0;
  /// Allocated GPU-seconds over (all GPUs x makespan).
  double utilisation = 0;
  /// Share of running time spent on more nodes than the fewest possible.
  double spread = 0;
  /// Seconds from submission to first start: mean and 99th percentile.
  double avg_wait = 0, p99_wait = 0;
  double policy_ms_per_plan = 0;
  int violations = 0;
};

summary summarize(const run_result& r);

/// Percentile with linear interpolation between closest ranks (numpy's default).
double percentile(std::vector<double> values, double p);

/// The run as JSON: the summary, every job's figures, the violations and
/// (when recorded) the timeline.
std::string to_json(const run_result& r, const summary& s);

/// A Markdown table of several runs' summaries.
std::string to_table(const std::vector<summary>& rows);

} // namespace lattice::sim
