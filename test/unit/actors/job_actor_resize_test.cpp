#include "job_actor_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

// The job actor, part 4: resizes (plain workers restart at the new size,
// injected ones keep their pods) and runPolicy.suspend.

namespace lattice::actors {
namespace {

class JobActorResizeTest : public test::job_actor_test {};

std::string world_size_of(const protocol::api_call& create) {
  return std::string(
      test::body_of(create).at("metadata").at("annotations").at("breezeml.ai/world-size").as_string());
}

TEST_F(JobActorResizeTest, PlainWorkersRestartAtTheNewSize) {
  run_two_workers(test::make_job());
  elapse(5min);
  decide_running({{0, "node-a"}}, "making room for lattice/bert");

  ASSERT_EQ(event_reasons(), (std::vector<std::string>{"Admitted", "Scaled"}));
  auto s = last_status();
  EXPECT_EQ(s.at("currentSize").to_number<std::int64_t>(), 1);
  std::string reason;
  EXPECT_EQ(condition(s, "Restarting", &reason), "True");
  EXPECT_EQ(reason, "Resized");
  EXPECT_EQ(text(last_annotations(), "breezeml.ai/last-resize-time"), "2026-11-28T10:05:00Z");
  // Worker 1 is beyond the size; worker 0's WORLD_SIZE is 2: both go.
  EXPECT_EQ(names(api_verb::delete_pod), (std::vector<std::string>{"resnet-worker-0", "resnet-worker-1"}));
  EXPECT_EQ(calls(api_verb::create_pod).size(), 2u) << "not before the old worker 0 is gone";

  remove_pod("resnet-worker-0");
  remove_pod("resnet-worker-1");
  const auto creates = calls(api_verb::create_pod);
  ASSERT_EQ(creates.size(), 3u);
  EXPECT_EQ(creates.back().name, "resnet-worker-0");
  EXPECT_EQ(world_size_of(creates.back()), "1");
  materialize(pod_phase::running);
  s = last_status();
  EXPECT_EQ(condition(s, "Running", &reason), "True");
  EXPECT_EQ(reason, "AllWorkersRunning");
  EXPECT_EQ(condition(s, "Restarting"), "False");
}

TEST_F(JobActorResizeTest, InjectedWorkersKeepTheirPodsWhenTheJobGrows) {
  start();
  observe(test::make_job([](json::object& o) { o["spec"].as_object()["injectLattice"] = true; }));
  decide_running({{0, "node-a"}});
  EXPECT_EQ(names(api_verb::create_pod), (std::vector<std::string>{"resnet-worker-0", "resnet-rendezvous"}));
  EXPECT_EQ(names(api_verb::create_service),
            (std::vector<std::string>{"resnet-workers", "resnet-rendezvous"}));
  materialize(pod_phase::running);
  elapse(5min);

  decide_running({{0, "node-a"}, {1, "node-b"}});
  EXPECT_EQ(event_reasons(), (std::vector<std::string>{"Admitted", "Scaled"}));
  EXPECT_TRUE(calls(api_verb::delete_pod).empty()) << "the agent re-forms the group in place";
  const auto creates = calls(api_verb::create_pod);
  ASSERT_EQ(creates.size(), 3u);
  EXPECT_EQ(creates.back().name, "resnet-worker-1");
  EXPECT_EQ(world_size_of(creates.back()), "2");
  EXPECT_EQ(condition(last_status(), "Restarting"), "") << "no restart for injected jobs";
  EXPECT_EQ(calls(api_verb::create_service).size(), 2u) << "Services are created once";
}

TEST_F(JobActorResizeTest, SuspendStopsTheWorkersAndLeavesTheQueue) {
  run_two_workers(test::make_job());
  ASSERT_TRUE(inbox_->jobs_gone.empty());
  observe(test::make_job([](json::object& o) {
    test::run_policy(o)["suspend"] = true;
    o["metadata"].as_object()["generation"] = 2;
  }));
  const auto s = last_status();
  EXPECT_EQ(text(s, "stage"), "Waiting");
  EXPECT_EQ(s.at("currentSize").to_number<std::int64_t>(), 0);
  EXPECT_EQ(condition(s, "Suspended"), "True");
  EXPECT_EQ(condition(s, "Running"), "False");
  EXPECT_EQ(names(api_verb::delete_pod), (std::vector<std::string>{"resnet-worker-0", "resnet-worker-1"}));
  ASSERT_EQ(inbox_->jobs_gone.size(), 1u) << "a suspended job is not queued";

  decide_running({{0, "node-a"}, {1, "node-b"}});
  EXPECT_EQ(calls(api_verb::create_pod).size(), 2u) << "decisions are ignored while suspended";
}

} // namespace
} // namespace lattice::actors
