#pragma once

#include "k8s/object_meta.hpp"
#include "k8s/result.hpp"

#include <string>
#include <vector>

namespace lattice::k8s {

/// One page of a LIST response.
template <class T>
struct list_page {
  std::vector<T> items;
  /// metadata.resourceVersion of the list: where a watch resumes.
  std::string resource_version;
  /// metadata.continue: non-empty when more pages follow.
  std::string continue_token;
  /// Items that failed to decode (left out of `items`), one decode error
  /// each naming the object and field, so one bad object cannot stall a relist.
  std::vector<error> item_errors;
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
