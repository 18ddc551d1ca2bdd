#pragma once

#include <boost/json.hpp>

#include <initializer_list>
#include <string>

namespace lattice::plugin {

/// The string at `v`, or "" when `v` is null or not a string.
inline std::string text(const boost::json::value* v) {
  return v && v->is_string() ? std::string(v->as_string()) : std::string{};
}

/// The value at the object keys `path` below `v`; nullptr when one is
/// missing or not an object.
inline const boost::json::value* field(const boost::json::value& v, std::initializer_list<const char*> path) {
  const boost::json::value* cur = &v;
  for (const char* key : path) {
    if (!cur->is_object())
      return nullptr;
    cur = cur->as_object().if_contains(key);
    if (!cur)
      return nullptr;
  }
  return cur;
}

} // namespace lattice::plugin
