#pragma once

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace lattice::plugin {

/// The documents of a YAML (or JSON) stream as JSON values, for the
/// simdjson decoders. Plain scalars take YAML 1.2's core types (integers,
/// floats, true/false, null); quoted scalars stay strings. A syntax error
/// comes back as `error` with the line, and no documents.
struct yaml_documents {
  std::vector<boost::json::value> documents;
  std::string error;
};

yaml_documents parse_yaml(const std::string& text);

} // namespace lattice::plugin
