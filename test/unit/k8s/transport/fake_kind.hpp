#pragma once

#include "k8s/list_watch_types.hpp"

#include <string>
#include <string_view>

namespace lattice::k8s::test {

/// A tiny kind for reflector and client tests, so they do not depend on
/// the codec: metadata plus one number in spec.value.
struct thing {
  object_meta meta;
  int value = 0;
};

// Codec functions for `thing`, found by argument-dependent lookup exactly as
// the real ones are for pod, node, ...
result<thing> decode_object(std::string_view json, thing*);
result<list_page<thing>> decode_list(std::string_view body, thing*);
result<watch_event<thing>> decode_watch_event(std::string_view line, thing*);

/// JSON builders for scripted answers.
std::string thing_json(const std::string& ns, const std::string& name, const std::string& rv, int value,
                       const std::string& uid = "");
/// A thing whose spec.value is a string: the fake codec refuses it.
std::string refused_thing_json(const std::string& ns, const std::string& name, const std::string& rv,
                               const std::string& uid = "");
std::string list_json(const std::vector<std::string>& items, const std::string& rv,
                      const std::string& cont = "");
std::string event_json(const std::string& type, const std::string& object);
std::string bookmark_json(const std::string& rv);
std::string gone_event_json();

} // namespace lattice::k8s::test
