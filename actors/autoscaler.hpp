#pragma once

#include "actors/autoscaler_settings.hpp"
#include "actors/autoscaler_state.hpp"
#include "protocol/autoscaler_actor.hpp"

#include <caf/actor_system.hpp>

namespace lattice::actors {

/// The autoscaler actor (docs/design/operator.md, DESIGN.md "Autoscaler
/// rules"): keeps the snapshot from job_state/job_gone/node_state/node_gone,
/// plans with scheduling::make_plan after a debounce window, and sends each
/// job actor its decision when something changed for it.
///
///    set_leader{true}         change
/// [standby] --------> [idle] ------------> [window open] --+ change: window extended
///  ^ snapshot kept      ^                    |   ^          | (quiet window, capped by
///  | warm, no plans     |                    |   +----------+  the max delay); a timer
///  |                    +-- replan_timer: ---+                 of an old generation is
///  |                        plan, send each job its news       ignored
///  +-- set_leader{false} from idle or window open (window cancelled)
protocol::autoscaler_actor::behavior_type
autoscaler(protocol::autoscaler_actor::stateful_pointer<autoscaler_state> self, autoscaler_settings settings);

/// Spawns the autoscaler.
protocol::autoscaler_actor spawn_autoscaler(caf::actor_system& sys, autoscaler_settings settings);

} // namespace lattice::actors
