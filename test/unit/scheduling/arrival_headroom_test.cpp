// The adaptive headroom (growth of running jobs leaves free what the recent
// arrivals needed at minSize, so the next ones are admitted without
// shrinking anyone) and growth targets given in rounds (a job with more
// room to grow does not take it before the others reach their share).
#include "builders.hpp"

#include <gtest/gtest.h>

namespace lattice::scheduling::testing {
namespace {

/// Least attained service with a gain rule any real growth passes; no
/// static headroom, and the adaptive one as each test sets it.
planner_config policy(int64_t window_seconds) {
  planner_config c;
  c.growth = growth_order::least_attained;
  c.resize_payback = 1;
  c.min_resize_ratio = 0;
  c.lend_hysteresis = 0;
  c.growth_headroom = 0;
  c.arrival_window = std::chrono::seconds{window_seconds};
  c.arrival_headroom_factor = 1.25;
  return c;
}

snapshot long_job_and_an_arrival() {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 2, 4);
  // "long" has run for hours on five GPUs; "arrival" came 200 s ago and
  // needs one GPU at minSize (admitted in this plan). Two GPUs stay free.
  snap.jobs = {make_job("long")
                   .max(8)
                   .submitted(-20'000)
                   .running({"n0", "n0", "n0", "n0", "n1"})
                   .resized(-10'000)
                   .attained(100'000),
               make_job("arrival").submitted(9'800)};
  return snap;
}

TEST(arrival_headroom, running_jobs_leave_free_what_recent_arrivals_needed) {
  auto snap = long_job_and_an_arrival();
  auto p = plan_at(snap, 10'000, policy(2'700));
  EXPECT_EQ(decision(p, "arrival").size, 1);
  // One GPU arrived within the window: x1.25 keeps two free.
  const auto& held = decision(p, "long");
  EXPECT_EQ(held.size, 5);
  EXPECT_EQ(held.reason, "below maxSize 8: the last 2 GPUs are kept free for arrivals");
  // The plan is looked at again when that arrival leaves the window.
  ASSERT_TRUE(p.review_at.has_value());
  EXPECT_EQ(*p.review_at, at(9'800 + 2'700));
  // Once it has, nothing is held back.
  EXPECT_EQ(decision(plan_at(snap, 12'500, policy(2'700)), "long").size, 7);
  // Without the window, growth takes everything at once.
  auto off = plan_at(snap, 10'000, policy(0));
  EXPECT_EQ(decision(off, "long").size, 7);
  EXPECT_FALSE(off.review_at.has_value());
}

TEST(arrival_headroom, arrivals_that_were_admitted_and_ran_hold_nothing_back) {
  auto snap = long_job_and_an_arrival();
  // The arrival came 1,000 s ago and has run on one GPU since it was
  // admitted 940 s ago: it needs no room any more, and no job waits, so
  // the two free GPUs must not stay idle for the rest of its window.
  snap.jobs[1] = make_job("arrival").submitted(9'000).running({"n1"}).resized(9'060).attained(940);
  auto p = plan_at(snap, 10'000, policy(2'700));
  EXPECT_EQ(decision(p, "long").size, 7);
  EXPECT_EQ(decision(p, "arrival").size, 1);
  // One that completed is not in the snapshot at all: its GPU is free too.
  snap.jobs.pop_back();
  EXPECT_EQ(decision(plan_at(snap, 10'000, policy(2'700)), "long").size, 8);
}

TEST(arrival_headroom, a_job_admitted_within_the_rescale_interval_still_counts) {
  auto snap = long_job_and_an_arrival();
  // Admitted 60 s ago at minSize (it has run at no other size): the next
  // arrival is likely, and the room beside it is kept until the rescale
  // interval after its admission ends.
  snap.jobs[1] = make_job("arrival").submitted(9'900).running({"n1"}).resized(9'940).attained(60);
  auto p = plan_at(snap, 10'000, policy(2'700));
  EXPECT_EQ(decision(p, "long").size, 5);
  EXPECT_EQ(decision(p, "long").reason, "below maxSize 8: the last 2 GPUs are kept free for arrivals");
  ASSERT_TRUE(p.review_at.has_value());
  EXPECT_EQ(*p.review_at, at(9'940 + 180));
  EXPECT_EQ(decision(plan_at(snap, 10'120, policy(2'700)), "long").size, 7);
  // Resized within the interval after running at another size: not an
  // admission, nothing is kept.
  snap.jobs[1].attained_service = 2'000;
  EXPECT_EQ(decision(plan_at(snap, 10'000, policy(2'700)), "long").size, 7);
  // Without a reported attained service the planner cannot tell: a change
  // within the interval is taken for the admission (held for at most that
  // interval).
  snap.jobs[1].attained_service.reset();
  EXPECT_EQ(decision(plan_at(snap, 10'000, policy(2'700)), "long").size, 5);
  EXPECT_EQ(decision(plan_at(snap, 10'120, policy(2'700)), "long").size, 7);
  // The running operator persists the service before the last resize
  // (banked): added to the estimate since, it tells the resize apart too.
  snap.jobs[1].banked_service = 2'000;
  EXPECT_EQ(decision(plan_at(snap, 10'000, policy(2'700)), "long").size, 7);
}

TEST(arrival_headroom, a_waiting_job_that_can_never_fit_holds_nothing_back) {
  auto snap = long_job_and_an_arrival();
  // minSize 9 on eight GPUs: it waits forever, and room kept for it would
  // stay idle.
  snap.jobs[1] = make_job("huge").min(9).max(9).submitted(9'800);
  EXPECT_EQ(decision(plan_at(snap, 10'000, policy(2'700)), "long").size, 8);
}

TEST(arrival_headroom, a_job_that_grows_takes_the_whole_step) {
  auto snap = long_job_and_an_arrival();
  snap.nodes = gpu_nodes("n", 3, 4);
  // Six GPUs free, two kept: "long" grows, and since growing restarts it
  // anyway it takes what is left up to maxSize in the same step, rather
  // than a second restart for the last GPUs later.
  const auto& grown = decision(plan_at(snap, 10'000, policy(2'700)), "long");
  EXPECT_EQ(grown.size, 8);
  EXPECT_EQ(grown.reason, "at maxSize");
}

TEST(arrival_headroom, the_headroom_scales_with_the_arrivals_min_size) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 2, 4);
  snap.jobs = {
      make_job("long").max(8).submitted(-20'000).running({"n0", "n0"}).resized(-10'000).attained(40'000),
      make_job("arrival").submitted(9'800), make_job("pair").min(2).max(2).submitted(9'900)};
  // Three GPUs arrived at minSize: four kept free, and only three are.
  auto p = plan_at(snap, 10'000, policy(2'700));
  EXPECT_EQ(decision(p, "pair").size, 2);
  EXPECT_EQ(decision(p, "long").size, 2);
  EXPECT_EQ(decision(p, "long").reason, "below maxSize 8: the last 4 GPUs are kept free for arrivals");
  // A job admitted in this plan grows past minSize regardless (its start
  // costs no extra restart); only running jobs keep the headroom.
  snap.jobs[1].max_size = 4;
  auto q = plan_at(snap, 10'000, policy(2'700));
  EXPECT_EQ(decision(q, "arrival").size, 4);
  EXPECT_EQ(decision(q, "long").size, 2);
}

TEST(growth_rounds, each_job_reaches_its_share_before_anyone_takes_more) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 1, 8);
  // Two equally served jobs arrive together; "first" is earlier in the queue.
  snap.jobs = {make_job("first").max(8).submitted(0), make_job("second").max(8).submitted(10)};
  auto cfg = policy(0);
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "first").size, 7);
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "second").size, 1);
  // One round at half of maxSize first: four each.
  cfg.growth_rounds = 1;
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "first").size, 4);
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "second").size, 4);
  // With twice the room to grow, no job ends up with less than its share.
  snap.jobs[0].max_size = 16;
  snap.jobs[1].max_size = 16;
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "first").size, 7);
  cfg.growth_rounds = 2;
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "first").size, 4);
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "second").size, 4);
}

} // namespace
} // namespace lattice::scheduling::testing
