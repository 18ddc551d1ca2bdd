#pragma once

#include "base/time.hpp"

#include <chrono>
#include <string>

namespace lattice::scheduling {

/// Wall-clock instants are passed in; the planner never reads a clock.
using time_point = base::time_point;
using milliseconds = std::chrono::milliseconds;

/// RFC 3339 in UTC with second precision: "2026-11-28T10:00:00Z".
std::string format_time(time_point t);

} // namespace lattice::scheduling
