#pragma once

#include "protocol/probe_actor.hpp"

#include <caf/actor_system.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace lattice::actors {

/// One HTTP GET of `path` on http://<ip>:<port> within `deadline` (connect,
/// send, answer; a body of at most 64 KiB). The host must be an IP address:
/// a pod IP needs no name lookup.
protocol::probe_result http_probe(const protocol::throughput_probe& probe,
                                  std::chrono::milliseconds deadline);

/// `count` detached probe actors, each answering one throughput_probe at a
/// time with http_probe: the requests to agents in flight are at most `count`.
std::vector<protocol::probe_actor> spawn_probes(caf::actor_system& sys, std::size_t count,
                                                std::chrono::milliseconds deadline);

} // namespace lattice::actors
