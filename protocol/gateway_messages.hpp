#pragma once

#include "k8s/write.hpp"
#include "protocol/type_ids.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <map>
#include <string>

// Summary-only inspect(): see protocol/job_messages.hpp.

namespace lattice::protocol {

/// job -> writes: one API write (k8s/write.hpp).
using api_call = k8s::write;
using api_verb = k8s::write_verb;
using write_class = k8s::write_urgency;

/// gateway -> caller: how the write went. `status` is the HTTP code (0 when
/// no answer came: connection or timeout).
struct api_result {
  bool ok = false;
  int status = 0;
  std::string message;
  /// Not sent: the process is shutting down (rest_client::cancel()).
  bool cancelled = false;

  bool already_exists() const { return status == 409; }
  bool not_found() const { return status == 404; }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_result& x) {
  return f(caf::meta::type_name("api_result"), x.ok, x.status, x.message, x.cancelled);
}

/// autoscaler -> writes: the plan about to go out gives GPUs on these nodes
/// to other jobs, and deletes this many workers there to free them. Creates
/// pinned to such a node wait for those deletes (actors/write_queue.hpp).
struct gpus_freeing {
  std::map<std::string, std::int32_t> deletes_by_node;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gpus_freeing& x) {
  return f(caf::meta::type_name("gpus_freeing"), x.deletes_by_node);
}

/// writes -> self: stop waiting for announced deletes that have not come.
struct gpus_freeing_expired {
  std::map<std::string, std::int32_t> deletes_by_node;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gpus_freeing_expired& x) {
  return f(caf::meta::type_name("gpus_freeing_expired"), x.deletes_by_node);
}

} // namespace lattice::protocol

namespace lattice::k8s {

// Found by argument-dependent lookup, so it lives in the write's namespace.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write& x) {
  return f(caf::meta::type_name("api_call"), x.verb, x.namespace_, x.name);
}

} // namespace lattice::k8s
