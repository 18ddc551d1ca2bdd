#pragma once

#include "base/time.hpp"
#include "lifecycle/job_model.hpp"
#include "scheduling/job_info.hpp"

#include <chrono>
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

/// A terminating pod this long past its deletion deadline, and not Ready,
/// is force-deleted.
inline constexpr std::chrono::seconds force_delete_after{15};

/// The worker pods to create and delete so the job's pods match its stage,
/// size and the last decision's placement (the caller first checks
/// evaluate(): a finished job is not reconciled):
/// - stage other than Running: every live worker goes;
/// - a live worker with index >= currentSize goes (shrink);
/// - a Failed worker goes, to be created again (retried_failure);
/// - a live worker on another node than its target goes (moved);
/// - a non-injected worker built for another size goes (restart at the
///   new size: its WORLD_SIZE is fixed in the pod);
/// - every target index without a pod of that name (in any state) and
///   without a create in flight is created (none before the first
///   decision: existing workers are kept as they are);
/// - a pod stuck terminating past force_delete_after, and not Ready, is
///   deleted again, forced.
/// - a pod on a lost node (lifecycle/lost_nodes.hpp) is deleted forced at
///   once; no worker is created on a lost node.
/// Succeeded workers are kept: the job completes when all have succeeded.
/// Pods with a create or delete in flight (the job's expectations) are left alone.
worker_actions reconcile_workers(const job_model& job, base::time_point now);

} // namespace lattice::lifecycle
