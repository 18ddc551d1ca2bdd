#include "k8s/codec/document.hpp"

#include <string>

namespace lattice::k8s::codec {

namespace {

/// A parser grown for a bigger document (a LIST page of hundreds of jobs:
/// megabytes) gives that memory back at the next small one, so a reflector
/// thread does not keep its largest list's buffers for the process' life.
constexpr std::size_t kept_capacity = std::size_t{256} * 1024;

} // namespace

simdjson::error_code parse_document(std::string_view json, simdjson::dom::element& root) {
  thread_local simdjson::dom::parser parser;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; copy into a
  // reused padded buffer instead of letting it allocate a copy each time.
  thread_local std::string buffer;
  if (json.size() <= kept_capacity && buffer.capacity() > kept_capacity + simdjson::SIMDJSON_PADDING) {
    parser = simdjson::dom::parser{};
    std::string{}.swap(buffer);
  }
  buffer.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  buffer.assign(json.data(), json.size());
  buffer.append(simdjson::SIMDJSON_PADDING, '\0');
  return parser.parse(buffer.data(), json.size(), false).get(root);
}

} // namespace lattice::k8s::codec
