#pragma once

#include "protocol/control_messages.hpp"
#include "protocol/job_messages.hpp"
#include "protocol/node_messages.hpp"
#include "protocol/probe_messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

namespace lattice::protocol {

/// One actor per TrainingJob: turns observations into a `job_info` for the
/// autoscaler and applies the autoscaler's decisions to the cluster.
using job_actor =
    caf::typed_actor<caf::reacts_to<job_observed>, caf::reacts_to<job_undecodable>,
                     caf::reacts_to<job_removed>, caf::reacts_to<pod_observed>, caf::reacts_to<pod_removed>,
                     caf::reacts_to<job_decision>, caf::reacts_to<requeue_timer>,
                     caf::reacts_to<deadline_timer>, caf::reacts_to<ttl_timer>, caf::reacts_to<resync_timer>,
                     caf::reacts_to<status_flush_timer>, caf::reacts_to<set_leader>,
                     caf::reacts_to<node_lost>, caf::reacts_to<throughput_poll_timer>,
                     caf::replies_to<atoms::summary_atom>::with<std::string>,
                     caf::replies_to<atoms::inspect_atom>::with<std::string>>;

} // namespace lattice::protocol
