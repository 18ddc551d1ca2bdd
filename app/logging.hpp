#pragma once

#include "config/operator_config.hpp"

namespace lattice::app {

/// Sets spdlog's default logger to the configured level and format (text, or
/// one JSON object per line) on stderr.
void setup_logging(const config::logging_config& cfg);

} // namespace lattice::app
