#pragma once

#include "scheduling/planner_config.hpp"
#include "sim/engine.hpp"
#include "sim/workload.hpp"

#include <string>
#include <vector>

namespace lattice::sim {

/// lattice-sim's command line.
struct sim_options {
  std::string workload;
  /// The Pollux traces directory (one sub-directory per application).
  std::string data_dir;
  std::vector<std::string> policies;
  scheduling::planner_config config;
  pollux_sizing sizing;
  cluster_spec cluster;
  run_settings run;
  bool report_attained = true;
  bool report_throughput = false;
  std::string json_path;
  std::string snapshot_dir;
};

enum class parse_outcome { run, help, error };

parse_outcome parse_options(const std::vector<std::string>& args, sim_options& out, std::string& error);
std::string options_help();

/// The file is a Pollux workload (its header starts with "name,time,application").
bool is_pollux_workload(const std::string& path);

} // namespace lattice::sim
