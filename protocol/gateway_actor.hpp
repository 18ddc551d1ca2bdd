#pragma once

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

} // namespace lattice::protocol
