#include "lifecycle/conditions.hpp"
#include "lifecycle/status_fields.hpp"
#include "scheduling/builders.hpp"

#include <gtest/gtest.h>

#include <string>

// status.reason is one word for the planner's text (explain_status). The
// texts come from scheduling/reason.cpp: these cases take them from the real
// planner, so a reworded text that no longer maps to its word fails here.

namespace lattice::lifecycle {
namespace {

using namespace scheduling::testing;

/// status.reason of a job the plan leaves waiting with `planner` as its reason.
std::string waiting_reason(const std::string& planner) {
  job_status s;
  s.stage = stage::waiting;
  set_condition(s.exec, {condition_type::queued, k8s::condition_status::true_, "Waiting", planner},
                "2026-11-28T09:00:00Z", 1);
  explanation_input in;
  in.planner_reason = planner;
  explain_status(s, in);
  return s.reason;
}

/// status.reason of a job running `size` workers below `max_size`.
std::string below_max_reason(const std::string& planner, std::int32_t size, std::int32_t max_size) {
  job_status s;
  s.stage = stage::running;
  s.current_size = size;
  explanation_input in;
  in.max_size = max_size;
  in.planner_reason = planner;
  explain_status(s, in);
  return s.reason;
}

TEST(status_reason_from_the_planner, a_job_that_does_not_fit_needs_resources) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("big").size(8).gpus(1)};
  const auto d = decision(plan_at(snap), "big");
  ASSERT_EQ(d.stage, scheduling::job_stage::waiting);
  EXPECT_EQ(waiting_reason(d.reason), "InsufficientResources") << d.reason;
}

TEST(status_reason_from_the_planner, a_job_in_cooldown_says_so) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("cool").size(1).gpus(1).cooldown_until(2000, 1)};
  const auto d = decision(plan_at(snap, 1000), "cool");
  ASSERT_EQ(d.stage, scheduling::job_stage::waiting);
  EXPECT_EQ(waiting_reason(d.reason), "Cooldown") << d.reason;
}

TEST(status_reason_from_the_planner, below_max_size_for_want_of_room) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("n0").gpus(4)};
  snap.jobs = {make_job("elastic").min(1).max(8).gpus(1)};
  const auto d = decision(plan_at(snap), "elastic");
  ASSERT_EQ(d.stage, scheduling::job_stage::running);
  ASSERT_LT(d.size, 8);
  EXPECT_EQ(below_max_reason(d.reason, d.size, 8), "InsufficientResources") << d.reason;
}

TEST(status_reason_from_the_planner, below_max_size_within_the_rescale_interval) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("n0").gpus(8)};
  snap.jobs = {make_job("elastic").min(1).max(4).gpus(1).running({"n0"}).resized(990)};
  const auto d = decision(plan_at(snap, 1000), "elastic");
  ASSERT_EQ(d.size, 1) << d.reason;
  EXPECT_EQ(below_max_reason(d.reason, d.size, 4), "RescaleInterval") << d.reason;
}

TEST(status_reason_from_the_planner, at_max_size_on_gpus_lent_by_the_heads_nodes) {
  // "big" waits for two whole nodes; "elastic" behind it starts on n2 and
  // borrows what the reserved n0 and n1 hold free, up to its maxSize.
  scheduling::snapshot snap;
  snap.nodes = gpu_nodes("n", 3, 4);
  snap.jobs = {make_job("r0").size(1).submitted(0).running({"n0"}).resized(0),
               make_job("r1").size(1).submitted(0).running({"n1"}).resized(0),
               make_job("big").size(2).gpus(4).submitted(100), make_job("elastic").max(10).submitted(200)};
  const auto d = decision(plan_at(snap, 1000), "elastic");
  ASSERT_EQ(d.size, 10) << d.reason;
  EXPECT_EQ(below_max_reason(d.reason, d.size, 10), "LentCapacity") << d.reason;
}

} // namespace
} // namespace lattice::lifecycle
