#pragma once

#include "plugin/cluster_reader.hpp"
#include "plugin/live_snapshot.hpp"
#include "plugin/operator_settings.hpp"
#include "plugin/report_output.hpp"
#include "scheduling/plan.hpp"

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace lattice::plugin {

/// A parsed command line: the verb, its other words, and the flags by long name.
struct invocation {
  std::string verb;
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
  bool help = false;
};

/// Parses `kubectl lattice` arguments (without the program name).
std::variant<invocation, plugin_error> parse(const std::vector<std::string>& args);

/// A flag's value, or `fallback` when it was not given.
std::string flag(const invocation& inv, const std::string& name, const std::string& fallback = {});

/// The text of a file a flag names, or of stdin for "-".
std::variant<std::string, plugin_error> read_input(const std::string& path);

/// Everything a verb reads, planned once.
struct planned_cluster {
  /// Null when the verb reads a snapshot document (--snapshot) instead.
  std::unique_ptr<cluster_reader> reader;
  std::string group = "breezeml.ai";
  std::string default_namespace = "default";
  cluster_objects objects;
  live_snapshot live;
  operator_settings settings;
  scheduling::time_point now;
  scheduling::plan plan;
};

/// Reads the cluster (or the --snapshot document) and the planner settings,
/// and plans once.
std::variant<planned_cluster, plugin_error> read_and_plan(const invocation& inv);

/// -o: table (or wide), json or yaml.
std::variant<output_format, plugin_error> output_of(const invocation& inv);

} // namespace lattice::plugin
