#pragma once

#include "protocol/job_messages.hpp"
#include "protocol/node_messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

namespace lattice::protocol {

/// Who hears of a lost node (the router, which forwards to the jobs named).
using node_loss_listener = caf::typed_actor<caf::reacts_to<node_lost>>;

/// One actor per Node: keeps the node and the pods bound to it and reports a
/// `node_info` to the autoscaler.
using node_actor = caf::typed_actor<caf::reacts_to<node_observed>, caf::reacts_to<node_removed>,
                                    caf::reacts_to<pod_observed>, caf::reacts_to<pod_removed>,
                                    caf::reacts_to<node_unready_timer>,
                                    caf::replies_to<atoms::summary_atom>::with<std::string>,
                                    caf::replies_to<atoms::inspect_atom>::with<std::string>>;

} // namespace lattice::protocol
