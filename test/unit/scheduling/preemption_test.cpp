// Rule 3: shrink, then preempt, strictly lower priority, only when it makes
// the job fit; equal-priority sharing of elastic capacity.
// Tests of the first planner's growth order, victim order and locked-job
// protection pin that policy (legacy_plan_at); growth_policy_test.cpp covers
// the default one.
#include "builders.hpp"

#include <gtest/gtest.h>

namespace lattice::scheduling::testing {
namespace {

using strings = std::vector<std::string>;
using placements = std::vector<worker_placement>;

TEST(preemption, higher_priority_preempts_lower) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(8)};
  snap.jobs = {make_job("low").size(8).running(repeat("n0", 8)), make_job("high").priority(1).size(8)};
  auto p = plan_at(snap);
  const auto& low = decision(p, "low");
  EXPECT_EQ(decision(p, "high").size, 8);
  EXPECT_EQ(low.stage, job_stage::waiting);
  EXPECT_TRUE(low.preempted);
  EXPECT_TRUE(low.changed);
  EXPECT_EQ(low.preempted_by, "default/high");
  EXPECT_EQ(low.removed.size(), 8u);
  EXPECT_EQ(low.reason.rfind("preempted to make room for default/high (priority 1); needs 8 x", 0), 0u)
      << low.reason;
}

TEST(preemption, shrinks_before_preempting) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(8)};
  snap.jobs = {make_job("low").min(2).max(8).running(repeat("n0", 8)), make_job("high").priority(1).size(4)};
  auto p = plan_at(snap);
  const auto& low = decision(p, "low");
  EXPECT_EQ(low.stage, job_stage::running);
  EXPECT_EQ(low.size, 4);
  EXPECT_FALSE(low.preempted);
  EXPECT_EQ(low.preempted_by, "default/high");
  EXPECT_EQ(low.removed, (placements{{4, "n0"}, {5, "n0"}, {6, "n0"}, {7, "n0"}}));
  EXPECT_EQ(decision(p, "high").size, 4);
}

TEST(preemption, shrinks_locked_lower_priority_job) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(8)};
  snap.jobs = {make_job("low").min(2).max(8).running(repeat("n0", 8)).resized(990),
               make_job("high").priority(1).size(4)};
  auto p = plan_at(snap, 1000);
  EXPECT_EQ(decision(p, "low").size, 4);
  EXPECT_EQ(decision(p, "high").size, 4);
}

TEST(preemption, lowest_priority_then_latest_queued_is_taken_first) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 3, 4);
  snap.jobs = {make_job("p1-early").priority(1).size(4).submitted(1).running(repeat("n0", 4)),
               make_job("p0-early").priority(0).size(4).submitted(2).running(repeat("n1", 4)),
               make_job("p0-late").priority(0).size(4).submitted(3).running(repeat("n2", 4)),
               make_job("high").priority(5).size(4)};
  auto p = legacy_plan_at(snap);
  EXPECT_TRUE(decision(p, "p0-late").preempted);
  EXPECT_EQ(decision(p, "p0-early").stage, job_stage::running);
  EXPECT_EQ(decision(p, "p1-early").stage, job_stage::running);
  EXPECT_EQ(nodes_of(p, "high"), repeat("n2", 4));
}

TEST(preemption, within_a_priority_the_job_started_last_is_preempted_first) {
  // Both fixed-size, so neither can shrink. "queued-late" was queued last
  // but has run since 100; "queued-early" waited and started at 990: taking
  // it throws away 10 s of work instead of 900 (under every growth order).
  snapshot snap;
  snap.nodes = gpu_nodes("n", 2, 4);
  snap.jobs = {make_job("queued-early").size(4).submitted(1).resized(990).running(repeat("n0", 4)),
               make_job("queued-late").size(4).submitted(50).resized(100).running(repeat("n1", 4)),
               make_job("high").priority(5).size(4)};
  for (const auto& p : {plan_at(snap), legacy_plan_at(snap)}) {
    EXPECT_TRUE(decision(p, "queued-early").preempted);
    EXPECT_EQ(decision(p, "queued-late").stage, job_stage::running);
    EXPECT_FALSE(decision(p, "queued-late").changed);
    EXPECT_EQ(nodes_of(p, "high"), repeat("n0", 4));
  }
}

TEST(preemption, a_lower_priority_goes_first_however_long_it_has_run) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 2, 4);
  snap.jobs = {make_job("p1-new").priority(1).size(4).submitted(900).resized(990).running(repeat("n0", 4)),
               make_job("p0-old").priority(0).size(4).submitted(1).resized(2).running(repeat("n1", 4)),
               make_job("high").priority(5).size(4)};
  auto p = plan_at(snap);
  EXPECT_TRUE(decision(p, "p0-old").preempted);
  EXPECT_EQ(decision(p, "p1-new").stage, job_stage::running);
}

TEST(preemption, the_least_work_lost_wins_over_fewer_jobs_preempted) {
  // 8 GPUs needed: two 4-GPU jobs that started 20 s ago lose 160 GPU-s, the
  // 8-GPU job queued last but running for 500 s would lose 4,000. The greedy
  // order by time since start takes the two.
  snapshot snap;
  snap.nodes = gpu_nodes("n", 4, 4);
  snap.jobs = {make_job("long").size(8).submitted(3).resized(500).running(
                   {"n0", "n0", "n0", "n0", "n1", "n1", "n1", "n1"}),
               make_job("fresh-a").size(4).submitted(1).resized(980).running(repeat("n2", 4)),
               make_job("fresh-b").size(4).submitted(2).resized(980).running(repeat("n3", 4)),
               make_job("high").priority(5).size(8)};
  auto p = plan_at(snap);
  EXPECT_TRUE(decision(p, "fresh-a").preempted);
  EXPECT_TRUE(decision(p, "fresh-b").preempted);
  EXPECT_EQ(decision(p, "long").stage, job_stage::running);
  EXPECT_FALSE(decision(p, "long").changed);
}

TEST(preemption, among_jobs_started_alike_the_fewest_are_preempted) {
  // 8 GPUs needed. The four 2-GPU jobs started 5 s after "big": less than a
  // restart apart, so each loses about the same per GPU, and one job is
  // preempted instead of four.
  snapshot snap;
  snap.nodes = gpu_nodes("n", 3, 8);
  snap.jobs = {make_job("big").size(8).submitted(1).resized(990).running(repeat("n0", 8)),
               make_job("s1").size(2).submitted(2).resized(995).running(repeat("n1", 2)),
               make_job("s2").size(2).submitted(3).resized(995).running(repeat("n1", 2)),
               make_job("s3").size(2).submitted(4).resized(995).running(repeat("n1", 2)),
               make_job("s4").size(2).submitted(5).resized(995).running(repeat("n1", 2)),
               make_job("old").size(8).submitted(6).resized(100).running(repeat("n2", 8)),
               make_job("high").priority(5).size(8)};
  auto p = plan_at(snap);
  EXPECT_TRUE(decision(p, "big").preempted);
  for (auto name : {"s1", "s2", "s3", "s4", "old"}) {
    EXPECT_FALSE(decision(p, name).changed) << name;
    EXPECT_EQ(decision(p, name).preempted_by, "") << name;
  }
  EXPECT_EQ(nodes_of(p, "high"), repeat("n0", 8));
}

TEST(preemption, among_jobs_started_alike_no_more_is_freed_than_needed) {
  // 4 GPUs needed. "eight" started last, but preempting it would free (and
  // throw away the work of) 8 GPUs; "four", started 5 s earlier, frees just
  // the 4. The first planner's policy (no restart cost) keeps the plain order.
  snapshot snap;
  snap.nodes = gpu_nodes("n", 2, 8);
  snap.jobs = {make_job("four").size(4).submitted(1).resized(990).running(repeat("n0", 4)),
               make_job("filler").priority(3).size(4).submitted(2).running(repeat("n0", 4)),
               make_job("eight").size(8).submitted(3).resized(995).running(repeat("n1", 8)),
               make_job("high").priority(5).size(4)};
  auto p = plan_at(snap);
  EXPECT_TRUE(decision(p, "four").preempted);
  EXPECT_FALSE(decision(p, "eight").changed);
  EXPECT_EQ(nodes_of(p, "high"), repeat("n0", 4));
  auto legacy = legacy_plan_at(snap);
  EXPECT_TRUE(decision(legacy, "eight").preempted);
  EXPECT_FALSE(decision(legacy, "four").changed);
}

TEST(preemption, takes_only_what_is_needed) {
  // Victim order is c, b, a (latest queued first). Preempting c or b frees
  // only 4 GPUs next to a priority-2 job, so only a's preemption lets the
  // 8-GPU worker fit: b and c are given back.
  snapshot snap;
  snap.nodes = gpu_nodes("n", 3, 8);
  snap.jobs = {make_job("a").size(1).gpus(8).submitted(1).running({"n0"}),
               make_job("b").size(1).gpus(4).submitted(3).running({"n1"}),
               make_job("c").size(1).gpus(4).submitted(4).running({"n2"}),
               make_job("x").priority(2).size(1).gpus(4).running({"n1"}),
               make_job("y").priority(2).size(1).gpus(4).running({"n2"}),
               make_job("high").priority(5).size(1).gpus(8)};
  auto p = plan_at(snap);
  EXPECT_EQ(nodes_of(p, "high"), strings{"n0"});
  EXPECT_TRUE(decision(p, "a").preempted);
  EXPECT_EQ(decision(p, "a").stage, job_stage::waiting);
  for (auto name : {"b", "c", "x", "y"}) {
    EXPECT_FALSE(decision(p, name).changed) << name;
    EXPECT_TRUE(decision(p, name).removed.empty()) << name;
    EXPECT_EQ(decision(p, name).preempted_by, "") << name;
  }
}

TEST(preemption, nothing_taken_when_it_would_not_fit) {
  snapshot snap;
  snap.nodes = {make_node("a0").gpus(4).label("g", "a"), make_node("b0").gpus(8).label("g", "b")};
  snap.jobs = {make_job("low-a").size(4).running(repeat("a0", 4)),
               make_job("low-b").size(8).running(repeat("b0", 8)),
               make_job("high").priority(3).size(8).selector("g", "a")};
  auto p = plan_at(snap);
  EXPECT_EQ(decision(p, "high").stage, job_stage::waiting);
  EXPECT_EQ(decision(p, "high").reason,
            "can never be placed on this cluster: the only matching node holds at most 4 of its minSize 8; "
            "needs 8 x {nvidia.com/gpu: 1} on nodes matching g=a; largest placement possible now: 0");
  EXPECT_FALSE(decision(p, "low-a").changed);
  EXPECT_FALSE(decision(p, "low-b").changed);
}

TEST(preemption, never_takes_from_equal_priority_minimum) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("old").priority(2).size(4).submitted(1).running(repeat("n0", 4)),
               make_job("new").priority(2).size(2).submitted(2)};
  auto p = plan_at(snap);
  EXPECT_EQ(decision(p, "old").size, 4);
  EXPECT_EQ(decision(p, "new").stage, job_stage::waiting);
}

TEST(preemption, restarting_job_below_minimum_never_preempts_equal_priority) {
  // "lost" ran 4 workers (minSize 4) on n0 and n1; n1 is gone, so it is
  // restarting with 2 of its 4. "steady" (same priority, minSize 2) runs on
  // the 2 GPUs left on n0: "lost" must wait, not take them.
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("lost").priority(1).size(4).submitted(1).running({"n0", "n0", "n1", "n1"}),
               make_job("steady").priority(1).size(2).submitted(2).running({"n0", "n0"})};
  auto p = plan_at(snap);
  EXPECT_EQ(decision(p, "steady").stage, job_stage::running);
  EXPECT_EQ(decision(p, "steady").size, 2);
  EXPECT_FALSE(decision(p, "steady").preempted);
  EXPECT_NE(decision(p, "lost").stage, job_stage::running);
}

TEST(preemption, restarting_job_below_minimum_never_preempts_equal_priority_legacy) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("lost").priority(1).size(4).submitted(1).running({"n0", "n0", "n1", "n1"}),
               make_job("steady").priority(1).size(2).submitted(2).running({"n0", "n0"})};
  auto p = legacy_plan_at(snap);
  EXPECT_EQ(decision(p, "steady").size, 2);
  EXPECT_FALSE(decision(p, "steady").preempted);
  EXPECT_NE(decision(p, "lost").stage, job_stage::running);
}

TEST(preemption, never_takes_from_higher_priority) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("high").priority(3).min(1).max(4).running(repeat("n0", 4)), make_job("low").size(1)};
  auto p = plan_at(snap);
  EXPECT_EQ(decision(p, "high").size, 4);
  EXPECT_EQ(decision(p, "low").stage, job_stage::waiting);
}

TEST(preemption, equal_priority_newcomer_shares_elastic_capacity) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(8)};
  snap.jobs = {make_job("old").min(1).max(8).submitted(1).running(repeat("n0", 8)),
               make_job("new").min(2).max(8).submitted(2)};
  auto p = legacy_plan_at(snap);
  EXPECT_EQ(decision(p, "old").size, 6);
  EXPECT_EQ(decision(p, "old").preempted_by, "default/new");
  EXPECT_EQ(decision(p, "new").size, 2);
}

TEST(preemption, two_running_elastic_jobs_are_stable) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(8)};
  snap.jobs = {make_job("x").min(1).max(8).submitted(1).running(repeat("n0", 3)),
               make_job("y").min(1).max(8).submitted(2).running(repeat("n0", 5))};
  auto p = legacy_plan_at(snap);
  EXPECT_FALSE(decision(p, "x").changed);
  EXPECT_FALSE(decision(p, "y").changed);
}

TEST(preemption, preempted_job_moves_when_it_fits_elsewhere) {
  // low sits on the only node high may use (g=a); it fits on n-b instead.
  snapshot snap;
  snap.nodes = {make_node("n-a").gpus(4).label("g", "a"), make_node("n-b").gpus(4)};
  snap.jobs = {make_job("low").size(4).running(repeat("n-a", 4)),
               make_job("high").priority(1).size(4).selector("g", "a")};
  auto p = plan_at(snap);
  EXPECT_EQ(nodes_of(p, "high"), repeat("n-a", 4));
  const auto& low = decision(p, "low");
  EXPECT_EQ(low.stage, job_stage::running);
  EXPECT_FALSE(low.preempted);
  EXPECT_EQ(low.preempted_by, "default/high");
  EXPECT_EQ(nodes_of(p, "low"), repeat("n-b", 4));
}

TEST(preemption, higher_priority_growth_does_not_shrink_lower) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(8)};
  snap.jobs = {make_job("high").priority(1).min(1).max(8).running(repeat("n0", 4)),
               make_job("low").min(1).max(4).running(repeat("n0", 4))};
  auto p = legacy_plan_at(snap);
  EXPECT_EQ(decision(p, "high").size, 4);
  EXPECT_EQ(decision(p, "low").size, 4);
  EXPECT_EQ(decision(p, "high").reason,
            "below maxSize 8: no room now for 4 more x {nvidia.com/gpu: 1} on any schedulable node");
}

} // namespace
} // namespace lattice::scheduling::testing
