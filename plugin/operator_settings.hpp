#pragma once

#include "scheduling/planner_config.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace lattice::plugin {

/// The planner configuration the operator runs with, and where it came from.
struct operator_settings {
  scheduling::planner_config config;
  std::string source;
};

/// The planner settings of the operator's flags, as the operator's
/// settings_from() derives them; the flag parser's error otherwise.
struct parsed_settings {
  std::optional<scheduling::planner_config> config;
  std::string api_group;
  /// --config FILE was given (its fields are not read here).
  bool has_config_file = false;
  std::string error;
};
parsed_settings settings_from_flags(const std::vector<std::string>& args,
                                    const std::vector<std::pair<std::string, std::string>>& env = {});

/// From a DeploymentList (apps/v1): the settings of the first operator
/// Deployment serving `group`; nullopt when there is none.
std::optional<operator_settings> settings_from_deployments(const boost::json::value& list,
                                                           const std::string& group);

} // namespace lattice::plugin
