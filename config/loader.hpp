#pragma once

#include "config/operator_config.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lattice::config {

/// What the command line asks for.
enum class load_action { run, help, version, error };

struct load_outcome {
  load_action action = load_action::error;
  operator_config config;
  /// For load_action::error: one line naming the option and what it accepts.
  std::string error;
};

/// Reads an environment variable; injected so tests need no real environment.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

/// The process environment.
env_lookup process_env();

/// Merges defaults < YAML file (--config / LATTICE_CONFIG) < environment <
/// flags into one validated config. `args` excludes the program name.
load_outcome load_config(const std::vector<std::string>& args, const env_lookup& env);

/// The --help text, generated from the option table.
std::string help_text(const std::string& program);

} // namespace lattice::config
