#pragma once

#include "k8s/object_meta.hpp"

#include <cstdint>
#include <string>

namespace lattice::k8s {

/// The object an Event is about (core/v1 ObjectReference).
struct object_reference {
  std::string api_version;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string resource_version;
};

/// A core/v1 Event to create (encode only; `kubectl describe` shows these).
/// The operator writes core/v1 rather than events.k8s.io/v1 because kubectl
/// describe and every API server version read it.
struct event {
  /// metadata.name / namespace (name is usually "<object>.<unique suffix>").
  std::string name;
  std::string namespace_;
  object_reference involved_object;
  std::string reason;
  std::string message;
  /// "Normal" or "Warning".
  std::string type = "Normal";
  /// source.component, e.g. "lattice-operator"; source.host when known.
  std::string source_component;
  std::string source_host;
  /// RFC3339 strings.
  std::string first_timestamp;
  std::string last_timestamp;
  std::int32_t count = 1;
};

} // namespace lattice::k8s
