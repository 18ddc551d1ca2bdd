#pragma once

#include "scheduling/time.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace lattice::snapshot_json::detail {

/// "2026-11-28T10:00:00Z", "2026-11-28T10:00:00.250Z" or with a numeric
/// offset ("+02:00"); nullopt when malformed.
std::optional<scheduling::time_point> parse_rfc3339(std::string_view text);

/// RFC 3339 in UTC, with milliseconds only when they are not zero.
std::string format_rfc3339(scheduling::time_point t);

} // namespace lattice::snapshot_json::detail
