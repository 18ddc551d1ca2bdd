#pragma once

#include "protocol/autoscaler_messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

namespace lattice::protocol {

/// The global autoscaler: keeps the snapshot, plans (debounced, leader only)
/// and sends each job actor its decision.
using autoscaler_actor =
    caf::typed_actor<caf::reacts_to<job_state>, caf::reacts_to<job_gone>, caf::reacts_to<node_state>,
                     caf::reacts_to<node_gone>, caf::reacts_to<replan_timer>, caf::reacts_to<plan_wakeup>,
                     caf::reacts_to<set_leader>, caf::replies_to<atoms::summary_atom>::with<std::string>,
                     caf::replies_to<atoms::inspect_atom>::with<std::string>>;

} // namespace lattice::protocol
