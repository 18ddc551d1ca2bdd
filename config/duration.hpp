#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace lattice::config {

/// Parses "250ms", "90s", "5m", "1h", or a bare number of seconds.
/// Returns nothing for anything else (negative, empty, unknown unit, overflow).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// The shortest exact spelling: 1500ms, 90s, 5m, 2h.
std::string format_duration(std::chrono::milliseconds value);

} // namespace lattice::config
