#pragma once

#include "scheduling/time.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace lattice::scheduling {

/// Who grows first above minSize among jobs of one priority.
enum class growth_order {
  /// Queue order (FIFO by queuedTime): the first admitted grows first.
  queue,
  /// Least attained service first, in discretised classes
  /// (`service_classes`), FIFO within a class.
  least_attained,
  /// Equal shares: the job with the fewest GPUs grows first (water-filling).
  fair,
};

/// The planner's tunables (a subset of config::autoscaler_config; the actor
/// layer copies them over so this layer depends on nothing of ours). The
/// defaults are the policy that finished jobs soonest on the Pollux traces
/// (docs/simulator.md); `legacy()` is the first planner's policy.
struct planner_config {
  /// The resource that "GPU" means: drives packing and anti-fragmentation.
  std::string gpu_resource = "nvidia.com/gpu";
  /// Rule 6: minimum time between two resizes of one running job.
  milliseconds rescale_interval{180'000};

  /// Growth and shrink order among jobs of one priority.
  growth_order growth = growth_order::least_attained;
  /// Upper bounds (GPU-seconds of attained service) of the service classes
  /// but the last: a job moves to the next class once it has received more.
  std::vector<double> service_classes = {3'600, 14'400, 57'600};
  /// With least_attained: targets are given in rounds, each job in order up
  /// to maxSize / 2^k, then / 2^(k-1), ..., then maxSize (0: in one round).
  int growth_rounds = 0;
  /// With least_attained: jobs of one service class share fairly (equal GPUs,
  /// or where reported throughput gains most) instead of first come first.
  bool fair_within_class = false;
  /// Growth may take workers above minSize from running jobs of a later
  /// service class or lower priority (they shrink), not only free capacity.
  bool rebalance = true;
  /// Only jobs that restart anyway (admitted or resized in this plan) borrow.
  bool lend_to_restarting_only = true;
  /// A lender gives all its workers above minSize at once (one restart
  /// serves several borrowers); the rest stays free for others.
  bool lend_in_bulk = false;
  /// GPUs that growth of running jobs (not restarting anyway) leaves free,
  /// so arrivals find room without shrinking anyone.
  int32_t growth_headroom = 0;
  /// Adaptive headroom (0: off): growth of running jobs also leaves free the
  /// GPUs that the jobs submitted within this window need at minSize, times
  /// `arrival_headroom_factor` (the larger of the two headrooms applies).
  milliseconds arrival_window{2'700'000};
  double arrival_headroom_factor = 1.25;
  /// What one checkpoint-restart costs a job: seconds without progress.
  milliseconds restart_cost{30'000};
  /// A resize must save the job at least this many times its restart cost
  /// over its expected remaining time (hysteresis: small gains are not
  /// worth a checkpoint-restart, whose delay spreads to the jobs behind).
  double resize_payback = 5;
  /// ...and grow the job by at least this factor (no creeping by one worker).
  double min_resize_ratio = 0;
  /// A running job lends workers for another job's growth only when it
  /// holds more than (1 + this) x its target.
  double lend_hysteresis = 0.5;
  /// Per-job resize budget: besides admission and preemption, a running job
  /// is resized at most once per max(rescaleInterval, this x its age).
  double rescale_age_fraction = 0;
  /// The longest hold the resize budget imposes.
  milliseconds max_rescale_hold{1'800'000};
  /// Growth budget (0: off): a running job that does not restart anyway
  /// grows at most once per this share of its age since its last resize
  /// (at most `max_rescale_hold`). Unlike the resize budget it leaves
  /// shrinks for admissions and lending as they are: long jobs, which fill
  /// capacity that arrivals reclaim, stop growing at every completion.
  double growth_age_fraction = 0.15;
  /// Quiet period (0: off): a running job that does not restart anyway grows
  /// only once no job has been submitted for this long, so capacity freed
  /// while jobs arrive goes to the arrivals instead of to a growth that the
  /// next arrival would reclaim (two restarts).
  milliseconds growth_quiet{0};
  /// Equal-priority admissions may reclaim workers above minSize of a job
  /// inside its rescale interval (rule 2: lent capacity is reclaimed).
  bool reclaim_locked = true;
  /// A job that restarts anyway (its size changes) is re-placed on the
  /// fewest nodes instead of keeping its old workers where they are.
  bool consolidate = true;
  /// A running job that survives moves (`job_info::movable`), spread over
  /// more nodes than it needs, moves onto fewer when free capacity allows
  /// and the expected speed-up over its remaining time outweighs the
  /// restart (the gain rule of `resize_payback`).
  bool repack_running = true;
  /// The share of its throughput a job spread over several nodes is taken
  /// to lose against the same workers on one node (what a move onto one node
  /// wins back), until its throughput reports tell.
  double spread_penalty = 0.1;
  /// Node label keys of topology domains (e.g. node group, rack): a job
  /// spanning nodes is kept within one domain of the first key where it fits.
  std::vector<std::string> topology_keys;
  /// When the head of the queue cannot be admitted, nodes are reserved for
  /// it; later jobs only backfill what cannot delay it.
  bool reserve_for_head = true;
  /// While the head of the queue waits for its reserved nodes, running jobs
  /// of its priority may grow into what is free there: those workers are
  /// lent (above minSize, reclaimable with `reclaim_locked`), so the head's
  /// admission comes no later, and the GPUs do not sit idle until it fits.
  bool lend_reserved = true;
  /// Use the throughput jobs report to fit their scaling.
  bool use_throughput = true;
  /// With a fitted scaling, a job grows only while each added worker brings
  /// at least this share of one worker's throughput.
  double min_marginal_speedup = 0.5;
  /// Throughput samples older than this are ignored.
  milliseconds throughput_max_age{3'600'000};

  /// The first planner's policy: queue-order growth from free capacity
  /// only, no gain rule or budget, locked jobs keep their elastic workers,
  /// running workers stay where they are, no reservation, no throughput.
  static planner_config legacy() {
    planner_config c;
    c.growth = growth_order::queue;
    c.rebalance = false;
    c.resize_payback = 0;
    c.min_resize_ratio = 0;
    c.lend_hysteresis = 0;
    c.restart_cost = milliseconds{0};
    c.rescale_age_fraction = 0;
    c.growth_age_fraction = 0;
    c.reclaim_locked = false;
    c.consolidate = false;
    c.repack_running = false;
    c.reserve_for_head = false;
    c.lend_reserved = false;
    c.use_throughput = false;
    c.arrival_window = milliseconds{0};
    return c;
  }
};

} // namespace lattice::scheduling
