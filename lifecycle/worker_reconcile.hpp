#pragma once

#include "k8s/model/pod.hpp"
#include "k8s/model/training_job.hpp"
#include "scheduling/job_info.hpp"
#include "scheduling/time.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lattice::lifecycle {

/// A worker pod to delete and why (the why goes to the log).
struct worker_delete {
  std::string name;
  std::string uid;
  /// gracePeriodSeconds 0: the pod has been terminating far past its grace
  /// period (its node is gone), so only a forced delete frees the name.
  bool force = false;
  /// A Failed worker deleted to be retried: counts against backoffLimit.
  bool retried_failure = false;
  std::string why;
};

/// What makes the job's worker pods match its intended state.
struct worker_actions {
  std::vector<scheduling::worker_placement> create;
  std::vector<worker_delete> remove;
};

struct worker_reconcile_input {
  /// Meta and spec as observed; status as the job actor intends it (stage,
  /// currentSize).
  const k8s::training_job& job;
  /// Every pod the job owns, workers and others.
  const std::vector<k8s::pod>& pods;
  /// The last decision's placement (indices 0..currentSize-1); nullopt
  /// before the first decision, when existing workers are kept as they are
  /// and none is created.
  const std::optional<std::vector<scheduling::worker_placement>>& target;
  /// Pod names with a create or delete in flight (expectations).
  const std::set<std::string>& creating;
  const std::set<std::string>& deleting;
  std::string api_group;
  scheduling::time_point now;
  /// A terminating pod this long past its deletion deadline, and not Ready,
  /// is force-deleted.
  std::chrono::seconds force_delete_after{15};
};

/// The pure core of the job actor's reconcile pass (the caller first
/// checks evaluate(): a finished job is not reconciled):
/// - stage other than Running: every live worker goes;
/// - a live worker with index >= currentSize goes (shrink);
/// - a Failed worker goes, to be created again (retried_failure);
/// - a live worker on another node than its target goes (moved);
/// - a non-injected worker built for another size goes (restart at the
///   new size: its WORLD_SIZE is fixed in the pod);
/// - every target index without a pod of that name (in any state) and
///   without a create in flight is created;
/// - a pod stuck terminating past force_delete_after, and not Ready, is
///   deleted again, forced.
/// Succeeded workers are kept: the job completes when all have succeeded.
worker_actions reconcile_workers(const worker_reconcile_input& in);

/// The node a worker runs on (spec.nodeName) or is pinned to (annotation
/// `<group>/node`) while Pending; empty when neither is known.
std::string worker_node(const k8s::pod& pod, const std::string& api_group);

} // namespace lattice::lifecycle
