#pragma once

#include "scheduling/time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace lattice::lifecycle {

/// Parses an RFC 3339 timestamp as the API server writes it:
/// "2026-11-28T10:00:00Z", "2026-11-28T10:00:00.123456Z" or with a numeric
/// offset ("+02:00"). Fractions finer than the clock are truncated.
/// Anything else (empty, out-of-range fields, trailing text) -> nullopt.
std::optional<scheduling::time_point> parse_rfc3339(std::string_view text);

/// RFC 3339 in UTC with second precision ("2026-11-28T10:00:00Z"), the form
/// the status fields use (same as scheduling::format_time).
std::string format_rfc3339(scheduling::time_point t);

/// Parses `text` when non-empty; "" (the API's nil time) and malformed
/// values both give nullopt.
inline std::optional<scheduling::time_point> parse_optional_time(const std::string& text) {
  if (text.empty())
    return std::nullopt;
  return parse_rfc3339(text);
}

} // namespace lattice::lifecycle
