#pragma once

#include "protocol/control_messages.hpp"
#include "protocol/gateway_messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace lattice::protocol {

/// Takes one API write and answers how it went. Two actors have this
/// interface: a gateway (detached, owning the blocking call, so no scheduler
/// thread waits on the network) and the write dispatcher in front of the
/// gateways, which orders the backlog by urgency and `order_key`
/// (actors/write_dispatcher.hpp).
using gateway_actor = caf::typed_actor<caf::replies_to<api_call>::with<api_result>>;

/// The write dispatcher: a gateway that also hears which nodes' GPUs a plan
/// is freeing (from the autoscaler) and when to stop waiting for them, and
/// whether this replica holds the Lease (set_leader, from app/leadership:
/// false drops the backlog and refuses writes until true).
using write_dispatcher_actor =
    gateway_actor::extend<caf::reacts_to<gpus_freeing>, caf::reacts_to<gpus_freeing_expired>,
                          caf::reacts_to<set_leader>>;

} // namespace lattice::protocol
