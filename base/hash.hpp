#pragma once

#include <string>
#include <string_view>

namespace lattice::base {

/// Lowercase hex SHA-256 of `data` (64 characters), computed by OpenSSL.
std::string sha256_hex(std::string_view data);

} // namespace lattice::base
