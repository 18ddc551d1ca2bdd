#pragma once

#include "protocol/autoscaler_messages.hpp"
#include "protocol/job_messages.hpp"
#include "protocol/node_messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

namespace lattice::protocol {

/// Receives every decoded watch event, spawns and stops job and node actors
/// as objects come and go, and routes each event to the actors it concerns.
/// Also the entry point of inspection: the list of actors, or one actor's
/// state by kind ("job", "node", "autoscaler") and key.
using router_actor =
    caf::typed_actor<caf::reacts_to<job_observed>, caf::reacts_to<job_undecodable>,
                     caf::reacts_to<job_removed>, caf::reacts_to<pod_observed>, caf::reacts_to<pod_removed>,
                     caf::reacts_to<node_observed>, caf::reacts_to<node_removed>, caf::reacts_to<node_lost>,
                     caf::reacts_to<set_leader>, caf::replies_to<atoms::summary_atom>::with<std::string>,
                     caf::replies_to<atoms::inspect_atom, std::string, std::string>::with<std::string>>;

} // namespace lattice::protocol
