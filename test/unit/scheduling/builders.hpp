#pragma once

// Builders for planner tests: make_job("a").priority(3).min(2).max(4).gpus(1),
// make_node("n1").gpus(8).label("node-group", "a").

#include "scheduling/plan.hpp"
#include "scheduling/planner.hpp"
#include "scheduling/snapshot.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace lattice::scheduling::testing {

inline const char* gpu = "nvidia.com/gpu";

/// 2026-11-28T10:00:00Z plus `seconds`.
inline time_point at(int64_t seconds) {
  return time_point{std::chrono::seconds{1795860000 + seconds}};
}

class job_builder {
public:
  explicit job_builder(std::string name) {
    job_.namespace_ = "default";
    job_.name = std::move(name);
    job_.worker_resources.set(gpu, 1);
  }
  job_builder& ns(std::string v) { return job_.namespace_ = std::move(v), *this; }
  job_builder& priority(int32_t v) { return job_.priority = v, *this; }
  job_builder& min(int32_t v) { return job_.min_size = v, *this; }
  job_builder& max(int32_t v) { return job_.max_size = v, *this; }
  job_builder& size(int32_t v) { return job_.min_size = job_.max_size = v, *this; }
  job_builder& gpus(int64_t v) { return job_.worker_resources.set(gpu, v), *this; }
  job_builder& cpu_millis(int64_t v) { return job_.worker_resources.set("cpu", v), *this; }
  job_builder& memory(int64_t v) { return job_.worker_resources.set("memory", v), *this; }
  job_builder& resource(const std::string& n, int64_t v) { return job_.worker_resources.set(n, v), *this; }
  job_builder& selector(const std::string& k, const std::string& v) {
    return job_.constraints.node_selector[k] = v, *this;
  }
  job_builder& affinity_term(std::vector<node_selector_requirement> exprs) {
    return job_.constraints.required_affinity.push_back({std::move(exprs)}), *this;
  }
  job_builder& tolerate(std::string key, std::string value = "",
                        std::optional<taint_effect> effect = std::nullopt) {
    auto op = value.empty() ? toleration_operator::exists : toleration_operator::equal;
    return job_.constraints.tolerations.push_back({std::move(key), op, std::move(value), effect}), *this;
  }
  /// Submitted (and queued) `seconds` after the test epoch.
  job_builder& submitted(int64_t seconds) { return job_.submit_time = at(seconds), *this; }
  job_builder& queued(int64_t seconds) { return job_.queued_time = at(seconds), *this; }
  job_builder& cooldown_until(int64_t seconds, int32_t failures) {
    job_.cooldown_time = at(seconds);
    job_.schedule_failures = failures;
    return *this;
  }
  job_builder& resized(int64_t seconds) { return job_.last_resize_time = at(seconds), *this; }
  /// Running with worker i on nodes[i].
  job_builder& running(const std::vector<std::string>& nodes) {
    job_.stage = job_stage::running;
    job_.workers.clear();
    for (std::size_t i = 0; i < nodes.size(); ++i)
      job_.workers.push_back({static_cast<int32_t>(i), nodes[i]});
    return *this;
  }
  /// Running with exactly these workers (indices may have holes).
  job_builder& running_workers(std::vector<worker_placement> workers) {
    job_.stage = job_stage::running;
    job_.workers = std::move(workers);
    return *this;
  }
  /// Running with `count` workers on `node`.
  job_builder& running_on(const std::string& node, int count) {
    return running(std::vector<std::string>(static_cast<std::size_t>(count), node));
  }
  /// Attained service in GPU-seconds.
  job_builder& attained(double v) { return job_.attained_service = v, *this; }
  /// A throughput report: `rate` samples/s on `workers` over `nodes`, `seconds` after the test epoch.
  job_builder& reported(int32_t workers, int32_t nodes, double rate, int64_t seconds) {
    return job_.throughput.push_back({workers, nodes, rate, at(seconds)}), *this;
  }
  /// Its workers survive moves (an injectLattice job).
  job_builder& movable() { return job_.movable = true, *this; }
  operator job_info() const { return job_; }
  job_info build() const { return job_; }

private:
  job_info job_;
};

class node_builder {
public:
  explicit node_builder(std::string name) { node_.name = std::move(name); }
  node_builder& gpus(int64_t v) { return node_.allocatable.set(gpu, v), *this; }
  node_builder& cpu_millis(int64_t v) { return node_.allocatable.set("cpu", v), *this; }
  node_builder& memory(int64_t v) { return node_.allocatable.set("memory", v), *this; }
  node_builder& allocatable(const std::string& n, int64_t v) { return node_.allocatable.set(n, v), *this; }
  node_builder& used(const std::string& n, int64_t v) { return node_.used_by_others.set(n, v), *this; }
  node_builder& label(const std::string& k, const std::string& v) { return node_.labels[k] = v, *this; }
  node_builder& taint(std::string k, std::string v, taint_effect e) {
    return node_.taints.push_back({std::move(k), std::move(v), e}), *this;
  }
  node_builder& cordoned() { return node_.schedulable = false, *this; }
  node_builder& not_ready() { return node_.ready = false, *this; }
  operator node_info() const { return node_; }

private:
  node_info node_;
};

inline job_builder make_job(std::string name) {
  return job_builder{std::move(name)};
}
inline node_builder make_node(std::string name) {
  return node_builder{std::move(name)};
}

/// `count` nodes "<prefix>0".."<prefix>N-1" with `gpus` GPUs each.
inline std::vector<node_info> gpu_nodes(const std::string& prefix, int count, int64_t gpus) {
  std::vector<node_info> out;
  for (int i = 0; i < count; ++i)
    out.push_back(make_node(prefix + std::to_string(i)).gpus(gpus));
  return out;
}

inline const job_decision& decision(const plan& p, const std::string& name) {
  auto it = std::find_if(p.jobs.begin(), p.jobs.end(), [&](const job_decision& d) { return d.name == name; });
  if (it == p.jobs.end())
    throw std::runtime_error("no decision for job " + name);
  return *it;
}

/// For a plan that is a temporary: a copy, so `const auto& d = decision(plan_at(s), "a")` is safe.
inline job_decision decision(plan&& p, const std::string& name) {
  return decision(static_cast<const plan&>(p), name);
}

/// The node of each worker of `name`, by index.
inline std::vector<std::string> nodes_of(const plan& p, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& w : decision(p, name).workers)
    out.push_back(w.node);
  return out;
}

inline std::vector<std::string> repeat(const std::string& node, int count) {
  return std::vector<std::string>(static_cast<std::size_t>(count), node);
}

/// Default config: 3-minute rescale interval; plans at at(1000).
inline plan plan_at(const snapshot& snap, int64_t now = 1000, planner_config cfg = {}) {
  return make_plan(snap, cfg, at(now));
}

/// The first planner's policy (planner_config::legacy()): the tests of its
/// rules pin it, so a change of the default policy does not rewrite them.
inline plan legacy_plan_at(const snapshot& snap, int64_t now = 1000) {
  return make_plan(snap, planner_config::legacy(), at(now));
}

} // namespace lattice::scheduling::testing
