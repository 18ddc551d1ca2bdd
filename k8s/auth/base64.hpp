#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lattice::k8s::auth {

/// Standard base64 (RFC 4648, with or without padding, whitespace ignored),
/// as kubeconfig's *-data fields use. nullopt on an invalid character.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace lattice::k8s::auth
