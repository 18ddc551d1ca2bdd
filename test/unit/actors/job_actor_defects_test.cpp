#include "job_actor_fixture.hpp"
#include "observability/metrics.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>

// The job actor across incarnations, leadership and long names: timers,
// gauges and Event names that must hold whatever happened before.

namespace lattice::actors {
namespace {

class JobActorEdgesTest : public test::job_actor_test {
protected:
  std::shared_ptr<observability::metrics> metrics_ = std::make_shared<observability::metrics>();

  void start_with_metrics(bool leader = true) {
    auto s = settings();
    s.metrics = metrics_;
    job_ = keep(spawn_job_actor(sys_, s, "lattice", "resnet", leader));
    run();
  }

  double jobs_in(const std::string& stage) { return metrics_->job_stage("lattice", stage).Value(); }

  /// The pods a decision created run, then succeed: the job completes.
  void run_to_completion() {
    decide_running({{0, "node-a"}});
    materialize(pod_phase::running);
    set_phase("resnet-worker-0", pod_phase::succeeded);
  }
};

TEST_F(JobActorEdgesTest, AJobCreatedAgainUnderTheSameNameIsNotDeletedByTheOldOnesTtl) {
  const auto ttl = [](json::object& o) { test::run_policy(o)["ttlSecondsAfterFinished"] = 600; };
  start();
  observe(test::make_job(ttl));
  run_to_completion(); // the old incarnation's TTL fires in 600s
  elapse(20s);
  // Deleted and created again: a new uid, the same name; it completes too.
  pods_.clear();
  observe(test::make_job([&](json::object& o) {
    ttl(o);
    o["metadata"].as_object()["uid"] = "job-uid-2";
  }));
  run_to_completion(); // the new incarnation's TTL fires 620s after the first
  elapse(590s);
  EXPECT_TRUE(calls(api_verb::delete_job).empty()) << "the old incarnation's TTL timer deleted the new job";
  elapse(20s);
  ASSERT_EQ(calls(api_verb::delete_job).size(), 1u);
  EXPECT_EQ(calls(api_verb::delete_job)[0].uid, "job-uid-2");
}

TEST_F(JobActorEdgesTest, TheStageGaugeMovesAJobCreatedAgainInsteadOfCountingItTwice) {
  start_with_metrics();
  observe(test::make_job());
  decide_running({{0, "node-a"}});
  ASSERT_EQ(jobs_in("Running"), 1);
  observe(test::make_job([](json::object& o) { o["metadata"].as_object()["uid"] = "job-uid-2"; }));
  EXPECT_EQ(jobs_in("Running"), 0) << "the old incarnation is gone";
  EXPECT_EQ(jobs_in("Waiting"), 1) << "the new one waits";
}

TEST_F(JobActorEdgesTest, AReplicaThatStopsLeadingStopsCountingItsJobs) {
  start_with_metrics();
  observe(test::make_job());
  decide_running({{0, "node-a"}});
  ASSERT_EQ(jobs_in("Running"), 1);
  send(protocol::set_leader{false});
  EXPECT_EQ(jobs_in("Running"), 0) << "the new leader counts the job now";
  send(protocol::set_leader{true});
  EXPECT_EQ(jobs_in("Running"), 1);
  send(protocol::job_removed{"lattice", "resnet"});
  EXPECT_EQ(jobs_in("Running"), 0);
}

TEST_F(JobActorEdgesTest, StatusChangesDoNotPileUpDeadlineTimers) {
  start();
  observe(test::make_job([](json::object& o) { test::run_policy(o)["activeDeadlineSeconds"] = 86400; }));
  decide_running({{0, "node-a"}, {1, "node-b"}});
  materialize(pod_phase::running);
  elapse(1s);
  const auto armed = sched_.clock().schedule().size();
  for (int i = 0; i < 25; ++i) {
    set_phase("resnet-worker-1", pod_phase::pending); // each flip changes the status
    set_phase("resnet-worker-1", pod_phase::running);
  }
  EXPECT_LE(sched_.clock().schedule().size(), armed + 3)
      << "one deadline timer for the job's one deadline, not one per status change";
}

TEST_F(JobActorEdgesTest, EventNamesAreValidForTheLongestJobName) {
  const std::string name(253, 'a');
  job_ = keep(spawn_job_actor(sys_, settings(), "lattice", name, true));
  run();
  observe(test::make_job([&](json::object& o) { o["metadata"].as_object()["name"] = name; }));
  send(protocol::job_decision{
      lattice::test::make_decision({{0, "node-a"}}).name(name).all_added().changed().build()});
  const std::regex subdomain("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  const auto events = calls(api_verb::create_event);
  ASSERT_FALSE(events.empty()) << "admitted";
  for (const auto& e : events) {
    EXPECT_LE(e.name.size(), 253u) << e.name;
    EXPECT_TRUE(std::regex_match(e.name, subdomain)) << e.name;
    EXPECT_EQ(test::body_of(e).at("metadata").at("name").as_string(), e.name);
  }
}

} // namespace
} // namespace lattice::actors
