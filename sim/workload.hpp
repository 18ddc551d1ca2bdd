#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lattice::sim {

/// One job of a workload, as submitted.
struct job_spec {
  std::string name;
  /// Seconds after the start of the run.
  double submit = 0;
  int32_t priority = 0;
  int32_t min_size = 1;
  int32_t max_size = 1;
  /// GPUs (and cpu millicores) per worker.
  int64_t gpus = 1;
  int64_t cpu_millis = 0;
  /// Pollux trace jobs: the application and its tuned batch size and GPU count.
  std::string application;
  int batch = 0;
  int tuned_size = 0;
  /// Simple-format jobs: seconds of work on one worker, serial fraction,
  /// slowdown when spread over nodes.
  double work = 0;
  double serial = 0;
  double node_penalty = 0;
};

/// How a Pollux trace's jobs become TrainingJobs: minSize, and maxSize as a
/// multiple of the trace's tuned GPU count (`fixed`: minSize = maxSize =
/// the tuned count, a rigid job).
struct pollux_sizing {
  int32_t min_size = 1;
  double max_factor = 1.0;
  bool fixed = false;
};

/// Reads a Pollux workload CSV (name, time, application, num_replicas,
/// batch_size). Returns nullopt and sets `error` on a bad file.
std::optional<std::vector<job_spec>> read_pollux_workload(const std::string& path,
                                                          const pollux_sizing& sizing, std::string& error);

/// Reads the simple format (docs/simulator.md): CSV with the header
/// name,submit,priority,min,max,gpus,work,serial[,node_penalty][,cpu].
std::optional<std::vector<job_spec>> read_simple_workload(const std::string& path, std::string& error);

} // namespace lattice::sim
