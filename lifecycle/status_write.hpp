#pragma once

#include "k8s/model/training_job.hpp"

#include <cstddef>

namespace lattice::lifecycle {

/// How soon a change of a job's intended status is written back. Status
/// writes are most of the operator's API traffic, so only what users and
/// controllers act on goes out at once.
enum class status_write_urgency {
  /// Stage, size, times, GPUs, a condition's type, status or reason,
  /// status.reason or queuePosition appearing or going, the first write, or
  /// a retry after a failed one.
  now,
  /// Replica counts, requeueTime or the word in status.reason only
  /// (workers starting or finishing
  /// one by one; rule 5's deadline set when a worker is first seen Pending
  /// and cleared when it runs, which on a healthy cluster is seconds
  /// later): batched for job_settings::status_flush_delay, so a set and
  /// clear within it cost no write of their own.
  soon,
  /// Condition messages, status.message, the value of queuePosition only,
  /// or nothing: written within
  /// job_settings::status_message_delay. The planner's reason for a
  /// waiting job ("largest placement possible now: N") changes with every
  /// plan, and every waiting job's position moves when the head of the
  /// queue is admitted; written at once, a long queue rewrote hundreds of
  /// jobs a minute.
  later,
};

/// What the last write carried, to classify the next change. Zeros: none yet.
struct status_signature {
  std::size_t decisive = 0;
  std::size_t counts = 0;
};

/// Signs `status`: `decisive` hashes everything but the replica counts,
/// requeueTime, lastReconcileTime, the conditions' messages and
/// lastUpdateTime, status.message, and of status.reason and queuePosition
/// only whether they are set; `counts` hashes the replica counts,
/// requeueTime and status.reason. Neither is ever 0.
status_signature sign_status(const k8s::training_job_status& status);

/// How soon a status signed `current` must be written after one signed `written`.
status_write_urgency classify_status_change(const status_signature& written, const status_signature& current);

} // namespace lattice::lifecycle
