#pragma once

#include "scheduling/planner_config.hpp"

#include <boost/json.hpp>

#include <string>

namespace lattice::snapshot_json::detail {

/// Reports a bad field and does not return (throws inside the decoder).
using fail_fn = void (*)(const std::string& path, const std::string& what);

/// A finite JSON number (integer or not) as a double; anything else fails.
double read_number(const boost::json::value& v, const std::string& path, fail_fn fail);

/// Reads the "config" object into `cfg`; fields it leaves out keep their value.
void decode_config(const boost::json::object& o, scheduling::planner_config& cfg, fail_fn fail);

/// The fields of `cfg` that differ from planner_config's defaults.
boost::json::object encode_config(const scheduling::planner_config& cfg);

} // namespace lattice::snapshot_json::detail
