#pragma once

#include <cstdint>
#include <string>

namespace lattice::k8s {

/// The API writes the operator makes. A closed set, so a write is plain data
/// (no closures cross threads or actors) and every call site is greppable.
enum class write_verb : std::uint8_t {
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
const char* to_string(write_verb verb);

/// How soon a write should go when the API server is the bottleneck
/// (actors/write_queue.hpp serves them by weight, most urgent first).
enum class write_urgency : std::uint8_t {
  /// Pod creates: they start work on GPUs the autoscaler already placed.
  start_pods,
  /// Deletes of live pods: they free GPUs a resized or waiting job needs.
  free_gpus,
  /// Status writes, Events, Services, deletes of finished pods and jobs.
  bookkeeping,
};

/// One API write: what to send, and how the write queue should order it.
struct write {
  write_verb verb = write_verb::create_pod;
  std::string namespace_;
  std::string name;
  std::string body;
  /// Precondition of a delete: the object's uid (empty: none).
  std::string uid;
  /// A delete's gracePeriodSeconds; -1 leaves the object's own.
  std::int64_t grace_period_seconds = -1;
  write_urgency urgency = write_urgency::bookkeeping;
  /// Writes with the same non-empty key go one at a time, in the order
  /// sent: a job's status writes and Events (its "namespace/name").
  std::string order_key;
  /// The node whose GPUs the write uses (a pod create pinned there) or
  /// frees (a delete of a live pod bound or pinned there); empty when none.
  std::string node;
};

} // namespace lattice::k8s
