// The simulator's invariants on short traces: no node over-committed, every
// job within [minSize, maxSize], every job completes, a higher priority never
// waits while lower priorities hold what would admit it. Run with the
// default policy, the first planner's policy and the Tiresias baseline.
#include "scheduling/planner_config.hpp"
#include "sim/engine.hpp"
#include "sim/planner_policy.hpp"
#include "sim/pollux_app.hpp"
#include "sim/report.hpp"
#include "sim/tiresias_policy.hpp"
#include "sim/workload.hpp"

#include <gtest/gtest.h>

#include <map>

namespace lattice::sim {
namespace {

const std::string data_dir = LATTICE_SIM_DATA;
const std::string test_dir = LATTICE_SIM_TEST_DATA;

std::vector<std::unique_ptr<job_model>> simple_models(const std::vector<job_spec>& jobs) {
  std::vector<std::unique_ptr<job_model>> out;
  out.reserve(jobs.size());
  for (const auto& j : jobs)
    out.push_back(std::make_unique<simple_job>(j.work, j.serial, j.node_penalty));
  return out;
}

void expect_clean(const run_result& r) {
  EXPECT_TRUE(r.finished) << r.policy;
  for (const auto& v : r.violations)
    ADD_FAILURE() << r.policy << " at " << v.time << " s: " << v.what;
  for (const auto& j : r.jobs) {
    ASSERT_TRUE(j.completion) << r.policy << ": " << j.name << " never completed";
    EXPECT_GE(*j.completion, j.submit) << j.name;
    ASSERT_TRUE(j.start) << j.name;
  }
}

struct named_config {
  const char* name;
  scheduling::planner_config config;
};

std::vector<named_config> planner_variants() {
  auto no_reservation = scheduling::planner_config{};
  no_reservation.reserve_for_head = false;
  auto queue_order = scheduling::planner_config{};
  queue_order.growth = scheduling::growth_order::queue;
  return {{"default", {}},
          {"legacy", scheduling::planner_config::legacy()},
          {"no-reservation", no_reservation},
          {"queue-growth", queue_order}};
}

TEST(simulation, mixed_priorities_keep_every_invariant) {
  std::string error;
  auto jobs = read_simple_workload(test_dir + "/mixed.csv", error);
  ASSERT_TRUE(jobs) << error;
  cluster_spec cluster;
  cluster.nodes = 4;
  cluster.gpus_per_node = 4;
  cluster.nodes_per_rack = 2;
  for (const auto& v : planner_variants()) {
    planner_policy p(v.name, {v.config, true, true, nullptr});
    auto r = simulate(cluster, *jobs, simple_models(*jobs), p, {});
    SCOPED_TRACE(v.name);
    expect_clean(r);
    // A plan changes only what it must: never more restarts than intervals.
    EXPECT_LT(summarize(r).restarts, r.intervals);
  }
}

TEST(simulation, rigid_large_job_is_not_starved_with_a_reservation) {
  // A stream of one-GPU jobs and a rigid 8-GPU job: with the reservation the
  // large job starts once the nodes it waits for drain.
  std::vector<job_spec> jobs;
  for (int i = 0; i < 60; ++i) {
    job_spec j;
    j.name = "small-" + std::to_string(i);
    j.submit = 30.0 * i;
    j.work = 600;
    jobs.push_back(j);
  }
  job_spec big;
  big.name = "big";
  big.submit = 45;
  big.min_size = big.max_size = 8;
  big.work = 8 * 600;
  jobs.push_back(big);
  cluster_spec cluster;
  cluster.nodes = 2;
  cluster.gpus_per_node = 4;
  auto run = [&](bool reserve) {
    scheduling::planner_config cfg;
    cfg.reserve_for_head = reserve;
    planner_policy p("p", {cfg, true, false, nullptr});
    return simulate(cluster, jobs, simple_models(jobs), p, {});
  };
  auto with = run(true);
  auto without = run(false);
  expect_clean(with);
  auto start_of = [](const run_result& r) { return *r.jobs.back().start; };
  // Without a reservation the small jobs keep one GPU busy at all times, so
  // the large job waits for the stream to end.
  EXPECT_LT(start_of(with), 800.0);
  EXPECT_GT(start_of(without), 1500.0);
}

TEST(simulation, pollux_trace_head_completes_under_every_policy) {
  std::string error;
  pollux_sizing sizing;
  auto all = read_pollux_workload(data_dir + "/workloads/workload-6.csv", sizing, error);
  ASSERT_TRUE(all) << error;
  std::vector<job_spec> jobs;
  for (const auto& j : *all)
    if (j.submit < 7200 && j.application != "imagenet")
      jobs.push_back(j);
  ASSERT_GT(jobs.size(), 20u);
  static const std::map<std::string, app_settings> settings = {{"bert", {2, 0}},
                                                               {"cifar10", {100, 0}},
                                                               {"ncf", {10, 0}},
                                                               {"yolov3", {50, 8}},
                                                               {"deepspeech2", {80, 0}}};
  std::map<std::string, pollux_app> apps;
  for (const auto& j : jobs)
    if (!apps.count(j.application)) {
      auto app = pollux_app::load(data_dir + "/traces/" + j.application, settings.at(j.application), error);
      ASSERT_TRUE(app) << error;
      apps.emplace(j.application, std::move(*app));
    }
  auto models = [&] {
    std::vector<std::unique_ptr<job_model>> out;
    out.reserve(jobs.size());
    for (const auto& j : jobs)
      out.push_back(std::make_unique<pollux_job>(apps.at(j.application), j.batch));
    return out;
  };
  cluster_spec cluster;
  for (const auto& v : planner_variants()) {
    planner_policy p(v.name, {v.config, true, true, nullptr});
    auto r = simulate(cluster, jobs, models(), p, {});
    SCOPED_TRACE(v.name);
    expect_clean(r);
  }
  tiresias_policy t;
  auto r = simulate(cluster, jobs, models(), t, {});
  expect_clean(r);
  for (const auto& j : r.jobs)
    EXPECT_LE(j.max_workers, 16) << j.name;
}

} // namespace
} // namespace lattice::sim
