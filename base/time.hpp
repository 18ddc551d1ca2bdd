#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace lattice::base {

/// A wall-clock instant (status fields, Events, the Lease, the planner).
using time_point = std::chrono::system_clock::time_point;
/// A steady-clock instant (timers, latencies, expectations).
using steady_time = std::chrono::steady_clock::time_point;

/// Parses an RFC 3339 timestamp as the API server writes it:
/// "2026-11-28T10:00:00Z", "2026-11-28T10:00:00.123456Z" or with a numeric
/// offset ("+02:00"); 'T' and 'Z' in either case. Fractions finer than the
/// clock are truncated; a leap second (":60") folds onto the next second,
/// as Go's parser does. Anything else (empty, out-of-range fields, trailing
/// text) gives nullopt.
std::optional<time_point> parse_rfc3339(std::string_view text);

/// Parses `text` when non-empty; "" (the API's nil time) and malformed
/// values both give nullopt.
std::optional<time_point> parse_optional_time(std::string_view text);

/// RFC 3339 in UTC with `fraction_digits` (0 to 9) digits after the
/// second: 0 gives "2026-11-28T10:00:00Z" (status fields, Events), 6 gives
/// Kubernetes' MicroTime "2026-11-28T10:00:00.000000Z" (the Lease). Extra
/// precision is truncated, never rounded up.
std::string format_rfc3339(time_point t, int fraction_digits = 0);

/// `t` without its fraction of a second (toward the past): the precision
/// the API's status times keep.
inline time_point floor_seconds(time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

} // namespace lattice::base
