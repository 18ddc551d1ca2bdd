#pragma once

#include <simdjson.h>
#include <string_view>

namespace lattice::k8s::codec {

/// Parses `json` with this thread's reusable DOM parser (its buffers grow to
/// the largest document seen and are reused, so decoding allocates only the
/// strings it keeps). The element is valid until the next call on this thread.
simdjson::error_code parse_document(std::string_view json, simdjson::dom::element& root);

} // namespace lattice::k8s::codec
