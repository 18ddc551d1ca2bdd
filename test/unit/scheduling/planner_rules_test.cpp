// Rules 1, 2, 5 and 6 of DESIGN.md ("Autoscaler rules") and the plan's shape.
// Tests of the first planner's growth order, victim order and locked-job
// protection pin that policy (legacy_plan_at); growth_policy_test.cpp covers
// the default one.
#include "builders.hpp"

#include <gtest/gtest.h>

namespace lattice::scheduling::testing {
namespace {

using strings = std::vector<std::string>;

TEST(planner_order, priority_then_queued_time_then_name) {
  snapshot snap;
  snap.jobs = {make_job("late-low").priority(0).submitted(10), make_job("b-high").priority(5).submitted(30),
               make_job("a-high").priority(5).submitted(30), make_job("early-high").priority(5).submitted(20),
               make_job("requeued").priority(5).submitted(0).queued(40)};
  auto p = plan_at(snap);
  strings names;
  for (auto i : p.queue)
    names.push_back(snap.jobs[i].name);
  EXPECT_EQ(names, (strings{"early-high", "a-high", "b-high", "requeued", "late-low"}));
}

TEST(planner_order, namespace_breaks_ties_before_name) {
  snapshot snap;
  snap.jobs = {make_job("a").ns("zeta"), make_job("z").ns("alpha")};
  auto p = plan_at(snap);
  EXPECT_EQ(snap.jobs[p.queue[0]].name, "z");
}

struct admission_case {
  const char* name;
  int cluster_gpus; // one node
  std::vector<job_info> jobs;
  strings running; // jobs expected to run, sizes below
  std::vector<int32_t> sizes;
};

class admission : public ::testing::TestWithParam<admission_case> {};

TEST_P(admission, admits_and_grows_in_order) {
  const auto& c = GetParam();
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(c.cluster_gpus)};
  snap.jobs = c.jobs;
  auto p = legacy_plan_at(snap);
  for (std::size_t i = 0; i < c.running.size(); ++i) {
    const auto& d = decision(p, c.running[i]);
    EXPECT_EQ(d.stage, job_stage::running) << c.running[i];
    EXPECT_EQ(d.size, c.sizes[i]) << c.running[i];
  }
  for (const auto& j : c.jobs) {
    if (std::find(c.running.begin(), c.running.end(), j.name) == c.running.end()) {
      EXPECT_EQ(decision(p, j.name).stage, job_stage::waiting) << j.name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    rules, admission,
    ::testing::Values(
        admission_case{"one_job_grows_to_max", 8, {make_job("a").min(2).max(4)}, {"a"}, {4}},
        admission_case{"max_capped_by_cluster", 3, {make_job("a").min(2).max(8)}, {"a"}, {3}},
        admission_case{"gang_min_or_nothing", 3, {make_job("a").min(4).max(4)}, {}, {}},
        admission_case{"fifo_first_grows_first",
                       8,
                       {make_job("b").min(2).max(8).submitted(2), make_job("a").min(2).max(8).submitted(1)},
                       {"a", "b"},
                       {6, 2}},
        admission_case{"admission_before_growth",
                       8,
                       {make_job("big").min(1).max(8).submitted(1), make_job("c").min(3).submitted(2).max(3),
                        make_job("d").min(3).max(3).submitted(3)},
                       {"big", "c", "d"},
                       {2, 3, 3}},
        admission_case{"small_later_job_fills_gap",
                       8,
                       {make_job("a").size(6).submitted(1), make_job("b").size(4).submitted(2),
                        make_job("c").size(2).submitted(3)},
                       {"a", "c"},
                       {6, 2}},
        admission_case{
            "higher_priority_first",
            4,
            {make_job("low").size(4).submitted(1), make_job("high").size(4).priority(1).submitted(2)},
            {"high"},
            {4}}),
    [](const auto& info) { return std::string{info.param.name}; });

TEST(planner_plan, new_job_gets_dense_indices_and_added_pods) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("a").min(2).max(3)};
  auto p = plan_at(snap);
  const auto& d = decision(p, "a");
  EXPECT_TRUE(d.changed);
  EXPECT_EQ(d.workers, (std::vector<worker_placement>{{0, "n0"}, {1, "n0"}, {2, "n0"}}));
  EXPECT_EQ(d.added, d.workers);
  EXPECT_TRUE(d.removed.empty());
  EXPECT_EQ(d.reason, "at maxSize");
}

TEST(planner_plan, unchanged_running_job_is_not_changed) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("a").min(1).max(2).running(repeat("n0", 2))};
  const auto& d = decision(plan_at(snap), "a");
  EXPECT_FALSE(d.changed);
  EXPECT_TRUE(d.added.empty());
  EXPECT_TRUE(d.removed.empty());
}

TEST(planner_plan, same_snapshot_in_any_order_gives_same_plan) {
  snapshot snap;
  snap.nodes = gpu_nodes("n", 5, 4);
  for (int i = 0; i < 12; ++i)
    snap.jobs.push_back(
        make_job("j" + std::to_string(i)).priority(i % 3).min(1 + i % 2).max(3).submitted(i % 4));
  auto a = plan_at(snap);
  snapshot shuffled = snap;
  std::reverse(shuffled.nodes.begin(), shuffled.nodes.end());
  std::rotate(shuffled.jobs.begin(), shuffled.jobs.begin() + 5, shuffled.jobs.end());
  auto b = plan_at(shuffled);
  for (const auto& d : a.jobs) {
    EXPECT_EQ(d.workers, decision(b, d.name).workers) << d.name;
    EXPECT_EQ(d.reason, decision(b, d.name).reason) << d.name;
  }
}

TEST(planner_cooldown, waiting_job_in_cooldown_is_not_admitted) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(8)};
  snap.jobs = {make_job("a").cooldown_until(2000, 2)};
  const auto& d = decision(plan_at(snap, 1000), "a");
  EXPECT_EQ(d.stage, job_stage::waiting);
  EXPECT_FALSE(d.changed);
  EXPECT_EQ(d.reason, "in cooldown until 2026-11-28T10:33:20Z after 2 schedule failures");
}

TEST(planner_cooldown, admitted_once_cooldown_passed) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(8)};
  snap.jobs = {make_job("a").cooldown_until(2000, 1)};
  EXPECT_EQ(decision(plan_at(snap, 2000), "a").stage, job_stage::running);
}

TEST(planner_cooldown, job_in_cooldown_does_not_block_others) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(2)};
  snap.jobs = {make_job("first").size(2).submitted(0).cooldown_until(5000, 1),
               make_job("second").size(2).submitted(1)};
  EXPECT_EQ(decision(plan_at(snap), "second").stage, job_stage::running);
}

TEST(planner_rescale_interval, locked_job_does_not_grow) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(8)};
  snap.jobs = {make_job("a").min(1).max(4).running({"n0"}).resized(900)};
  auto p = legacy_plan_at(snap, 1000); // 100 s after the resize, interval 180 s
  const auto& d = decision(p, "a");
  EXPECT_EQ(d.size, 1);
  EXPECT_EQ(d.reason, "rescale interval: next resize allowed at 2026-11-28T10:18:00Z");
}

TEST(planner_rescale_interval, grows_once_interval_passed) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(8)};
  snap.jobs = {make_job("a").min(1).max(4).running({"n0"}).resized(900)};
  EXPECT_EQ(decision(legacy_plan_at(snap, 1080), "a").size, 4);
}

TEST(planner_rescale_interval, locked_job_keeps_size_against_equal_priority_newcomer) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("old").min(1).max(4).running(repeat("n0", 4)).resized(900),
               make_job("new").min(1).max(1).submitted(950)};
  auto p = legacy_plan_at(snap, 1000);
  EXPECT_EQ(decision(p, "old").size, 4);
  EXPECT_EQ(decision(p, "new").stage, job_stage::waiting);
}

TEST(planner_rescale_interval, admission_is_exempt) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("a").min(2).max(4).resized(990)}; // waiting, recently preempted
  EXPECT_EQ(decision(plan_at(snap, 1000), "a").size, 4);
}

TEST(planner_rescale_interval, locked_job_above_new_max_is_clamped) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(8)};
  snap.jobs = {make_job("a").min(1).max(2).running(repeat("n0", 4)).resized(990)};
  const auto& d = decision(plan_at(snap, 1000), "a");
  EXPECT_EQ(d.size, 2);
  EXPECT_EQ(d.removed, (std::vector<worker_placement>{{2, "n0"}, {3, "n0"}}));
}

TEST(planner_running, keeps_workers_and_grows_at_lowest_free_indices) {
  snapshot snap;
  snap.nodes = {make_node("a").gpus(2), make_node("b").gpus(8)};
  snap.jobs = {make_job("j").min(1).max(4).running({"a", "a"})};
  auto p = legacy_plan_at(snap);
  const auto& d = decision(p, "j");
  EXPECT_EQ(nodes_of(p, "j"), (strings{"a", "a", "b", "b"}));
  EXPECT_EQ(d.added, (std::vector<worker_placement>{{2, "b"}, {3, "b"}}));
  EXPECT_TRUE(d.removed.empty());
}

TEST(planner_running, worker_on_vanished_node_is_replaced_at_its_index) {
  snapshot snap;
  snap.nodes = {make_node("a").gpus(2), make_node("b").gpus(2)};
  snap.jobs = {make_job("j").size(3).running({"a", "gone", "a"})};
  auto p = plan_at(snap);
  const auto& d = decision(p, "j");
  EXPECT_EQ(nodes_of(p, "j"), (strings{"a", "b", "a"}));
  EXPECT_EQ(d.removed, (std::vector<worker_placement>{{1, "gone"}}));
  EXPECT_EQ(d.added, (std::vector<worker_placement>{{1, "b"}}));
  EXPECT_FALSE(d.changed);
}

// A node that becomes unschedulable or NotReady has its workers
// moved (or the job shrinks or waits), not left for the five-minute eviction.
TEST(planner_running, workers_move_off_a_cordoned_node) {
  snapshot snap;
  snap.nodes = {make_node("a").gpus(4).cordoned(), make_node("b").gpus(4)};
  snap.jobs = {make_job("j").min(1).max(3).running({"a", "a"})};
  auto p = plan_at(snap);
  EXPECT_EQ(nodes_of(p, "j"), (strings{"b", "b", "b"}));
}

TEST(planner_running, workers_move_off_a_not_ready_node_keeping_the_healthy_ones) {
  snapshot snap;
  snap.nodes = {make_node("a").gpus(2).not_ready(), make_node("b").gpus(2), make_node("c").gpus(2)};
  snap.jobs = {make_job("j").size(3).running({"a", "b", "b"})};
  auto p = plan_at(snap);
  const auto& d = decision(p, "j");
  EXPECT_EQ(nodes_of(p, "j"), (strings{"c", "b", "b"}));
  EXPECT_EQ(d.removed, (std::vector<worker_placement>{{0, "a"}}));
  EXPECT_EQ(d.added, (std::vector<worker_placement>{{0, "c"}}));
}

TEST(planner_running, job_waits_when_a_lost_node_leaves_too_little_room) {
  snapshot snap;
  snap.nodes = {make_node("a").gpus(2).not_ready(), make_node("b").gpus(1)};
  snap.jobs = {make_job("j").size(3).running({"a", "a", "b"})};
  auto p = plan_at(snap);
  EXPECT_EQ(decision(p, "j").stage, job_stage::waiting);
}

// An operator restarted mid-resize finds a job whose worker 0 is gone and
// whose top workers still run, the capacity of worker 0 taken by a
// higher-priority job: the job refills index 0 from its own top instead of
// losing minSize and starting over.
TEST(planner_running, hole_at_a_low_index_is_filled_from_the_jobs_own_top) {
  for (bool locked : {false, true}) {
    SCOPED_TRACE(locked ? "within the rescale interval" : "unlocked");
    snapshot snap;
    snap.nodes = gpu_nodes("g", 4, 8);
    auto grow = make_job("grow").min(1).max(4).gpus(8).submitted(0).running_workers(
        {{1, "g1"}, {2, "g2"}, {3, "g3"}});
    if (locked)
      grow.resized(998);
    snap.jobs = {grow,
                 make_job("urgent").size(2).gpus(8).priority(5).submitted(500).running_workers({{1, "g3"}})};
    auto p = plan_at(snap, 1000);
    const auto& d = decision(p, "grow");
    EXPECT_EQ(d.stage, job_stage::running);
    EXPECT_FALSE(d.preempted);
    EXPECT_EQ(nodes_of(p, "grow"), (strings{"g2", "g1"}));
    EXPECT_EQ(d.removed, (std::vector<worker_placement>{{2, "g2"}, {3, "g3"}}));
    EXPECT_EQ(nodes_of(p, "urgent"), (strings{"g0", "g3"}));
  }
}

TEST(planner_invalid, bad_spec_is_reported_and_left_alone) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("bad").min(3).max(2).running(repeat("n0", 3)), make_job("neg").gpus(-1),
               make_job("ok").min(1).max(4)};
  auto p = plan_at(snap);
  EXPECT_TRUE(decision(p, "bad").invalid);
  EXPECT_EQ(decision(p, "bad").reason, "invalid: maxSize 2 is below minSize 3");
  EXPECT_EQ(decision(p, "bad").size, 3);
  EXPECT_EQ(decision(p, "neg").reason, "invalid: worker request nvidia.com/gpu is negative (-1)");
  EXPECT_EQ(decision(p, "ok").size, 1); // the bad job's workers keep their GPUs
}

TEST(planner_invalid, negative_request_never_frees_capacity) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("neg").gpus(-2).running({"n0"}), make_job("ok").min(1).max(8)};
  auto p = plan_at(snap);
  EXPECT_TRUE(decision(p, "neg").invalid);
  EXPECT_EQ(decision(p, "ok").size, 4);
}

TEST(planner_invalid, duplicate_job_key_is_invalid) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("a").size(1), make_job("a").size(2)};
  auto p = plan_at(snap);
  EXPECT_FALSE(p.jobs[0].invalid);
  EXPECT_TRUE(p.jobs[1].invalid);
  EXPECT_EQ(p.jobs[1].reason, "invalid: another job in the snapshot has the same namespace/name");
  EXPECT_EQ(p.queue, (std::vector<std::size_t>{0, 1}));
}

TEST(planner_invalid, duplicate_and_bad_nodes_are_warned_about) {
  snapshot snap;
  snap.nodes = {make_node("n0").gpus(4), make_node("n0").gpus(8), make_node("neg").gpus(-2)};
  snap.jobs = {make_job("a").min(1).max(8)};
  auto p = plan_at(snap);
  EXPECT_EQ(p.warnings.size(), 2u);
  EXPECT_EQ(decision(p, "a").size, 4);
}

TEST(planner_reason, waiting_job_says_what_it_needs) {
  snapshot snap;
  snap.nodes = {make_node("a0").gpus(8).label("node-group", "a"),
                make_node("a1").gpus(8).label("node-group", "a"),
                make_node("b0").gpus(8).label("node-group", "b")};
  snap.jobs = {make_job("big").size(4).gpus(8).selector("node-group", "a")};
  EXPECT_EQ(
      decision(plan_at(snap), "big").reason,
      "can never be placed on this cluster: the 2 matching nodes hold at most 2 of its minSize 4; needs 4 x "
      "{nvidia.com/gpu: 8} on nodes matching node-group=a; largest placement possible now: 2");
}

TEST(planner_reason, waiting_job_that_fits_once_others_finish_does_not_say_never) {
  snapshot snap;
  snap.nodes = {make_node("a0").gpus(8)};
  snap.jobs = {make_job("first").size(1).gpus(8).submitted(1).running({"a0"}),
               make_job("second").size(1).gpus(8).submitted(2)};
  EXPECT_EQ(
      decision(plan_at(snap), "second").reason,
      "needs 1 x {nvidia.com/gpu: 8} on any schedulable node; largest placement possible now: 0; head of the "
      "queue: 1 node reserved for it");
}

TEST(planner_reason, selector_no_node_matches_says_why) {
  snapshot snap;
  snap.nodes = {make_node("a0").gpus(8).label("node-group", "a")};
  snap.jobs = {make_job("lost").size(1).selector("node-group", "nowhere")};
  const auto reason = decision(plan_at(snap), "lost").reason;
  EXPECT_EQ(
      reason.rfind("can never be placed on this cluster: no node matches its placement constraints; ", 0), 0u)
      << reason;
}

TEST(planner_reason, worker_larger_than_any_node_says_why) {
  snapshot snap;
  snap.nodes = {make_node("a0").gpus(8), make_node("a1").gpus(8)};
  snap.jobs = {make_job("huge").size(1).gpus(16)};
  const auto reason = decision(plan_at(snap), "huge").reason;
  EXPECT_EQ(reason.rfind(
                "can never be placed on this cluster: one worker asks more than any of the 2 matching nodes "
                "can hold; ",
                0),
            0u)
      << reason;
}

TEST(planner_reason, below_max_says_why) {
  snapshot snap;
  snap.nodes = {make_node("a").gpus(2).cpu_millis(64000)};
  snap.jobs = {make_job("j").min(1).max(4).cpu_millis(4000)};
  EXPECT_EQ(decision(plan_at(snap), "j").reason,
            "below maxSize 4: no room now for 2 more x {cpu: 4, nvidia.com/gpu: 1} on any schedulable node");
}

} // namespace
} // namespace lattice::scheduling::testing
