// The growth policy: who grows above minSize (least attained service, fair
// shares), lending, the gain rule and resize budget, consolidation,
// goodput-aware caps, the reservation for the head of the queue, and rule
// 2's "a lower priority never grows while a higher priority waits". Each
// test sets the knobs it exercises, so it does not depend on the defaults.
#include "builders.hpp"

#include <gtest/gtest.h>

namespace lattice::scheduling::testing {
namespace {

using strings = std::vector<std::string>;

/// The policy mechanisms on, with a gain rule that any real growth passes.
planner_config las() {
  planner_config c;
  c.growth = growth_order::least_attained;
  c.service_classes = {3'600, 57'600};
  c.rebalance = true;
  c.lend_to_restarting_only = false;
  c.resize_payback = 1;
  c.min_resize_ratio = 0;
  c.lend_hysteresis = 0;
  c.rescale_age_fraction = 0;
  c.growth_age_fraction = 0;
  c.growth_headroom = 0;
  c.arrival_window = milliseconds{0};
  c.reserve_for_head = true;
  c.lend_reserved = false;
  c.consolidate = true;
  return c;
}

planner_config fair() {
  auto c = las();
  c.growth = growth_order::fair;
  return c;
}

TEST(growth_policy, least_attained_grows_first) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 2, 4);
  // Both unlocked and running two workers; four GPUs free.
  snap.jobs = {make_job("served").max(6).submitted(0).running({"n0", "n0"}).resized(0).attained(100'000),
               make_job("fresh").max(6).submitted(10).running({"n0", "n0"}).resized(0).attained(600)};
  auto p = plan_at(snap, 1000, las());
  EXPECT_EQ(decision(p, "fresh").size, 6);
  EXPECT_EQ(decision(p, "served").size, 2);
  // In queue order the first come grows first.
  auto q = plan_at(snap, 1000, planner_config::legacy());
  EXPECT_EQ(decision(q, "served").size, 6);
  EXPECT_EQ(decision(q, "fresh").size, 2);
}

TEST(growth_policy, the_most_served_lends_to_the_least_served) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 2, 4);
  // served holds all of n0 and three GPUs of n1; fresh the last one.
  snap.jobs = {make_job("served")
                   .max(8)
                   .submitted(0)
                   .running({"n0", "n0", "n0", "n0", "n1", "n1", "n1"})
                   .resized(0)
                   .attained(200'000),
               make_job("fresh").max(4).submitted(10).running({"n1"}).resized(0).attained(1'200)};
  auto p = plan_at(snap, 1000, las());
  const auto& fresh = decision(p, "fresh");
  const auto& served = decision(p, "served");
  EXPECT_EQ(fresh.size, 4);
  EXPECT_EQ(served.size, 4);
  EXPECT_EQ(served.preempted_by, "default/fresh");
  EXPECT_NE(served.reason.find("shrunk to make room for default/fresh"), std::string::npos) << served.reason;
  // Lending is a policy: without it nobody shrinks for growth.
  auto no_lending = las();
  no_lending.rebalance = false;
  auto q = plan_at(snap, 1000, no_lending);
  EXPECT_EQ(decision(q, "served").size, 7);
  EXPECT_EQ(decision(q, "fresh").size, 1);
}

TEST(growth_policy, a_resize_must_repay_its_restart) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 1, 8);
  // Eight workers, one GPU free; it has run 1,000 s, so it is expected to
  // run about 1,000 s more: one more worker saves ~111 s.
  snap.jobs = {make_job("a").max(9).submitted(0).running(repeat("n0", 7)).resized(0).attained(7'000)};
  auto cfg = las();
  cfg.resize_payback = 5; // 5 x 30 s = 150 s needed
  auto p = plan_at(snap, 1000, cfg);
  EXPECT_EQ(decision(p, "a").size, 7);
  EXPECT_EQ(decision(p, "a").reason, "below maxSize 9: the room now would not repay a restart");
  cfg.resize_payback = 3; // 90 s needed: worth it
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "a").size, 8);
  // A job that restarts anyway (admitted now) grows at once.
  snap.jobs = {make_job("b").max(8).submitted(900)};
  cfg.resize_payback = 1000;
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "b").size, 8);
}

TEST(growth_policy, an_interrupted_admission_is_completed_not_held_by_the_gain_rule) {
  // A new leader adopted 2 of the 8 workers the old one was creating: the
  // other 6 complete the admission, so no restart has to be repaid.
  snapshot snap;
  snap.nodes = gpu_nodes("n", 1, 8);
  snap.jobs = {make_job("a").max(8).submitted(0).running({"n0", "n0"}).attained(2'000)};
  auto cfg = las();
  cfg.resize_payback = 1000;
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "a").size, 2) << "an ordinary growth must repay it";
  snap.jobs[0].placement_incomplete = true;
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "a").size, 8);
}

TEST(growth_policy, a_growth_held_back_is_reviewed_when_it_becomes_worth_it) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 1, 4);
  // Two workers, two GPUs free, no attained-service report: it has run (at
  // least) the 200 s since its last resize. Doubling saves half of the
  // expected remaining time, so it repays 5 x 30 s once that is 300 s.
  snap.jobs = {make_job("a").max(4).submitted(0).running({"n0", "n0"}).resized(800)};
  planner_config cfg; // the defaults: 30 s restart cost, payback 5
  cfg.arrival_window = milliseconds{0};
  auto p = plan_at(snap, 1000, cfg);
  EXPECT_EQ(decision(p, "a").size, 2);
  ASSERT_TRUE(p.review_at.has_value());
  EXPECT_EQ(*p.review_at, at(1100));
  // Nothing changes but the clock: just before, still held; then it grows.
  auto before = plan_at(snap, 1099, cfg);
  EXPECT_EQ(decision(before, "a").size, 2);
  EXPECT_EQ(before.review_at, std::optional<time_point>(at(1100)));
  auto then = plan_at(snap, 1100, cfg);
  EXPECT_EQ(decision(then, "a").size, 4);
  EXPECT_FALSE(then.review_at.has_value());
  // Without a gain rule nothing waits on the clock.
  cfg.restart_cost = milliseconds{0};
  auto free_restarts = plan_at(snap, 1000, cfg);
  EXPECT_EQ(decision(free_restarts, "a").size, 4);
  EXPECT_FALSE(free_restarts.review_at.has_value());
}

TEST(growth_policy, minimum_ratio_stops_creeping_by_one_worker) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 1, 8);
  snap.jobs = {make_job("a").max(8).submitted(0).running(repeat("n0", 6)).resized(0).attained(600'000)};
  auto cfg = las();
  cfg.min_resize_ratio = 1.5;
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "a").size, 6); // 6 -> 8 is only x1.33
  cfg.min_resize_ratio = 1.25;
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "a").size, 8);
}

TEST(growth_policy, resize_budget_hold_grows_with_age) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 1, 8);
  // Submitted 10,000 s before the plan, resized 600 s before it: past the
  // 3-minute interval, but a tenth of its age is 1,000 s.
  snap.jobs = {make_job("a").max(8).submitted(-9'000).running({"n0"}).resized(400).attained(600)};
  auto cfg = las();
  cfg.rescale_age_fraction = 0.1;
  auto p = plan_at(snap, 1000, cfg);
  EXPECT_EQ(decision(p, "a").size, 1);
  EXPECT_EQ(decision(p, "a").reason, "rescale interval: next resize allowed at " + format_time(at(1400)));
  cfg.rescale_age_fraction = 0;
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "a").size, 8);
}

TEST(growth_policy, growth_budget_holds_growth_but_not_admissions) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 1, 8);
  // Submitted at -9,000 s and resized at 360 s: it may grow again once the
  // time since is a tenth of its age, at 1,400 s (1,040 s after).
  snap.jobs = {make_job("a").max(8).submitted(-9'000).running({"n0"}).resized(360).attained(600)};
  auto cfg = las();
  cfg.growth_age_fraction = 0.1;
  auto p = plan_at(snap, 1000, cfg);
  EXPECT_EQ(decision(p, "a").size, 1);
  EXPECT_EQ(decision(p, "a").reason,
            "below maxSize 8: growth budget: next growth allowed at " + format_time(at(1400)));
  EXPECT_EQ(p.review_at, std::optional<time_point>(at(1400)));
  EXPECT_EQ(decision(plan_at(snap, 1399, cfg), "a").size, 1);
  EXPECT_EQ(decision(plan_at(snap, 1400, cfg), "a").size, 8);
  // The hold never exceeds maxRescaleHold.
  cfg.max_rescale_hold = milliseconds{300'000};
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "a").size, 8);
  // It holds growth only: an arrival still reclaims the job's lent workers,
  // and a job admitted now grows at once.
  snap.jobs = {make_job("a").max(8).submitted(-9'000).running(repeat("n0", 8)).resized(360).attained(600),
               make_job("new").max(4).submitted(990)};
  auto q = plan_at(snap, 1000, cfg);
  EXPECT_EQ(decision(q, "new").stage, job_stage::running);
  EXPECT_GE(decision(q, "new").size, 1);
  EXPECT_EQ(decision(q, "a").size + decision(q, "new").size, 8);
  EXPECT_LT(decision(q, "a").size, 8);
}

TEST(growth_policy, quiet_period_keeps_freed_capacity_for_arrivals) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 1, 8);
  // "a" could grow into five free GPUs, but a job arrived 100 s ago.
  snap.jobs = {make_job("a").max(8).submitted(0).running({"n0", "n0"}).resized(0).attained(100'000),
               make_job("b").max(1).submitted(900).running({"n0"}).resized(900).attained(100)};
  auto cfg = las();
  cfg.growth_quiet = milliseconds{300'000};
  auto p = plan_at(snap, 1000, cfg);
  EXPECT_EQ(decision(p, "a").size, 2);
  EXPECT_EQ(decision(p, "a").reason,
            "below maxSize 8: jobs arrived within the last 300 s; free GPUs are kept "
            "for arrivals until "
                + format_time(at(1200)));
  EXPECT_EQ(p.review_at, std::optional<time_point>(at(1200)));
  // Once no job has arrived for 300 s it grows.
  EXPECT_EQ(decision(plan_at(snap, 1200, cfg), "a").size, 7);
  // Off, it grows at once.
  cfg.growth_quiet = milliseconds{0};
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "a").size, 7);
  // An arrival itself (it starts anyway) takes the room at once.
  cfg.growth_quiet = milliseconds{300'000};
  snap.jobs.push_back(make_job("c").max(4).submitted(1000));
  auto q = plan_at(snap, 1000, cfg);
  EXPECT_EQ(decision(q, "c").size, 4);
  EXPECT_EQ(decision(q, "a").size, 2);
}

TEST(growth_policy, fair_shares_split_the_cluster_evenly) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 2, 4);
  snap.jobs = {make_job("a").max(8).submitted(0), make_job("b").max(8).submitted(10),
               make_job("c").max(2).submitted(20)};
  auto p = plan_at(snap, 1000, fair());
  EXPECT_EQ(decision(p, "c").size, 2);
  EXPECT_EQ(decision(p, "a").size, 3);
  EXPECT_EQ(decision(p, "b").size, 3);
}

TEST(growth_policy, fair_within_a_service_class) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 2, 4);
  // Both new (class 0): first come first takes what it can; shared, 4 each.
  snap.jobs = {make_job("a").max(8).submitted(0), make_job("b").max(8).submitted(10)};
  auto cfg = las();
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "a").size, 7);
  cfg.fair_within_class = true;
  auto p = plan_at(snap, 1000, cfg);
  EXPECT_EQ(decision(p, "a").size, 4);
  EXPECT_EQ(decision(p, "b").size, 4);
}

TEST(growth_policy, restart_consolidates_onto_fewest_nodes) {
  snapshot snap;
  snap.nodes = {make_node("a").gpus(4), make_node("b").gpus(4), make_node("c").gpus(4)};
  // j runs one worker on each of a and b; growing to 4, it moves to c whole.
  snap.jobs = {make_job("j").max(4).submitted(0).running({"a", "b"}).resized(0).attained(100),
               make_job("x").size(3).submitted(0).running({"a", "a", "a"}).resized(0),
               make_job("y").size(3).submitted(0).running({"b", "b", "b"}).resized(0)};
  auto p = plan_at(snap, 1000, las());
  EXPECT_EQ(nodes_of(p, "j"), repeat("c", 4));
  // Without consolidation the workers in force stay where they are.
  auto cfg = las();
  cfg.consolidate = false;
  auto q = plan_at(snap, 1000, cfg);
  EXPECT_EQ(nodes_of(q, "j"), (strings{"a", "b", "c", "c"}));
  // A job that keeps its size keeps its nodes, even spread.
  snap.jobs[0] = make_job("j").max(2).submitted(0).running({"a", "b"}).resized(0);
  EXPECT_EQ(nodes_of(plan_at(snap, 1000, las()), "j"), (strings{"a", "b"}));
}

TEST(growth_policy, reservation_holds_nodes_for_the_head_and_backfills_elsewhere) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 3, 4);
  // "big" needs two whole nodes; each node has one busy GPU, so it waits.
  // "small" behind it may only use the node not reserved.
  snap.jobs = {make_job("r0").size(1).submitted(0).running({"n0"}).resized(0),
               make_job("r1").size(1).submitted(0).running({"n1"}).resized(0),
               make_job("r2").size(1).submitted(0).running({"n2"}).resized(0),
               make_job("big").size(2).gpus(4).submitted(100), make_job("small").max(6).submitted(200)};
  auto p = plan_at(snap, 1000, las());
  EXPECT_EQ(decision(p, "big").stage, job_stage::waiting);
  EXPECT_EQ(p.reserved_for, "default/big");
  EXPECT_EQ(p.reserved_nodes.size(), 2u);
  EXPECT_NE(decision(p, "big").reason.find("head of the queue: 2 nodes reserved for it"), std::string::npos)
      << decision(p, "big").reason;
  const auto& small = decision(p, "small");
  ASSERT_EQ(small.stage, job_stage::running);
  EXPECT_EQ(small.size, 3);
  for (const auto& w : small.workers)
    EXPECT_EQ(std::count(p.reserved_nodes.begin(), p.reserved_nodes.end(), w.node), 0) << w.node;
  // Without the reservation the small job takes the free GPUs anywhere.
  auto cfg = las();
  cfg.reserve_for_head = false;
  auto q = plan_at(snap, 1000, cfg);
  EXPECT_TRUE(q.reserved_for.empty());
  EXPECT_EQ(decision(q, "small").size, 6);
}

/// "big" (2 x 4 GPUs) waits for two of three 4-GPU nodes, each holding a
/// 1-GPU job; "elastic" of priority `elastic_priority` runs 4 workers on n2.
snapshot head_waiting_beside(int32_t elastic_priority) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 3, 4);
  snap.jobs = {
      make_job("r0").size(1).submitted(0).running({"n0"}).resized(0),
      make_job("r1").size(1).submitted(0).running({"n1"}).resized(0),
      make_job("elastic").priority(elastic_priority).max(12).submitted(0).running_on("n2", 4).resized(0),
      make_job("big").size(2).gpus(4).submitted(100)};
  return snap;
}

TEST(growth_policy, reserved_nodes_are_lent_to_jobs_of_the_heads_priority) {
  auto cfg = las();
  cfg.lend_reserved = true;
  auto p = plan_at(head_waiting_beside(0), 1000, cfg);
  ASSERT_EQ(p.reserved_nodes, (strings{"n0", "n1"}));
  EXPECT_EQ(decision(p, "big").stage, job_stage::waiting);
  // The six GPUs free on the reserved nodes go to the elastic job.
  EXPECT_EQ(nodes_of(p, "elastic"), (strings{"n2", "n2", "n2", "n2", "n0", "n0", "n0", "n1", "n1", "n1"}));
  EXPECT_NE(
      decision(p, "elastic").reason.find("6 workers on nodes reserved for default/big, lent until it fits"),
      std::string::npos)
      << decision(p, "elastic").reason;
  EXPECT_NE(decision(p, "big").reason.find("2 nodes reserved for it (6 GPUs there lent until it fits)"),
            std::string::npos)
      << decision(p, "big").reason;
  // Not lent: off, to a job the head could not take them back from (a
  // higher priority), or to a job that would restart only for them.
  cfg.lend_reserved = false;
  EXPECT_EQ(decision(plan_at(head_waiting_beside(0), 1000, cfg), "elastic").size, 4);
  cfg.lend_reserved = true;
  EXPECT_EQ(decision(plan_at(head_waiting_beside(1), 1000, cfg), "elastic").size, 4);
  cfg.lend_to_restarting_only = true;
  EXPECT_EQ(decision(plan_at(head_waiting_beside(0), 1000, cfg), "elastic").size, 4);
}

TEST(growth_policy, the_head_takes_back_what_its_nodes_lent_once_it_fits) {
  auto cfg = las();
  cfg.lend_reserved = true;
  // r0 and r1 have finished; the elastic job still holds six lent workers.
  snapshot snap;
  snap.nodes = gpu_nodes("n", 3, 4);
  snap.jobs = {make_job("elastic")
                   .max(12)
                   .submitted(0)
                   .running({"n2", "n2", "n2", "n2", "n0", "n0", "n0", "n1", "n1", "n1"})
                   .resized(900),
               make_job("big").size(2).gpus(4).submitted(100)};
  auto p = plan_at(snap, 1000, cfg);
  EXPECT_EQ(nodes_of(p, "big"), (strings{"n0", "n1"}));
  EXPECT_EQ(nodes_of(p, "elastic"), (strings{"n2", "n2", "n2", "n2"}));
  EXPECT_EQ(decision(p, "elastic").preempted_by, "default/big");
}

TEST(growth_policy, a_reservation_stays_on_the_nodes_it_lent) {
  auto cfg = las();
  cfg.lend_reserved = true;
  // "head" (8 x 1 GPU) waits: n1 has one GPU free, and "elastic" holds
  // three lent workers on n1 and three on n2, beside "y" on n2; its first
  // worker shares n0 with "x". Counted as the head's, the lent workers keep
  // the reservation on n1 and n2; counted as busy, it would move to n0 and
  // n1, and "small" could take n2's lent workers for its own minSize.
  snapshot snap;
  snap.nodes = gpu_nodes("n", 3, 4);
  snap.jobs = {
      make_job("x").size(3).submitted(0).running({"n0", "n0", "n0"}).resized(0),
      make_job("y").size(1).submitted(0).running({"n2"}).resized(0),
      make_job("elastic").max(12).submitted(0).running({"n0", "n1", "n1", "n1", "n2", "n2", "n2"}).resized(0),
      make_job("head").size(8).submitted(100), make_job("small").size(3).submitted(200)};
  auto p = plan_at(snap, 1000, cfg);
  EXPECT_EQ(p.reserved_for, "default/head");
  EXPECT_EQ(p.reserved_nodes, (strings{"n1", "n2"}));
  EXPECT_EQ(decision(p, "small").stage, job_stage::waiting);
  EXPECT_EQ(decision(p, "elastic").size, 8); // and n1's free GPU is lent too
}

TEST(growth_policy, no_reservation_for_a_job_that_can_never_fit) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 2, 4);
  snap.jobs = {make_job("huge").size(16).submitted(0), make_job("small").max(8).submitted(10)};
  auto p = plan_at(snap, 1000, las());
  EXPECT_TRUE(p.reserved_for.empty());
  EXPECT_EQ(decision(p, "small").size, 8);
}

TEST(growth_policy, lower_priority_does_not_grow_while_a_higher_one_waits_for_its_nodes) {
  snapshot snap;
  snap.nodes = {make_node("a").gpus(4).label("pool", "a"), make_node("b").gpus(4).label("pool", "b")};
  // "high" needs all of pool a; "low" runs one worker there and cannot
  // grow while high waits. "other" lives in pool b and grows freely.
  snap.jobs = {
      make_job("high").priority(5).size(4).selector("pool", "a").submitted(0).cooldown_until(0, 0),
      make_job("keeper").priority(5).size(1).selector("pool", "a").submitted(0).running({"a"}).resized(0),
      make_job("low").max(3).selector("pool", "a").submitted(0).running({"a"}).resized(0),
      make_job("other").max(4).selector("pool", "b").submitted(0).running({"b"}).resized(0)};
  auto cfg = las();
  cfg.reserve_for_head = false;
  auto p = plan_at(snap, 1000, cfg);
  // high cannot fit even with low gone (keeper holds one GPU of four).
  EXPECT_EQ(decision(p, "high").stage, job_stage::waiting);
  EXPECT_EQ(decision(p, "low").size, 1);
  EXPECT_EQ(decision(p, "low").reason, "below maxSize 3: growth held while a job of priority 5 waits");
  EXPECT_EQ(decision(p, "other").size, 4);
}

TEST(growth_policy, throughput_reports_cap_growth_at_the_knee) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 2, 8);
  // Reported: 100 samples/s on one worker, 180 on two, 190 on four: more
  // workers add almost nothing past two.
  snap.jobs = {make_job("flat")
                   .max(8)
                   .submitted(0)
                   .running({"n0", "n0", "n0", "n0"})
                   .resized(0)
                   .attained(4'000)
                   .reported(1, 1, 100, 900)
                   .reported(2, 1, 180, 900)
                   .reported(4, 1, 190, 900),
               make_job("linear").max(12).submitted(0).running({"n1"}).resized(0).attained(50'000)};
  auto cfg = fair();
  auto p = plan_at(snap, 1000, cfg);
  EXPECT_LE(decision(p, "flat").size, 4);
  EXPECT_EQ(decision(p, "linear").size, 12);
  // Ignored when the policy does not use reports (or they are stale).
  cfg.use_throughput = false;
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "flat").size, 8);
  cfg.use_throughput = true;
  cfg.throughput_max_age = milliseconds{10'000};
  EXPECT_EQ(decision(plan_at(snap, 1000 + 3600, cfg), "flat").size, 8);
}

TEST(growth_policy, a_job_held_by_its_reports_says_so_not_that_there_is_no_room) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 1, 4);
  // The same rate on one worker and on two: another worker brings nothing,
  // and three GPUs are free.
  snap.jobs = {make_job("flat")
                   .max(2)
                   .submitted(0)
                   .running({"n0"})
                   .resized(0)
                   .reported(1, 1, 32, 900)
                   .reported(2, 1, 32, 900)};
  auto cfg = las();
  auto p = plan_at(snap, 1000, cfg);
  EXPECT_EQ(decision(p, "flat").size, 1);
  EXPECT_EQ(decision(p, "flat").reason,
            "below maxSize 2: its throughput reports show no speed-up worth a worker past 1 (each added "
            "worker would bring less than 0.5 of one worker's rate)");
  cfg.use_throughput = false;
  EXPECT_EQ(decision(plan_at(snap, 1000, cfg), "flat").size, 2);
}

TEST(growth_policy, equal_priority_admission_reclaims_lent_workers_of_a_locked_job) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 1, 4);
  snap.jobs = {make_job("old").max(4).submitted(0).running(repeat("n0", 4)).resized(950),
               make_job("new").max(4).submitted(990)};
  auto cfg = las();
  cfg.reclaim_locked = true;
  auto p = plan_at(snap, 1000, cfg);
  EXPECT_EQ(decision(p, "new").stage, job_stage::running);
  EXPECT_LT(decision(p, "old").size, 4);
  cfg.reclaim_locked = false;
  auto q = plan_at(snap, 1000, cfg);
  EXPECT_EQ(decision(q, "new").stage, job_stage::waiting);
  EXPECT_EQ(decision(q, "old").size, 4);
}

TEST(growth_policy, topology_keeps_a_spanning_job_inside_one_rack) {
  snapshot snap;
  // Three free GPUs on each of a1 (rack a), b1 and b2 (rack b).
  for (auto [name, rack] :
       std::vector<std::pair<const char*, const char*>>{{"a1", "a"}, {"b1", "b"}, {"b2", "b"}})
    snap.nodes.push_back(make_node(name).gpus(4).label("rack", rack));
  for (const auto& n : snap.nodes)
    snap.jobs.push_back(make_job("busy-" + n.name).size(1).submitted(0).running({n.name}).resized(0));
  // Five workers: by node name alone they would start on a1 and span both
  // racks; rack b holds them all.
  snap.jobs.push_back(make_job("wide").size(5).submitted(10));
  auto cfg = las();
  cfg.topology_keys = {"rack"};
  auto nodes = nodes_of(plan_at(snap, 1000, cfg), "wide");
  std::sort(nodes.begin(), nodes.end());
  EXPECT_EQ(nodes, (strings{"b1", "b1", "b1", "b2", "b2"}));
  cfg.topology_keys.clear();
  auto spread = nodes_of(plan_at(snap, 1000, cfg), "wide");
  EXPECT_EQ(std::count(spread.begin(), spread.end(), "a1"), 3);
}

/// The snapshot after `p` was applied at `when`: running jobs hold the
/// plan's workers; a changed size or stage is a resize at `when`.
snapshot applied(const snapshot& snap, const plan& p, int64_t when) {
  snapshot next = snap;
  for (std::size_t i = 0; i < snap.jobs.size(); ++i) {
    auto& j = next.jobs[i];
    const auto& d = p.jobs[i];
    if (d.changed)
      j.last_resize_time = at(when);
    j.stage = d.stage;
    j.workers = d.workers;
  }
  return next;
}

TEST(growth_policy, a_plan_applied_is_planned_again_unchanged) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 4, 4);
  snap.jobs = {make_job("x").max(8).submitted(0).running(repeat("n0", 4)).resized(0).attained(40'000),
               make_job("y").max(8).submitted(10).running(repeat("n1", 4)).resized(0).attained(40'000),
               make_job("z").max(16).submitted(20).attained(0), make_job("w").min(2).max(4).submitted(30)};
  for (const auto& cfg : {planner_config{}, las(), fair()}) {
    auto first = plan_at(snap, 1000, cfg);
    auto next = applied(snap, first, 1000);
    // Past the rescale interval, with nothing else changed: a fixed point.
    auto second = plan_at(next, 1000 + 600, cfg);
    for (const auto& d : second.jobs) {
      EXPECT_FALSE(d.changed) << d.name << ": " << d.reason;
      EXPECT_TRUE(d.added.empty()) << d.name;
      EXPECT_TRUE(d.removed.empty()) << d.name;
    }
  }
}

} // namespace
} // namespace lattice::scheduling::testing
