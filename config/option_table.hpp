#pragma once

#include "config/operator_config.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lattice::config {

/// One configurable setting: how it is spelled as a flag, in the environment
/// and in the YAML file, how it is documented, and how a text value is
/// checked and stored. One table drives parsing, --help and error messages,
/// so the three can never disagree.
struct option_spec {
  std::string flag;                  ///< without the leading "--"
  std::vector<std::string> env_vars; ///< first one set wins
  std::string file_key;              ///< camelCase key in the YAML file
  std::string value_name;            ///< placeholder in --help, e.g. DURATION
  std::string help;
  std::string accepted; ///< the accepted range, for error messages
  bool is_bool = false;
  /// Stores the value; returns false when it is not acceptable.
  std::function<bool(operator_config&, const std::string&)> apply;
  /// The default, as shown in --help.
  std::function<std::string(operator_config&)> show;
};

/// A row of the table: the flag (kebab-case) also gives the environment
/// variable (LATTICE_FLAG_NAME) and the YAML key (flagName).
option_spec make_option(const std::string& flag, std::string value_name, std::string help,
                        std::string accepted, std::function<bool(operator_config&, const std::string&)> apply,
                        std::function<std::string(operator_config&)> show, bool is_bool = false);

/// Appends the autoscaler's growth-policy options (policy_options.cpp).
void add_policy_options(std::vector<option_spec>& table);

/// Every option of the operator, in --help order.
const std::vector<option_spec>& option_table();

/// The option spelled --flag, or nullptr.
const option_spec* find_flag(const std::string& flag);

/// The option with this YAML key, or nullptr.
const option_spec* find_file_key(const std::string& key);

} // namespace lattice::config
