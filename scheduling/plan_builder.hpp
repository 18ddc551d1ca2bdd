#pragma once

#include "scheduling/placement.hpp"
#include "scheduling/plan.hpp"
#include "scheduling/planner_config.hpp"
#include "scheduling/scaling.hpp"
#include "scheduling/snapshot.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lattice::scheduling::detail {

/// Why a job that could have grown did not.
enum class growth_hold { none, locked, priority, not_worth, headroom, quiet, budget };

/// One worker a job later in the growth order lent to an earlier one.
struct lent_worker {
  int victim;
  std::size_t index;
  int node;
};

/// The planner's working state for one job.
struct job_slot {
  const job_info* job = nullptr;
  std::size_t input = 0;
  std::optional<std::string> invalid;
  bool was_running = false;
  bool cooling = false;
  bool locked = false;
  int cls = -1;
  int shape = -1;
  /// One worker's requests as dense dimensions (points into the builder's
  /// flat table).
  const int64_t* req = nullptr;
  /// Node id of the worker in force at each index (-1: none or unknown node).
  std::vector<int> old_nodes;
  /// Planned node id per index 0..n-1 (-1: lost worker still to re-place).
  std::vector<int> planned;
  /// Indices below this are held even against equal-priority admissions
  /// (minSize, or the whole current size while the job is locked).
  std::size_t protected_count = 0;
  bool processed = false;
  bool admitted = false;
  bool preempted = false;
  /// The slot whose admission shrank or preempted this one, or -1.
  int taken_by = -1;
  /// Largest placement of minSize workers seen when admission failed.
  int64_t largest_possible = 0;
  bool lost_minimum = false;
  /// Workers in force when the plan started (0 for a waiting job).
  std::size_t current = 0;
  /// Attained service (GPU-seconds), from the snapshot or estimated.
  double attained = 0;
  /// Discretised least-attained-service class (0 = least served).
  int service_class = 0;
  /// Scaling fitted from throughput reports (absent: the default model).
  std::optional<scaling_model> scaling;
  /// The reports include one from a single node with several workers and
  /// one from several nodes: the fit can tell what spanning nodes costs.
  bool node_evidence = false;
  /// Waits only because nodes are reserved for the head of the queue.
  bool behind_reservation = false;
  growth_hold growth_held = growth_hold::none;
  /// Moved onto one node in this plan (repack_running).
  bool repacked = false;
  /// The size the growth policy aims at (workers).
  std::size_t target = 0;
  /// The size beyond which another worker adds little (from the fitted
  /// scaling; maxSize without reports).
  std::size_t useful_max = 0;

  // Copied from `job` so the victim scans stay in one cache line per slot.
  int32_t priority_ = 0;
  time_point::rep queued = 0;
  /// When the job's workers last (re)started (its last resize or admission;
  /// its queue time when unknown): a preemption throws away the work since.
  time_point::rep started = 0;
  std::size_t min_ = 0;
  std::size_t max_ = 0;

  int32_t priority() const { return priority_; }
  std::size_t min() const { return min_; }
  std::size_t max() const { return max_; }
};

/// One planning pass (planner.cpp: setup, growth, output; admission.cpp:
/// phase A with shrink/preempt; reason.cpp: the human-readable reasons).
class plan_builder {
public:
  plan_builder(const snapshot& snap, const planner_config& cfg, time_point now);
  plan build();

private:
  // planner.cpp
  void index_nodes();
  void make_slots();
  void mark_duplicate_keys();
  void hold_current_workers();
  /// Grows toward `limit` workers with free capacity, keeping running
  /// workers where they are.
  void grow(job_slot& s, std::size_t limit);
  // service.cpp
  /// Current size, hold, attained service and class, scaling, useful max.
  void describe_service(job_slot& s);
  void order_victims();
  /// Admits, from free capacity, waiting jobs that phase B made room for.
  void second_chance();
  /// How long a running job keeps its size after a resize (rule 6 and the
  /// resize budget).
  milliseconds hold(const job_info& j) const;

  // growth.cpp
  /// Phase B; returns the growth order (admitted slots).
  std::vector<int> grow_all();
  void grow_by_service(const std::vector<int>& order);
  /// Grows `s` toward `limit` (free capacity, then, with `may_borrow`,
  /// workers lent by jobs after `pos` in `order`), if worth its restart.
  void grow_one(job_slot& s, std::size_t limit, bool may_borrow, const std::vector<int>& order,
                std::size_t pos);
  void compute_targets(const std::vector<int>& order);
  /// Sets headroom_: `growth_headroom`, or with an arrival window what the
  /// jobs submitted within it need at minSize if more.
  void compute_headroom();
  /// A running job whose last size change, within the rescale interval,
  /// was its admission (it has run at no other size).
  bool just_admitted(const job_slot& s) const;
  /// Predicted throughput on n workers (linear without a fitted model).
  double speed(const job_slot& s, std::size_t n) const;
  bool worth_resizing(const job_slot& s, std::size_t from, std::size_t to) const;
  int64_t take_lent(job_slot& s, int64_t need, const std::vector<int>& order, std::size_t position,
                    std::vector<lent_worker>& taken);
  void give_back_lent(const job_slot& s, const std::vector<lent_worker>& taken);
  void mark_lenders(const job_slot& s, const std::vector<lent_worker>& taken);
  void consolidate(job_slot& s);
  /// Moves running jobs spread over more nodes than they need onto fewer,
  /// where free capacity allows and the gain is worth the restart.
  void repack_running(const std::vector<int>& order);
  /// Predicted throughput on n workers over `nodes` nodes: the fitted
  /// scaling where the reports tell, else linear less `spread_penalty` when
  /// the job spans several nodes.
  double speed_on(const job_slot& s, std::size_t n, std::size_t nodes) const;
  std::size_t distinct_nodes(const std::vector<int>& planned) const;
  /// How long the job has run at its current size, as far as its attained
  /// service tells (at least since its last resize).
  double run_seconds(const job_slot& s) const;
  double horizon_seconds(const job_slot& s) const;
  /// Notes in the plan's review_at when growing `s` from `from` to `to`
  /// workers, not worth its restart now, would be as its run lengthens.
  void note_review(const job_slot& s, std::size_t from, std::size_t to);
  bool growth_blocked(const job_slot& s) const;
  /// When a running job that does not restart anyway may next grow under
  /// the growth budget and the quiet period (nullopt: now).
  std::optional<time_point> growth_allowed_at(const job_slot& s) const;
  job_decision decide(const job_slot& s) const;
  std::vector<int> nodes_of(const std::vector<int>& ids) const;

  // admission.cpp
  void admit(job_slot& s);
  bool acquire(job_slot& s, std::size_t count, const std::vector<int>& preferred, std::vector<int>& out);
  bool take_from_others(job_slot& s, int64_t need, int64_t total);
  /// The next whole job to preempt for `s`, from preempt_order_[head] on.
  std::size_t fewest_victims_pick(const job_slot& s, std::size_t head, int64_t missing,
                                  const std::vector<bool>& preempted);
  /// Workers of `for_job` that fit more once `v`'s workers are gone.
  int64_t preemption_gain(const job_slot& v, const job_slot& for_job);
  void release_slot_worker(job_slot& v, int node, const job_slot& for_job, int64_t& total);
  void reserve_slot_worker(job_slot& v, int node, const job_slot& for_job, int64_t& total);

  // reservation.cpp
  void reserve_for(job_slot& head);
  /// minSize fits on the eligible nodes once every worker is gone.
  bool could_ever_fit(const job_slot& s) const;
  /// Grows running jobs of the head's priority into what its reserved nodes
  /// hold free (lent workers, which the head reclaims once it fits).
  void lend_reserved(const std::vector<int>& growth_order);
  /// Workers of `s` above minSize on the reserved nodes while the head
  /// waits, with lending on (0 for jobs of another priority).
  std::size_t lent_workers(const job_slot& s) const;
  /// Sets lent_on_reserved_.
  void count_lent_on_reserved();
  /// Per node (`index_.size()` dimensions each), what the workers above
  /// minSize the head could reclaim (of its priority or lower) request, on
  /// nodes it may use; empty without `reclaim_locked`.
  std::vector<int64_t> reclaimable_by(const job_slot& head) const;

  // reason.cpp
  /// Why minSize can never be placed on this cluster, even empty (no node
  /// matches, one worker outgrows every matching node, or all of them hold
  /// fewer than minSize), or "" when it could.
  std::string never_fits_why(const job_slot& s) const;
  std::string reason_for(const job_slot& s) const;
  /// Appends "needs N x {resources} on nodes matching ...".
  void append_needs(std::string& out, const job_slot& s, std::size_t count) const;

  const snapshot& snap_;
  const planner_config& cfg_;
  time_point now_;
  plan out_;
  std::vector<const node_info*> nodes_;
  resource_index index_;
  std::optional<cluster_state> state_;
  std::vector<job_slot> slots_;
  /// Slot ids in queue order.
  std::vector<int> order_;
  /// Valid slots that were running, in reverse queue order (lowest priority,
  /// latest queued first): the only jobs capacity can be taken from, since
  /// jobs admitted in this plan hold exactly their protected minSize.
  std::vector<int> victims_;
  /// The same slots in the order whole jobs are preempted (rule 3): lowest
  /// priority first, and within a priority the most recently (re)started
  /// first, so a preemption throws away the least work per GPU it frees.
  std::vector<int> preempt_order_;
  /// Scratch for preemption_gain (no allocation per candidate weighed).
  std::vector<int> gain_nodes_;
  /// GPUs growth of running jobs leaves free in this plan, and when the
  /// adaptive part of it next changes (the first arrival leaves its window).
  int64_t headroom_ = 0;
  std::optional<time_point> headroom_changes_;
  /// The latest submitTime not after now (for the quiet period).
  std::optional<time_point> last_arrival_;
  /// The most GPUs any node offers (for the scaling model's node count).
  int64_t max_node_gpus_ = 0;
  /// Jobs left waiting that could fit in an emptied cluster (rule 2: lower
  /// priorities do not grow onto nodes they could use): the highest
  /// priority waiting per eligibility class, and the lowest and highest
  /// waiting at all.
  std::map<int, int32_t> waiting_by_class_;
  std::optional<int32_t> lowest_waiting_;
  std::optional<int32_t> highest_waiting_;
  /// could_ever_fit's sums per (class, shape).
  mutable std::unordered_map<uint64_t, int64_t> potential_;
  /// Whether two eligibility classes share a node (memo).
  mutable std::map<std::pair<int, int>, bool> overlap_;
  /// The priority of the waiter holding a slot's growth back (for reasons).
  mutable std::map<int, int32_t> held_by_;
  /// Nodes held for the head of the queue (empty: no reservation), and its slot.
  std::vector<int> reserved_nodes_;
  int reserved_for_ = -1;
  /// GPUs of workers above minSize on the reserved nodes (lent), for the
  /// head's reason.
  int64_t lent_on_reserved_ = 0;
  /// Dense worker requests of every slot, `index_.size()` per slot.
  std::vector<int64_t> requests_;
  /// Distinct request vectors (as raw bytes) -> shape id.
  std::unordered_map<std::string_view, int> shapes_;

  /// "Did not fit" memo: with no capacity given back since `epoch`, a job of
  /// the same class and shape needing at least `count` at a priority not
  /// above `priority` cannot fit either.
  struct failure {
    uint64_t epoch;
    int32_t priority;
    std::size_t count;
    int64_t largest;
  };
  /// Keyed by class << 32 | shape; only entries of the current release epoch
  /// are kept.
  std::unordered_map<uint64_t, std::vector<failure>> failures_;
  /// " x {resources} on nodes matching ..." per (class, shape), for reasons.
  mutable std::map<std::pair<int, int>, std::string> needs_text_;
};

} // namespace lattice::scheduling::detail
