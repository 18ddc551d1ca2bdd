#pragma once

#include "sim/job_model.hpp"
#include "sim/workload.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lattice::sim {

/// The simulated cluster: identical nodes, optionally in racks (a
/// `topology.kubernetes.io/rack`-style label per node, `nodes_per_rack` each).
struct cluster_spec {
  int nodes = 16;
  int64_t gpus_per_node = 4;
  /// 0: cpu is not modelled.
  int64_t cpu_per_node = 0;
  int nodes_per_rack = 0;
  std::string rack_label = "topology.kubernetes.io/rack";
};

/// Knobs of one run.
struct run_settings {
  /// Seconds between two plans (the reference simulator plans every 60 s).
  double interval = 60;
  /// Seconds a job makes no progress after each (re)start: checkpoint,
  /// restart, reload.
  double restart_penalty = 30;
  /// Stop after this much simulated time even if jobs remain.
  double time_limit = 60.0 * 86'400;
  /// Record cluster-wide figures every interval (for plots).
  bool record_timeline = false;
};

/// One throughput measurement a job's agent reported.
struct observed_rate {
  int32_t workers = 0;
  int32_t nodes = 0;
  double samples_per_second = 0;
  double at = 0;
};

/// A job as policies see it: the spec, what runs now and the history the
/// operator keeps (times in seconds since the start of the run).
struct job_view {
  const job_spec* spec = nullptr;
  /// Node id of each worker, by index; empty while waiting.
  std::vector<int> workers;
  /// GPU-seconds (worker-seconds without GPUs) received so far.
  double attained = 0;
  /// When stage or size last changed (nullopt: never started).
  std::optional<double> last_resize;
  /// The newest measurement per (workers, nodes) the job has run at.
  std::vector<observed_rate> rates;
};

/// A scheduling policy: decides every active job's workers each interval.
class policy {
public:
  virtual ~policy() = default;
  virtual std::string name() const = 0;
  /// Whether the simulation checks the priority rule for this policy (a
  /// higher priority never waits while lower ones hold what would admit it).
  virtual bool honours_priorities() const { return true; }
  /// The new node id per worker index for each of `jobs` (empty: waiting).
  virtual std::vector<std::vector<int>> decide(const cluster_spec& cluster, const std::vector<job_view>& jobs,
                                               double now) = 0;
};

/// One job's outcome.
struct job_result {
  std::string name;
  int32_t priority = 0;
  double submit = 0;
  std::optional<double> start;
  std::optional<double> completion;
  /// Seconds active without workers (queued or preempted).
  double waiting = 0;
  int restarts = 0;
  /// Restarts by cause: grew, shrunk, moved (same size, other nodes), preempted.
  int grew = 0, shrunk = 0, moved = 0, preempted = 0;
  double gpu_seconds = 0;
  int max_workers = 0;
  /// Seconds run on more nodes than the fewest that could hold the workers.
  double spread_seconds = 0;
  double running_seconds = 0;
};

/// Cluster-wide figures at one instant (timeline).
struct timeline_point {
  double time = 0;
  int64_t gpus_used = 0;
  int running = 0;
  int waiting = 0;
};

/// A change of a job's allocation (for per-job histories and plots).
struct allocation_event {
  double time = 0;
  std::size_t job = 0;
  int32_t from = 0;
  int32_t to = 0;
  int32_t nodes = 0;
};

/// A rule of the simulation that a policy broke (over-committed node, size
/// outside [minSize, maxSize], a higher priority waiting while lower ones
/// hold what would admit it).
struct violation {
  double time = 0;
  std::string what;
};

struct run_result {
  std::string policy;
  std::vector<job_result> jobs;
  std::vector<timeline_point> timeline;
  std::vector<allocation_event> events;
  std::vector<violation> violations;
  double makespan = 0;
  double allocated_gpu_seconds = 0;
  int64_t total_gpus = 0;
  /// Decision time of the policy, summed over intervals (wall clock).
  double policy_seconds = 0;
  int intervals = 0;
  bool finished = false;
};

/// Runs `specs` on `cluster` under `p` until every job completed (or the
/// time limit): every `interval` the jobs advance, then the policy decides
/// and changed allocations restart their jobs.
run_result simulate(const cluster_spec& cluster, const std::vector<job_spec>& specs,
                    std::vector<std::unique_ptr<job_model>> models, policy& p, const run_settings& settings);

} // namespace lattice::sim
