// The planner at cluster scale: a full plan at 1,000 nodes / 5,000
// jobs and 5,000 nodes / 20,000 jobs, and one job whose maxSize is far
// beyond what the cluster holds. Figures and the command that produced
// them: docs/benchmarks.md, "Planner".
#include "alloc_counter.hpp"
#include "scheduling/planner.hpp"

#include <benchmark/benchmark.h>

#include <random>

namespace {

using namespace lattice::scheduling;

const char* const gpu = "nvidia.com/gpu";
const time_point epoch{std::chrono::seconds{1795860000}};

/// A cluster of 8-GPU nodes (a quarter with 4 GPUs) in four node groups, 5%
/// tainted, 1% cordoned; jobs with a mix of priorities, sizes, GPUs per
/// worker and node-group selectors. All jobs wait; nothing runs yet.
snapshot make_cluster(int node_count, int job_count, uint32_t seed) {
  std::mt19937 rng{seed};
  auto pick = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>{lo, hi}(rng); };
  snapshot s;
  s.nodes.reserve(static_cast<std::size_t>(node_count));
  for (int i = 0; i < node_count; ++i) {
    node_info n;
    n.name = "node-" + std::to_string(i);
    n.labels = {{"node-group", std::string(1, static_cast<char>('a' + i % 4))},
                {"zone", "z" + std::to_string(i % 3)}};
    n.allocatable.set(gpu, i % 4 == 3 ? 4 : 8);
    n.allocatable.set("cpu", 96'000);
    n.allocatable.set("memory", int64_t{768} << 30);
    n.used_by_others.set("cpu", 2'000);
    n.used_by_others.set("memory", int64_t{8} << 30);
    if (i % 20 == 7)
      n.taints.push_back({"dedicated", "inference", taint_effect::no_schedule});
    n.schedulable = i % 100 != 42;
    s.nodes.push_back(std::move(n));
  }
  static const int64_t gpu_choices[] = {1, 1, 2, 4, 8};
  s.jobs.reserve(static_cast<std::size_t>(job_count));
  for (int i = 0; i < job_count; ++i) {
    job_info j;
    j.namespace_ = "team-" + std::to_string(i % 16);
    j.name = "job-" + std::to_string(i);
    j.priority = pick(0, 3);
    j.min_size = pick(1, 4);
    j.max_size = j.min_size * pick(1, 4);
    int64_t gpus = gpu_choices[pick(0, 4)];
    j.worker_resources.set(gpu, gpus);
    j.worker_resources.set("cpu", 8'000 * gpus);
    j.worker_resources.set("memory", (int64_t{64} << 30) * gpus);
    if (pick(0, 9) < 3)
      j.constraints.node_selector["node-group"] = std::string(1, static_cast<char>('a' + pick(0, 3)));
    if (pick(0, 19) == 0)
      j.constraints.tolerations.push_back(
          {"dedicated", toleration_operator::equal, "inference", std::nullopt});
    j.submit_time = epoch + std::chrono::seconds{pick(0, 86'400)};
    // Half run under the agent: the planner may move them (repacking).
    j.movable = pick(0, 1) == 0;
    s.jobs.push_back(std::move(j));
  }
  return s;
}

/// The cluster after one plan was applied and time moved on: the cluster is
/// full, a third of the running jobs resized recently (locked), 5% of the
/// jobs are new arrivals (any priority, so some preempt) and 1% of the
/// running jobs finished.
snapshot make_steady(int node_count, int job_count, uint32_t seed) {
  snapshot s = make_cluster(node_count, job_count, seed);
  auto first = make_plan(s, planner_config{}, epoch + std::chrono::hours{24});
  std::mt19937 rng{seed + 1};
  auto pick = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>{lo, hi}(rng); };
  snapshot next;
  next.nodes = s.nodes;
  for (std::size_t i = 0; i < s.jobs.size(); ++i) {
    job_info j = s.jobs[i];
    const auto& d = first.jobs[i];
    if (d.stage == job_stage::running) {
      if (pick(0, 99) == 0)
        continue; // finished
      j.stage = job_stage::running;
      j.workers = d.workers;
      j.last_resize_time = epoch + std::chrono::hours{24} - std::chrono::seconds{pick(0, 1) ? 60 : 3'600};
    }
    next.jobs.push_back(std::move(j));
  }
  snapshot extra = make_cluster(node_count, job_count / 20, seed + 2);
  for (auto& j : extra.jobs) {
    j.name = "new-" + j.name;
    j.submit_time = epoch + std::chrono::hours{24};
    next.jobs.push_back(std::move(j));
  }
  return next;
}

void report(benchmark::State& state, const snapshot& s, const plan& p) {
  int running = 0, preempted = 0;
  int64_t used = 0, total = 0;
  for (std::size_t i = 0; i < p.jobs.size(); ++i) {
    const auto& d = p.jobs[i];
    running += d.stage == job_stage::running;
    preempted += d.preempted;
    used += d.size * s.jobs[i].worker_resources.get(gpu);
  }
  for (const auto& n : s.nodes)
    total += n.allocatable.get(gpu);
  state.counters["nodes"] = static_cast<double>(s.nodes.size());
  state.counters["jobs"] = static_cast<double>(s.jobs.size());
  state.counters["running"] = running;
  state.counters["preempted"] = preempted;
  // Share of all GPUs (cordoned and tainted nodes included) the plan uses.
  state.counters["gpu_used"] = static_cast<double>(used) / static_cast<double>(total);
  // Nodes held for the head of the queue: the plan measured includes the
  // reservation and the check for jobs that could borrow its free GPUs.
  state.counters["reserved_nodes"] = static_cast<double>(p.reserved_nodes.size());
}

void bm_plan_cold(benchmark::State& state) {
  auto s = make_cluster(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), 42);
  auto now = epoch + std::chrono::hours{24};
  plan p;
  for (auto _ : state) {
    p = make_plan(s, planner_config{}, now);
    benchmark::DoNotOptimize(p);
  }
  report(state, s, p);
}

void bm_plan_steady(benchmark::State& state) {
  auto s = make_steady(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), 42);
  auto now = epoch + std::chrono::hours{24} + std::chrono::seconds{30};
  plan p;
  for (auto _ : state) {
    p = make_plan(s, planner_config{}, now);
    benchmark::DoNotOptimize(p);
  }
  report(state, s, p);
}

/// One job whose workers ask for almost nothing (1m CPU, 1 byte, no GPU) on
/// 20 nodes that run 110 pods each: the cluster holds 2,200 such workers
/// whatever maxSize says. range(0): maxSize; range(1): whether each worker
/// requests one `pods` (1, as the operator's snapshot conversion does) or
/// not (0: nothing bounds the placement but maxSize).
void bm_plan_max_size(benchmark::State& state) {
  snapshot s;
  for (int i = 0; i < 20; ++i) {
    node_info n;
    n.name = "node-" + std::to_string(100 + i);
    n.allocatable.set(gpu, 8);
    n.allocatable.set("cpu", 96'000);
    n.allocatable.set("memory", int64_t{768} << 30);
    n.allocatable.set("pods", 110);
    s.nodes.push_back(std::move(n));
  }
  job_info j;
  j.namespace_ = "team-0";
  j.name = "tiny";
  j.min_size = 1;
  j.max_size = static_cast<int32_t>(state.range(0));
  j.worker_resources.set("cpu", 1);
  j.worker_resources.set("memory", 1);
  if (state.range(1) != 0)
    j.worker_resources.set("pods", 1);
  j.submit_time = epoch;
  s.jobs.push_back(std::move(j));
  const auto now = epoch + std::chrono::hours{1};
  plan p;
  const auto allocs_before = lattice::bench::allocations();
  const auto bytes_before = lattice::bench::allocated_bytes();
  for (auto _ : state) {
    p = make_plan(s, planner_config{}, now);
    benchmark::DoNotOptimize(p);
  }
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["workers"] = p.jobs[0].size;
  state.counters["allocs"] = static_cast<double>(lattice::bench::allocations() - allocs_before) / iterations;
  state.counters["KiB"] =
      static_cast<double>(lattice::bench::allocated_bytes() - bytes_before) / iterations / 1024.0;
}

BENCHMARK(bm_plan_cold)->Args({1'000, 5'000})->Args({5'000, 20'000})->Unit(benchmark::kMillisecond);
BENCHMARK(bm_plan_steady)->Args({1'000, 5'000})->Args({5'000, 20'000})->Unit(benchmark::kMillisecond);
BENCHMARK(bm_plan_max_size)
    ->Args({2'200, 1})
    ->Args({10'000, 1})
    ->Args({2'200, 0})
    ->Args({10'000, 0})
    ->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
