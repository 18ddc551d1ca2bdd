#pragma once

#include "k8s/auth/cluster_config.hpp"
#include "k8s/result.hpp"

#include <string>

namespace lattice::k8s::auth {

/// Splits "https://host[:port][/prefix]" into config.host/port/base_path.
/// Only https is accepted: the client never sends credentials in clear.
status set_server(cluster_config& config, const std::string& url, const std::string& origin);

/// A config error whose message names where the bad value came from.
error config_error(std::string message);

} // namespace lattice::k8s::auth
