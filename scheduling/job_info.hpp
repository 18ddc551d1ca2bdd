#pragma once

#include "scheduling/node_info.hpp"
#include "scheduling/resources.hpp"
#include "scheduling/time.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lattice::scheduling {

enum class selector_operator { in, not_in, exists, does_not_exist, gt, lt };

/// One matchExpressions entry of a required node affinity term. Gt/Lt
/// compare the label and the single value as integers.
struct node_selector_requirement {
  std::string key;
  selector_operator op = selector_operator::in;
  std::vector<std::string> values;
  friend bool operator==(const node_selector_requirement& a, const node_selector_requirement& b) {
    return a.key == b.key && a.op == b.op && a.values == b.values;
  }
};

/// Expressions of a term are ANDed; an empty term matches no node (as in Kubernetes).
struct node_selector_term {
  std::vector<node_selector_requirement> match_expressions;
  friend bool operator==(const node_selector_term& a, const node_selector_term& b) {
    return a.match_expressions == b.match_expressions;
  }
};

enum class toleration_operator { equal, exists };

/// A pod toleration. An empty key with `exists` tolerates every taint; no
/// effect matches every effect.
struct toleration {
  std::string key;
  toleration_operator op = toleration_operator::equal;
  std::string value;
  std::optional<taint_effect> effect;
  friend bool operator==(const toleration& a, const toleration& b) {
    return a.key == b.key && a.op == b.op && a.value == b.value && a.effect == b.effect;
  }
};

/// Where a job's workers may run: the pod template's nodeSelector, required
/// node affinity (terms ORed; none = no constraint) and tolerations.
struct placement_constraints {
  std::map<std::string, std::string> node_selector;
  std::vector<node_selector_term> required_affinity;
  std::vector<toleration> tolerations;
  friend bool operator==(const placement_constraints& a, const placement_constraints& b) {
    return a.node_selector == b.node_selector && a.required_affinity == b.required_affinity
           && a.tolerations == b.tolerations;
  }
};

enum class job_stage { waiting, running };

/// One worker of a job: `<job>-worker-<index>` pinned to `node`.
struct worker_placement {
  int32_t index = 0;
  std::string node;
  friend bool operator==(const worker_placement& a, const worker_placement& b) {
    return a.index == b.index && a.node == b.node;
  }
};

/// One throughput measurement the job's agent reported: samples per second
/// at a world size spread over a number of nodes.
struct throughput_sample {
  int32_t workers = 0;
  int32_t nodes = 0;
  double samples_per_second = 0;
  time_point measured_at{};
  friend bool operator==(const throughput_sample& a, const throughput_sample& b) {
    return a.workers == b.workers && a.nodes == b.nodes && a.samples_per_second == b.samples_per_second
           && a.measured_at == b.measured_at;
  }
};

/// One TrainingJob as the autoscaler sees it (spec plus the status fields
/// the rules read). Completed and Failed jobs are not part of a snapshot.
struct job_info {
  std::string namespace_;
  std::string name;
  int32_t priority = 0;
  int32_t min_size = 1;
  int32_t max_size = 1;
  /// Requests of one worker pod (sum over its containers).
  resource_list worker_resources;
  placement_constraints constraints;

  job_stage stage = job_stage::waiting;
  time_point submit_time{};
  /// FIFO key within a priority; defaults to `submit_time`.
  std::optional<time_point> queued_time;
  /// A waiting job is not admitted before this instant (rule 5).
  std::optional<time_point> cooldown_time;
  /// Consecutive schedule failures so far (for cooldown arithmetic and reasons).
  int32_t schedule_failures = 0;
  /// When `currentSize` or `stage` last changed; a running job is not resized
  /// again (except admission and preemption) within the rescale interval.
  std::optional<time_point> last_resize_time;
  /// The placement currently in force (running jobs only; a waiting job's
  /// list is ignored). Its size is the job's current size.
  std::vector<worker_placement> workers;
  /// A running job whose current size has workers that were never created
  /// (a leader died while creating them; the new one adopted the rest):
  /// placing them completes the admission, no resize, so the gain rule
  /// does not hold them back.
  bool placement_incomplete = false;
  /// Service received so far in GPU-seconds (worker-seconds for a job that
  /// requests no GPUs): the growth order of the least-attained-service
  /// policy. Absent: estimated from the snapshot (docs/design/planner.md).
  std::optional<double> attained_service;
  /// Without `attained_service`: the service received before the current
  /// placement (before `last_resize_time`), which the planner adds to its
  /// estimate of the service since (the running operator persists it).
  double banked_service = 0;
  /// Measured throughput at the sizes the job has run at (any order); the
  /// goodput-aware growth policy fits the job's scaling from them.
  std::vector<throughput_sample> throughput;
  /// Its workers survive some of them moving (the Lattice agent forms the
  /// group again from a checkpoint): the planner may move it onto fewer
  /// nodes at the same size. A plain job's other workers would lose their
  /// peer, so it is only re-placed when it restarts anyway.
  bool movable = false;

  time_point effective_queued_time() const { return queued_time.value_or(submit_time); }
  /// "namespace/name".
  std::string key() const { return namespace_ + "/" + name; }
};

} // namespace lattice::scheduling
