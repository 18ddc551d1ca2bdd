#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lattice::k8s {

/// The controller ownerReference (the only one the operator cares about).
struct owner_ref {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
};

/// The part of ObjectMeta the operator uses. Times are RFC3339 strings as
/// the API server sent them ("" when absent).
struct object_meta {
  std::string name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  std::int64_t generation = 0;
  std::string creation_timestamp;
  std::string deletion_timestamp;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<owner_ref> owner_references;

  /// "namespace/name", or "name" for cluster-scoped objects: the key used
  /// in stores and in every log line and error about the object.
  std::string key() const { return namespace_.empty() ? name : namespace_ + "/" + name; }
};

} // namespace lattice::k8s
