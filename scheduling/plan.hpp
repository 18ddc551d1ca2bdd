#pragma once

#include "scheduling/job_info.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lattice::scheduling {

/// The planner's decision for one job.
struct job_decision {
  std::string namespace_;
  std::string name;
  job_stage stage = job_stage::waiting;
  /// Target size: the number of workers (0 when waiting).
  int32_t size = 0;
  /// The whole target placement, indices 0..size-1 in order.
  std::vector<worker_placement> workers;
  /// Pods to create: workers of the target that are not in force now.
  std::vector<worker_placement> added;
  /// Pods to delete: workers in force now that are not in the target
  /// (highest indices on a shrink; every worker on a preemption).
  std::vector<worker_placement> removed;
  /// Stage or size differs from the current one (the job actor then clears
  /// requeueTime, rule 4). `added`/`removed` can be non-empty while this is
  /// false: a lost worker placed again, or a job moved to other nodes.
  bool changed = false;
  /// Was running and goes back to Waiting to make room for `preempted_by`.
  bool preempted = false;
  /// "namespace/name" of the job that took this job's capacity (preemption
  /// or shrink), empty otherwise.
  std::string preempted_by;
  /// Running at the same size, moved onto one node because spanning nodes
  /// slowed it (repack_running): a restart from its checkpoint.
  bool moved = false;
  /// The job could not be planned (bad spec); it is left exactly as it is.
  bool invalid = false;
  /// Why the job waits or is below maxSize ("at maxSize" otherwise).
  std::string reason;
};

/// The output of one planning pass.
struct plan {
  /// One decision per snapshot job, in the snapshot's order.
  std::vector<job_decision> jobs;
  /// Snapshot job indices in queue order (priority, then FIFO, then name),
  /// jobs in cooldown and invalid jobs included.
  std::vector<std::size_t> queue;
  /// Problems with the snapshot itself (duplicate node names, bad amounts).
  std::vector<std::string> warnings;
  /// "namespace/name" of the job at the head of the queue that could not be
  /// admitted and has nodes reserved for it; empty when there is none.
  std::string reserved_for;
  /// The reserved nodes: nothing new is placed there but that job, and
  /// workers above minSize of jobs of its priority (lent: it reclaims them
  /// once it fits; `lend_reserved`).
  std::vector<std::string> reserved_nodes;
  /// When the same snapshot would plan differently only because time has
  /// passed (a growth the gain rule holds back becomes worth its restart);
  /// empty when nothing waits on the clock. The caller plans again then,
  /// besides the rescale interval and cooldown expiries it tracks itself.
  std::optional<time_point> review_at;
};

} // namespace lattice::scheduling
