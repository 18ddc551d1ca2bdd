#pragma once

#include "k8s/object_meta.hpp"
#include "k8s/result.hpp"

#include <string>
#include <vector>

namespace lattice::k8s {

/// An object the API server sent that the decoder refused: what could be
/// read of it alone (its metadata; for a TrainingJob also its status, which
/// the operator wrote; empty name when not even the metadata reads), and the
/// decode error naming the object and the JSON path of the field.
template <class T>
struct refused_object {
  T object;
  error failure;
};

/// One page of a LIST response.
template <class T>
struct list_page {
  std::vector<T> items;
  /// metadata.resourceVersion of the list: where a watch resumes.
  std::string resource_version;
  /// metadata.continue: non-empty when more pages follow.
  std::string continue_token;
  /// Items that failed to decode (left out of `items`): metadata and the
  /// error naming the field, so one bad object cannot stall a relist.
  std::vector<refused_object<T>> undecodable;
};

enum class watch_event_type { added, modified, deleted, bookmark, error };

/// One line of a watch stream, decoded.
template <class T>
struct watch_event {
  watch_event_type type = watch_event_type::added;
  /// For added/modified/deleted: the object. For bookmark: only
  /// object.meta.resource_version is meaningful.
  T object{};
  /// For error: the Status the server sent (status 410 with reason Expired
  /// or Gone means "relist").
  error status;
  /// For added/modified/deleted whose object the decoder refused: true,
  /// `object` holds what could be read alone (see refused_object) and
  /// `failure` says which field and why.
  bool undecodable = false;
  error failure;
};

/// What the reflector needs to know about a kind. Each compact struct T
/// (pod, node, training_job, ...) has `object_meta meta;` and the codec
/// provides these functions for it:
///
///   result<list_page<T>>   decode_list(std::string_view body, T*);
///   result<watch_event<T>> decode_watch_event(std::string_view line, T*);
///
/// (the unused T* parameter selects the overload; pass nullptr).

} // namespace lattice::k8s
