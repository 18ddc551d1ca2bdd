#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lattice::k8s::client {

/// Query parameters in order; values are encoded by build_target.
using query_params = std::vector<std::pair<std::string, std::string>>;

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

/// "path?k=v&k2=v2" (just "path" without parameters).
std::string build_target(const std::string& path, const query_params& query);

} // namespace lattice::k8s::client
