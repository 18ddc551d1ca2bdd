#include "snapshot_json/json_time.hpp"

#include "base/time.hpp"

namespace lattice::snapshot_json::detail {

std::optional<scheduling::time_point> parse_rfc3339(std::string_view text) {
  auto parsed = base::parse_rfc3339(text);
  if (!parsed)
    return std::nullopt;
  // Snapshot documents keep milliseconds, as the planner's times do.
  return std::chrono::floor<std::chrono::milliseconds>(*parsed);
}

std::string format_rfc3339(scheduling::time_point t) {
  auto ms = std::chrono::floor<std::chrono::milliseconds>(t);
  const bool whole = ms == std::chrono::floor<std::chrono::seconds>(ms);
  return base::format_rfc3339(ms, whole ? 0 : 3);
}

} // namespace lattice::snapshot_json::detail
