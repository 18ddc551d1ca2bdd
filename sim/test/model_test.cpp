// The job model against the measurements it is built from.
#include "sim/csv.hpp"
#include "sim/engine.hpp"
#include "sim/job_model.hpp"
#include "sim/pollux_app.hpp"
#include "sim/tiresias_policy.hpp"

#include <gtest/gtest.h>

namespace lattice::sim {
namespace {

const std::string data_dir = LATTICE_SIM_DATA;

TEST(pollux_app, measured_placement_matches_its_row) {
  std::string error;
  auto app = pollux_app::load(data_dir + "/traces/cifar10", {100, 0}, error);
  ASSERT_TRUE(app) << error;
  auto rows = csv_table::read(data_dir + "/traces/cifar10/placements.csv");
  ASSERT_TRUE(rows.error().empty());
  int checked = 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows.cell(r, "placement") != "22")
      continue;
    auto t = app->step_time({2, 2}, *rows.number(r, "local_bsz"));
    EXPECT_DOUBLE_EQ(t.step, *rows.number(r, "step_time"));
    EXPECT_DOUBLE_EQ(t.sync, *rows.number(r, "sync_time"));
    ++checked;
  }
  EXPECT_GT(checked, 3);
  // Rotations of a ring are the same placement.
  EXPECT_EQ(placement_key({3, 1, 2}), placement_key({1, 2, 3}));
  EXPECT_EQ(placement_key({2, 1, 3}), "132");
}

TEST(pollux_app, interpolates_between_measurements) {
  std::string error;
  auto app = pollux_app::load(data_dir + "/traces/imagenet", {90, 0}, error);
  ASSERT_TRUE(app) << error;
  // Six nodes of four GPUs are not in placements.csv: between 4 nodes and
  // the 6-node scalability runs, and slower per step with more GPUs at the
  // same per-GPU batch only through synchronisation.
  auto wide = app->step_time({4, 4, 4, 4, 4, 4}, 100);
  auto four = app->step_time({4, 4, 4, 4}, 100);
  EXPECT_GT(wide.step, 0);
  EXPECT_GT(wide.sync, 0);
  EXPECT_LT(wide.step, 3 * four.step);
  // Between two measured batch sizes the time lies between theirs.
  auto lo = app->step_time({4}, 57), mid = app->step_time({4}, 69), hi = app->step_time({4}, 81);
  EXPECT_GE(mid.step, std::min(lo.step, hi.step));
  EXPECT_LE(mid.step, std::max(lo.step, hi.step));
  EXPECT_EQ(app->epochs(), 90);
  EXPECT_EQ(app->init_batch(), 200);
}

TEST(pollux_job, more_gpus_finish_sooner_up_to_the_tuned_count) {
  std::string error;
  auto app = pollux_app::load(data_dir + "/traces/cifar10", {100, 0}, error);
  ASSERT_TRUE(app) << error;
  auto seconds_on = [&](const std::vector<int>& placement) {
    pollux_job job(*app, 2048);
    double t = 0;
    for (int i = 0; i < 100'000; ++i) {
      if (auto used = job.run(placement, 60))
        return t + *used;
      t += 60;
    }
    return t;
  };
  double one = seconds_on({1}), four = seconds_on({4}), eight = seconds_on({4, 4});
  EXPECT_GT(one, 2 * four);
  EXPECT_GT(four, eight);
  EXPECT_NEAR(one, 4000, 1000); // about an hour on one GPU
}

TEST(simple_job, speedup_and_node_penalty) {
  simple_job job(1000, 0.0, 0.5);
  // Two workers on two nodes: speedup 2 x (1 - 0.5) = 1.
  EXPECT_DOUBLE_EQ(job.samples_per_second({1, 1}), 100.0);
  EXPECT_DOUBLE_EQ(job.samples_per_second({2}), 200.0);
  EXPECT_FALSE(job.run({2}, 400));
  auto used = job.run({2}, 400);
  ASSERT_TRUE(used);
  EXPECT_DOUBLE_EQ(*used, 100.0);
  EXPECT_DOUBLE_EQ(job.done(), 1.0);
}

TEST(engine, restart_penalty_and_interval_boundaries) {
  // One job of 1,000 s on one worker, submitted at 0: planned at 60 s, then
  // 30 s of restart, then 1,000 s of work.
  std::vector<job_spec> jobs(1);
  jobs[0].name = "only";
  jobs[0].work = 1000;
  std::vector<std::unique_ptr<job_model>> models;
  models.push_back(std::make_unique<simple_job>(1000, 0, 0));
  tiresias_policy p;
  auto r = simulate({1, 4}, jobs, std::move(models), p, {});
  ASSERT_TRUE(r.finished);
  EXPECT_DOUBLE_EQ(*r.jobs[0].start, 60);
  EXPECT_DOUBLE_EQ(*r.jobs[0].completion, 60 + 30 + 1000);
  EXPECT_EQ(r.jobs[0].restarts, 0);
}

} // namespace
} // namespace lattice::sim
