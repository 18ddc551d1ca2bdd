#pragma once

#include "k8s/client/rest_client.hpp"
#include "k8s/client/write_fence.hpp"
#include "protocol/gateway_actor.hpp"

#include <caf/actor_system.hpp>

#include <memory>
#include <string>
#include <vector>

namespace lattice::actors {

/// What the gateway actors share: the thread-safe REST client (its rate
/// limiter is the process-wide QPS/burst; it records API metrics itself).
struct gateway_settings {
  std::shared_ptr<k8s::client::rest_client> rest;
  /// CRD group of the TrainingJob resource.
  std::string api_group;
  /// Closed while this replica may not write (it does not hold the Lease):
  /// a write is then answered "cancelled" without being sent. Null: always
  /// open (no leader election).
  std::shared_ptr<const k8s::client::write_fence> fence;
};

/// Spawns `count` detached gateway actors (one thread each): blocking API
/// calls (k8s::client::send_write) never occupy the actor system's
/// scheduler threads. An exit message waits behind the mailbox: cancel
/// `settings.rest` first, so the backlog is answered (failed) at once
/// instead of sent.
std::vector<protocol::gateway_actor> spawn_gateways(caf::actor_system& sys, const gateway_settings& settings,
                                                    std::size_t count);

} // namespace lattice::actors
