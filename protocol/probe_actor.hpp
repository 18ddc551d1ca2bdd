#pragma once

#include "protocol/probe_messages.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace lattice::protocol {

/// Asks an agent over HTTP and answers what came back. Detached (it owns
/// the blocking request, under its own deadline), so no scheduler thread
/// waits on a pod; how many run bounds the requests in flight.
using probe_actor = caf::typed_actor<caf::replies_to<throughput_probe>::with<probe_result>>;

} // namespace lattice::protocol
