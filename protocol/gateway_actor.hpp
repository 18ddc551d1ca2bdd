#pragma once

#include "protocol/gateway_messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace lattice::protocol {

/// A detached actor owning blocking API calls, so no scheduler thread ever
/// waits on the network. Calls to one gateway run in order; a job always
/// uses the same gateway, so its writes are never reordered.
using gateway_actor = caf::typed_actor<caf::replies_to<api_call>::with<api_result>>;

} // namespace lattice::protocol
