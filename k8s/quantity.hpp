#pragma once

#include "k8s/result.hpp"

#include <cstdint>
#include <string_view>

namespace lattice::k8s {

/// Parses a Kubernetes resource.Quantity ("500m", "2", "1.5", "4Gi", "1e3",
/// "129M", "+.5Ki", ...) by the rules of k8s.io/apimachinery ParseQuantity:
/// [+-]digits[.digits] followed by a binary-SI suffix (Ki..Ei), a
/// decimal-SI suffix (n u m "" k M G T P E) or a decimal exponent (e3, E-2).
/// The value is returned as a count of 10^-3 units (MilliValue) or of whole
/// units (Value), rounded away from zero like Kubernetes does, so "100n" cpu
/// is 1 millicore and "0.5" memory is 1 byte. Exact for up to 40 significant
/// digits. A value that does not fit int64 is an overflow error (Kubernetes
/// would silently cap it); malformed text is a format error. Errors are
/// kind::decode with only `message` set; callers fill object and field.
result<std::int64_t> parse_quantity_milli(std::string_view text);
result<std::int64_t> parse_quantity_value(std::string_view text);

/// The integer the operator keeps for resource `name`: millicores for
/// "cpu", whole base units (bytes, GPUs, pods, ...) for everything else.
result<std::int64_t> parse_resource_quantity(std::string_view name, std::string_view text);

} // namespace lattice::k8s
