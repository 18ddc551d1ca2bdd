#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lattice::config {

struct yaml_settings {
  /// Top-level scalar entries in file order, values as written.
  std::vector<std::pair<std::string, std::string>> settings;
  /// Non-empty when the file cannot be read or is not a flat mapping.
  std::string error;
};

/// Reads a flat YAML mapping of scalars (`requeueTimeout: 2m`).
yaml_settings read_yaml_settings(const std::string& path);

} // namespace lattice::config
