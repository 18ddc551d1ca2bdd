#pragma once

#include "protocol/type_ids.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

// Summary-only inspect(): see protocol/job_messages.hpp.

namespace lattice::protocol {

/// The API writes actors ask the gateway for. A closed set, so a request is
/// plain data (no closures cross actors) and every call site is greppable.
enum class api_verb : std::uint8_t {
  /// POST a Pod (`body`) in `namespace_`.
  create_pod,
  /// DELETE Pod `name` (precondition `uid`; `grace_period_seconds` >= 0 forces it).
  delete_pod,
  /// POST a Service (`body`).
  create_service,
  /// Merge-patch the TrainingJob's status subresource with `body`.
  patch_job_status,
  /// Merge-patch the TrainingJob itself (metadata annotations) with `body`.
  patch_job,
  /// DELETE the TrainingJob `name` (precondition `uid`; ttlSecondsAfterFinished).
  delete_job,
  /// POST a core/v1 Event (`body`).
  create_event,
};

/// "create_pod", ... (logs, metrics).
const char* to_string(api_verb verb);

/// How soon a write should go when the API server is the bottleneck
/// (actors/write_queue.hpp serves them by weight, most urgent first).
enum class write_class : std::uint8_t {
  /// Pod creates: they start work on GPUs the autoscaler already placed.
  start_pods,
  /// Deletes of live pods: they free GPUs a resized or waiting job needs.
  free_gpus,
  /// Status writes, Events, Services, deletes of finished pods and jobs.
  bookkeeping,
};

/// job actor -> writes: one API write.
struct api_call {
  api_verb verb = api_verb::create_pod;
  std::string namespace_;
  std::string name;
  std::string body;
  std::string uid;
  std::int64_t grace_period_seconds = -1;
  write_class urgency = write_class::bookkeeping;
  /// Calls with the same non-empty key run one at a time, in the order
  /// sent: a job's status writes and Events (its "namespace/name").
  std::string order_key;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_call& x) {
  return f(caf::meta::type_name("api_call"), x.verb, x.namespace_, x.name);
}

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

} // namespace lattice::protocol
