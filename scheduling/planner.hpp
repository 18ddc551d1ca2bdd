#pragma once

#include "scheduling/plan.hpp"
#include "scheduling/planner_config.hpp"
#include "scheduling/snapshot.hpp"
#include "scheduling/time.hpp"

namespace lattice::scheduling {

/// Decides every job's stage, size and worker placement from scratch
/// (docs/design/planner.md). Pure: no clock, no I/O, no state kept between
/// calls; the same snapshot, config and `now` always give the same plan.
plan make_plan(const snapshot& snap, const planner_config& cfg, time_point now);

} // namespace lattice::scheduling
