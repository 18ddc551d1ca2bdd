#include "actor_test_support.hpp"
#include "actors/autoscaler.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

// next_wakeup (pure) and the autoscaler's plan_wakeup: a job waiting out a
// cooldown is planned again when the cooldown ends, with nothing else changing.

namespace lattice::actors {
namespace {

using namespace std::chrono_literals;
using scheduling::job_info;
using scheduling::job_stage;
using test::recording_job;

const auto t0 = test::at("2026-11-28T10:00:00Z");

job_info job(std::string name, job_stage stage) {
  job_info j;
  j.namespace_ = "ns";
  j.name = std::move(name);
  j.stage = stage;
  j.min_size = 1;
  j.max_size = 1;
  j.worker_resources = {{"cpu", 1'000}, {"nvidia.com/gpu", 1}};
  j.submit_time = t0 - 1h;
  return j;
}

void track(autoscaler_state& st, job_info j) {
  const auto key = j.key();
  st.jobs[key] = tracked_job{std::move(j), {}};
}

TEST(next_wakeup, nothing_to_wait_for) {
  autoscaler_state st;
  EXPECT_FALSE(next_wakeup(st, t0));
  track(st, job("plain", job_stage::waiting));
  auto running = job("fresh", job_stage::running);
  track(st, running);
  EXPECT_FALSE(next_wakeup(st, t0)) << "no cooldown, no last resize";
}

TEST(next_wakeup, earliest_cooldown_end_or_rescale_interval_end_after_now) {
  autoscaler_state st;
  st.settings.planner.rescale_interval = 180s;
  auto cooling = job("cooling", job_stage::waiting);
  cooling.cooldown_time = t0 + 90s;
  track(st, cooling);
  auto resized = job("resized", job_stage::running);
  resized.last_resize_time = t0 - 120s; // interval ends at t0 + 60s
  track(st, resized);
  EXPECT_EQ(next_wakeup(st, t0), t0 + 60s);
  EXPECT_EQ(next_wakeup(st, t0 + 60s), t0 + 90s) << "an instant not after now is over";
  EXPECT_FALSE(next_wakeup(st, t0 + 90s));
}

TEST(next_wakeup, only_the_field_that_matters_for_the_stage) {
  autoscaler_state st;
  auto running_with_cooldown = job("a", job_stage::running);
  running_with_cooldown.cooldown_time = t0 + 10s; // stale: it was admitted
  track(st, running_with_cooldown);
  auto waiting_resized = job("b", job_stage::waiting);
  waiting_resized.last_resize_time = t0; // rule 6 is about running jobs
  track(st, waiting_resized);
  EXPECT_FALSE(next_wakeup(st, t0));
}

class AutoscalerWakeupTest : public test::actor_test {
protected:
  std::shared_ptr<std::vector<scheduling::job_decision>> got_ =
      std::make_shared<std::vector<scheduling::job_decision>>();

  void SetUp() override { wall_.set_wall(t0); }

  protocol::autoscaler_actor
  start(double growth_age_fraction = scheduling::planner_config{}.growth_age_fraction) {
    autoscaler_settings s;
    s.planner.growth_age_fraction = growth_age_fraction;
    s.plan_debounce = 200ms;
    s.plan_max_delay = 1s;
    s.clock = clock_;
    s.start_as_leader = true;
    auto a = keep(spawn_autoscaler(sys_, std::move(s)));
    run();
    return a;
  }

  /// Wall clock and actor clock move together.
  void elapse(caf::timespan d) {
    wall_.advance(d);
    wait(d);
  }

  std::int64_t plans(const protocol::autoscaler_actor& a) {
    return boost::json::parse(ask(a, atoms::inspect_atom_v)).at("plans").to_number<std::int64_t>();
  }

  /// One 4-GPU node and a job of maxSize 4 running 2 workers there,
  /// submitted 1 h ago and resized 200 s ago; planned once, kept at 2.
  void plan_held_job(const protocol::autoscaler_actor& a) {
    auto h = keep(sys_.spawn(recording_job, got_));
    scheduling::node_info node;
    node.name = "n1";
    node.allocatable = {{"cpu", 64'000}, {"nvidia.com/gpu", 4}};
    caf::anon_send(a, protocol::node_state{node});
    auto held = job("held", job_stage::running);
    held.max_size = 4;
    held.last_resize_time = t0 - 200s;
    held.workers = {{0, "n1"}, {1, "n1"}};
    caf::anon_send(a, protocol::job_state{held, h});
    run();
    elapse(200ms);
    ASSERT_EQ(plans(a), 1);
    ASSERT_EQ(got_->size(), 1u);
    EXPECT_EQ(got_->back().size, 2) << got_->back().reason;
  }
};

TEST_F(AutoscalerWakeupTest, AJobInCooldownIsPlannedAgainWhenTheCooldownEnds) {
  auto a = start();
  auto h = keep(sys_.spawn(recording_job, got_));
  scheduling::node_info node;
  node.name = "n1";
  node.allocatable = {{"cpu", 64'000}, {"nvidia.com/gpu", 8}};
  caf::anon_send(a, protocol::node_state{node});
  auto cooling = job("cooling", job_stage::waiting);
  cooling.schedule_failures = 1;
  cooling.cooldown_time = t0 + 60s;
  caf::anon_send(a, protocol::job_state{cooling, h});
  run();
  elapse(200ms);
  ASSERT_EQ(plans(a), 1);
  ASSERT_EQ(got_->size(), 1u);
  EXPECT_EQ(got_->back().stage, job_stage::waiting) << "in cooldown: " << got_->back().reason;

  // Nothing else changes. The wakeup is armed for the cooldown end (+1s).
  elapse(59s);
  EXPECT_EQ(plans(a), 1) << "no plan while the cooldown lasts";
  elapse(1s + 800ms); // the wakeup fires at cooldown end + 1s
  EXPECT_EQ(plans(a), 1) << "the wakeup opens a debounce window";
  elapse(200ms);
  EXPECT_EQ(plans(a), 2);
  ASSERT_EQ(got_->size(), 2u);
  EXPECT_EQ(got_->back().stage, job_stage::running);
  EXPECT_EQ(got_->back().size, 1);
}

TEST_F(AutoscalerWakeupTest, AGrowthHeldBackByTheGainRuleIsPlannedAgainWhenWorthIt) {
  auto a = start(/*growth_age_fraction=*/0); // the gain rule alone holds the growth
  // Two workers, two GPUs free, resized 200 s ago (its rescale interval is
  // over): doubling repays the default 5 x 30 s restart once it has run 300 s.
  plan_held_job(a);

  // Nothing else changes: the plan's review time (t0 + 100s, +1s) plans again.
  elapse(100s);
  EXPECT_EQ(plans(a), 1);
  elapse(1s + 800ms);
  elapse(200ms);
  EXPECT_EQ(plans(a), 2);
  ASSERT_EQ(got_->size(), 2u);
  EXPECT_EQ(got_->back().size, 4);
}

TEST_F(AutoscalerWakeupTest, AGrowthHeldBackByTheGrowthBudgetIsPlannedAgainWhenItEnds) {
  auto a = start(/*growth_age_fraction=*/0.15);
  // Submitted 1 h ago, resized 200 s ago: the budget allows the next growth
  // 0.15 x 3,400 s / 0.85 = 600 s after that resize, at t0 + 400 s (later
  // than the gain rule's t0 + 100 s).
  plan_held_job(a);

  elapse(390s);
  EXPECT_EQ(plans(a), 1) << "no plan at the gain rule's time: the budget still holds";
  elapse(10s + 1s + 800ms);
  elapse(200ms);
  EXPECT_EQ(plans(a), 2);
  ASSERT_EQ(got_->size(), 2u);
  EXPECT_EQ(got_->back().size, 4);
}

TEST_F(AutoscalerWakeupTest, NoWakeupWhenNothingWaits) {
  auto a = start();
  auto h = keep(sys_.spawn(recording_job, got_));
  caf::anon_send(a, protocol::job_state{job("plain", job_stage::waiting), h});
  run();
  elapse(200ms);
  ASSERT_EQ(plans(a), 1);
  elapse(1h);
  EXPECT_EQ(plans(a), 1);
}

TEST_F(AutoscalerWakeupTest, StaleWakeupsAreIgnored) {
  auto a = start();
  elapse(1s);
  ASSERT_EQ(plans(a), 1) << "a new leader plans once";
  caf::anon_send(a, protocol::plan_wakeup{42});
  run();
  elapse(1s);
  EXPECT_EQ(plans(a), 1) << "a wakeup of another generation opens no window";
}

} // namespace
} // namespace lattice::actors
