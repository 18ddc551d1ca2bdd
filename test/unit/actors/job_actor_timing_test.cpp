#include "job_actor_fixture.hpp"
#include "observability/metrics.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

// The job actor's latency figures: decision → every worker it places
// created (lattice_apply_to_created_seconds) and queued → admitted
// (lattice_admission_wait_seconds).

namespace lattice::actors {
namespace {

struct histogram_figures {
  std::uint64_t count = 0;
  double sum = 0;
};

histogram_figures figures(prometheus::Histogram& h) {
  const auto m = h.Collect().histogram;
  return {m.sample_count, m.sample_sum};
}

class JobTimingTest : public test::job_actor_test {
protected:
  std::shared_ptr<observability::metrics> metrics_ = std::make_shared<observability::metrics>();
  std::shared_ptr<test::held_writes> held_ = std::make_shared<test::held_writes>();
  caf::actor holding_;

  /// The job actor with metrics; its gateway holds pod creates until
  /// answer_create().
  void start_holding_creates() {
    held_->held_verb = api_verb::create_pod;
    holding_ = keep(sys_.spawn(test::holding_gateway, held_));
    auto s = settings();
    s.metrics = metrics_;
    s.writes = caf::actor_cast<protocol::gateway_actor>(holding_);
    job_ = keep(spawn_job_actor(sys_, s, "lattice", "resnet", true));
    run();
  }

  void start_with_metrics() {
    auto s = settings();
    s.metrics = metrics_;
    job_ = keep(spawn_job_actor(sys_, s, "lattice", "resnet", true));
    run();
  }

  void answer_create() {
    caf::anon_send(holding_, protocol::api_result{true, 201, ""});
    run();
  }

  histogram_figures created() { return figures(metrics_->apply_to_created_latency()); }
  histogram_figures admission_wait() { return figures(metrics_->admission_wait()); }
};

TEST_F(JobTimingTest, CreatesAreTimedFromTheDecisionToTheLastAnswer) {
  start_holding_creates();
  observe(test::make_job());
  decide_running({{0, "node-a"}, {1, "node-b"}});
  ASSERT_EQ(held_->waiting.size(), 2u);

  wait(300ms);
  answer_create();
  EXPECT_EQ(created().count, 0u) << "one of the two workers is not created yet";
  wait(200ms);
  answer_create();
  EXPECT_EQ(created().count, 1u);
  EXPECT_NEAR(created().sum, 0.5, 1e-6);
}

TEST_F(JobTimingTest, APodTheWatchShowsBeforeItsAnswerCountsAsCreated) {
  start_holding_creates();
  observe(test::make_job());
  decide_running({{0, "node-a"}});
  wait(150ms);
  // The watch reports the pod from `held_`'s record of the create.
  const auto create = std::find_if(held_->calls.begin(), held_->calls.end(), [](const protocol::api_call& c) {
    return c.verb == api_verb::create_pod;
  });
  ASSERT_NE(create, held_->calls.end());
  auto pod = test::pod_from(*create, pod_phase::pending);
  send(protocol::pod_observed{pod});
  EXPECT_EQ(created().count, 1u);
  EXPECT_NEAR(created().sum, 0.15, 1e-6);
  answer_create();
  EXPECT_EQ(created().count, 1u) << "timed once";
}

TEST_F(JobTimingTest, ARestartAtANewSizeIsTimedUntilTheNewWorkersAreCreated) {
  start_with_metrics();
  observe(test::make_job());
  decide_running({{0, "node-a"}, {1, "node-b"}});
  materialize(pod_phase::running);
  ASSERT_EQ(created().count, 1u);
  elapse(5min);
  // Plain workers restart: the new worker 0 is created once the old ones are gone.
  decide_running({{0, "node-a"}}, "making room for lattice/bert");
  wait(2s);
  EXPECT_EQ(created().count, 1u) << "the old worker 0 is still there, terminating";
  remove_pod("resnet-worker-0");
  remove_pod("resnet-worker-1");
  EXPECT_EQ(created().count, 2u);
  EXPECT_NEAR(created().sum, 2.0, 1e-6);
}

TEST_F(JobTimingTest, ADecisionThatCreatesNoPodIsNotTimed) {
  start_with_metrics();
  observe(test::make_job([](json::object& o) { o["spec"].as_object()["injectLattice"] = true; }));
  decide_running({{0, "node-a"}, {1, "node-b"}});
  materialize(pod_phase::running);
  ASSERT_EQ(created().count, 1u);
  elapse(5min);
  decide_running({{0, "node-a"}}, "making room for lattice/bert"); // injected workers keep their pods
  remove_pod("resnet-worker-1");
  EXPECT_EQ(created().count, 1u);
}

TEST_F(JobTimingTest, AdmissionWaitRunsFromFirstSeenAndAgainFromPreemption) {
  start_with_metrics();
  observe(test::make_job());
  elapse(5s);
  decide_running({{0, "node-a"}});
  EXPECT_EQ(admission_wait().count, 1u);
  EXPECT_NEAR(admission_wait().sum, 5.0, 1e-6);

  elapse(1min);
  decide_waiting("lattice/bert");
  elapse(3s);
  decide_running({{0, "node-b"}});
  EXPECT_EQ(admission_wait().count, 2u);
  EXPECT_NEAR(admission_wait().sum, 8.0, 1e-6) << "the minute it ran is not waiting";
}

TEST_F(JobTimingTest, TimeSuspendedIsNotAdmissionWait) {
  start_with_metrics();
  observe(test::make_job());
  elapse(4s);
  observe(test::make_job([](json::object& o) { test::run_policy(o)["suspend"] = true; }));
  elapse(10s);
  observe(test::make_job());
  elapse(2s);
  decide_running({{0, "node-a"}});
  EXPECT_EQ(admission_wait().count, 1u);
  EXPECT_NEAR(admission_wait().sum, 2.0, 1e-6);
}

} // namespace
} // namespace lattice::actors
