#include "plugin/queue_analysis.hpp"
#include "plugin/simulation.hpp"
#include "scheduling/builders.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lattice::plugin {
namespace {

using namespace scheduling::testing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const scheduling::planner_config cfg{};

std::vector<job_row> rows_of(const scheduling::snapshot& snap, int64_t now = 1000,
                             const deadlines& ends = {}) {
  auto p = scheduling::make_plan(snap, cfg, at(now));
  return analyse_queue(snap, p, cfg, at(now), ends);
}

const job_row& row(const std::vector<job_row>& rows, const std::string& name) {
  for (const auto& r : rows)
    if (r.name == name)
      return r;
  throw std::runtime_error("no row " + name);
}

TEST(QueueAnalysis, RowsFollowPlannerOrderWithSizesAndGpus) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("a0").gpus(4).label("node-group", "a"),
                make_node("a1").gpus(4).label("node-group", "a")};
  snap.jobs = {make_job("low").submitted(10).min(1).max(2).gpus(2).running({"a0"}),
               make_job("big").priority(5).submitted(20).size(3).gpus(2).running({"a0", "a1", "a1"}),
               make_job("late").priority(5).submitted(30).size(1).gpus(2)};
  auto rows = rows_of(snap);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].name, "big");
  EXPECT_EQ(rows[1].name, "late");
  EXPECT_EQ(rows[2].name, "low");
  EXPECT_EQ(rows[2].position, 3);
  const auto& low = row(rows, "low");
  EXPECT_EQ(low.gpus_held, 2);
  EXPECT_EQ(low.current_size, 1);
  EXPECT_EQ(low.stage, "Running");
  // late (priority 5) takes low's two GPUs: low is preempted, late admitted.
  EXPECT_EQ(row(rows, "late").planned_stage, "Running");
  EXPECT_EQ(low.planned_stage, "Waiting");
  EXPECT_THAT(low.reason, HasSubstr("preempted to make room for default/late"));
  // Among the waiting jobs (status.queuePosition): low is the only one.
  EXPECT_EQ(low.waiting_position, 1);
  EXPECT_EQ(row(rows, "late").waiting_position, 0);
  EXPECT_EQ(row(rows, "big").waiting_position, 0);
}

TEST(QueueAnalysis, ShortfallAndThePriorityThatWouldAdmitIt) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("a0").gpus(4).label("node-group", "a"),
                make_node("a1").gpus(4).label("node-group", "a"),
                make_node("b0").gpus(8).label("node-group", "b")};
  snap.jobs = {make_job("holder")
                   .priority(2)
                   .submitted(0)
                   .size(2)
                   .gpus(4)
                   .selector("node-group", "a")
                   .running({"a0", "a1"}),
               make_job("wants").priority(0).submitted(10).size(3).gpus(2).selector("node-group", "a")};
  auto rows = rows_of(snap);
  const auto& r = row(rows, "wants");
  EXPECT_EQ(r.planned_stage, "Waiting");
  EXPECT_EQ(r.gpus_wanted, 6);
  EXPECT_THAT(
      r.to_change,
      ElementsAre(
          "needs 6 more nvidia.com/gpu on nodes matching node-group=a (0 of 8 free there, minSize 3 x 2 "
          "wanted)",
          "8 nvidia.com/gpu there are held by jobs of priority >= 0, which it cannot preempt",
          "at priority >= 3 it would be admitted now, preempting default/holder"));
}

TEST(QueueAnalysis, CordonedNodesAreNamedAndCheckedWithThePlanner) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("a0").gpus(8).label("node-group", "a"),
                make_node("b0")
                    .gpus(8)
                    .label("node-group", "b")
                    .cordoned()
                    .taint("node.kubernetes.io/unschedulable", "", scheduling::taint_effect::no_schedule)};
  snap.jobs = {make_job("onb").submitted(0).size(2).gpus(2).selector("node-group", "b")};
  auto r = row(rows_of(snap), "onb");
  EXPECT_THAT(r.to_change, ElementsAre("no Ready, schedulable node among nodes matching node-group=b: b0 "
                                       "(cordoned) takes no new workers",
                                       "it would be admitted now if b0 (cordoned) took workers again"));
}

TEST(QueueAnalysis, ASmallerMinimumThatWouldFitIsFound) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("wide").submitted(0).size(6).gpus(1)};
  auto r = row(rows_of(snap), "wide");
  EXPECT_THAT(r.to_change.back(), "with minSize 4 it would be admitted now");
  EXPECT_THAT(r.to_change.front(),
              HasSubstr("needs 2 more nvidia.com/gpu on any schedulable node (4 of 4 free there"));
}

TEST(QueueAnalysis, CooldownIsTheOnlyObstacleAndGivesTheEstimate) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("cool").submitted(0).size(2).gpus(1).cooldown_until(1300, 2)};
  auto r = row(rows_of(snap), "cool");
  EXPECT_EQ(r.planned_stage, "Waiting");
  EXPECT_THAT(r.to_change, ElementsAre("its cooldown must end (at 2026-11-28T10:21:40Z)",
                                       "then it is admitted if nothing else changes"));
  ASSERT_TRUE(r.estimate.at);
  EXPECT_EQ(*r.estimate.at, at(1300));
  EXPECT_EQ(r.estimate.basis, "when its cooldown ends");
}

TEST(QueueAnalysis, EstimateFromRunningJobsDeadlines) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("first").submitted(0).size(2).gpus(1).running({"n0", "n0"}),
               make_job("second").submitted(1).size(2).gpus(1).running({"n0", "n0"}),
               make_job("next").submitted(5).size(2).gpus(1), make_job("after").submitted(6).size(1).gpus(1)};
  deadlines ends{{"default/second", at(4000)}, {"default/first", at(9000)}};
  auto rows = rows_of(snap, 1000, ends);
  const auto& next = row(rows, "next");
  ASSERT_TRUE(next.estimate.at);
  EXPECT_EQ(*next.estimate.at, at(4000));
  EXPECT_EQ(next.estimate.basis, "at the latest, once default/second reaches activeDeadlineSeconds");
  // A job behind a waiting one gets no figure: the one ahead goes first.
  const auto& after = row(rows, "after");
  EXPECT_FALSE(after.estimate.at);
  EXPECT_EQ(after.estimate.basis, "unknown: default/next waits ahead of it");
  EXPECT_EQ(row(rows, "first").estimate.basis, "admitted now");
}

TEST(QueueAnalysis, NoDeadlineMeansUnknown) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("n0").gpus(2)};
  snap.jobs = {make_job("run").submitted(0).size(2).gpus(1).running({"n0", "n0"}),
               make_job("wait").submitted(5).size(2).gpus(1)};
  auto r = row(rows_of(snap), "wait");
  EXPECT_FALSE(r.estimate.at);
  EXPECT_EQ(r.estimate.basis, "unknown: no running job has an activeDeadlineSeconds");
}

TEST(QueueAnalysis, OnlyTheJobsInScopeAndAtMostTheLimitAreAnalysed) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("n0").gpus(1)};
  snap.jobs = {make_job("run").submitted(0).size(1).gpus(1).running({"n0"}),
               make_job("w1").submitted(1).size(1), make_job("w2").submitted(2).size(1),
               make_job("w3").ns("other").submitted(3).size(1)};
  auto p = scheduling::make_plan(snap, cfg, at(1000));
  analysis_scope scope;
  scope.wanted = [](const scheduling::job_info& j) { return j.namespace_ == "default"; };
  scope.limit = 1; // rows with nothing to analyse (run is at maxSize) do not count
  auto rows = analyse_queue(snap, p, cfg, at(1000), {}, scope);
  EXPECT_EQ(row(rows, "run").estimate.basis, "admitted now");
  EXPECT_FALSE(row(rows, "w1").to_change.empty());
  EXPECT_TRUE(row(rows, "w2").to_change.empty());
  EXPECT_EQ(row(rows, "w2").estimate.basis,
            "not analysed (at most 1 jobs per listing): ask kubectl lattice why w2");
  EXPECT_EQ(row(rows, "w3").estimate.basis, "not analysed");
}

TEST(Simulate, AdmittedByShrinkingALowerPriorityJob) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("n0").gpus(4), make_node("n1").gpus(4)};
  snap.jobs = {make_job("elastic").submitted(0).min(2).max(8).gpus(1).resized(0).running(
      {"n0", "n0", "n0", "n0", "n1", "n1", "n1", "n1"})};
  auto r = simulate(snap, make_job("new").priority(3).submitted(1000).size(4).gpus(1), cfg, at(1000), {});
  EXPECT_TRUE(r.admitted);
  EXPECT_EQ(r.size, 4);
  ASSERT_EQ(r.workers.size(), 4u);
  ASSERT_EQ(r.affected.size(), 1u);
  EXPECT_EQ(r.affected[0].key, "default/elastic");
  EXPECT_EQ(r.affected[0].size_before, 8);
  EXPECT_EQ(r.affected[0].size_after, 4);
  EXPECT_FALSE(r.affected[0].preempted);
  EXPECT_EQ(r.queue_position, 1);
  EXPECT_EQ(r.waiting_position, 0);
}

TEST(Simulate, WaitsBehindEqualPriorityAndReplacesASameNamedJob) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("n0").gpus(2)};
  snap.jobs = {make_job("run").submitted(0).size(2).gpus(1).running({"n0", "n0"}),
               make_job("queued").submitted(5).size(2).gpus(1), make_job("new").submitted(6).size(9).gpus(1)};
  auto r = simulate(snap, make_job("new").submitted(1000).size(1).gpus(1), cfg, at(1000), {});
  EXPECT_TRUE(r.replaced_existing);
  EXPECT_FALSE(r.admitted);
  EXPECT_EQ(r.queue_position, 3);
  EXPECT_EQ(r.waiting_position, 2);
  EXPECT_TRUE(r.affected.empty());
  EXPECT_EQ(r.estimate.basis, "unknown: default/queued waits ahead of it");
}

} // namespace
} // namespace lattice::plugin
