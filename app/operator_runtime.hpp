#pragma once

#include "config/operator_config.hpp"

namespace lattice::app {

/// Runs the operator until SIGTERM or SIGINT (docs/design/operator.md):
/// API client, actor system (autoscaler, router, gateways; job and node
/// actors spawned by the router), watches, leader election, and the
/// metrics, probe and debug servers. Returns the process exit code: 0
/// after a clean shutdown, 1 when startup fails (the reason is logged).
int run_operator(const config::operator_config& cfg);

} // namespace lattice::app
