#pragma once

#include "config/operator_config.hpp"

#include <optional>
#include <string>

namespace lattice::config {

/// Rules that involve more than one option. Returns the first violation as a
/// one-line message naming the options, or nothing when the config is valid.
std::optional<std::string> validate(const operator_config& cfg);

} // namespace lattice::config
