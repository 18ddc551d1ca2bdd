#include "job_actor_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

// The job actor, part 3: the timers of a running job (activeDeadlineSeconds,
// rule 5's requeue) when the actor starts from a status a previous leader or
// process wrote: the timers that leader armed died with it.

namespace lattice::actors {
namespace {

class JobActorRestartTest : public test::job_actor_test {
protected:
  /// Running at size 2 since 09:30, exactly as this operator writes it, so a
  /// new actor's first pass finds nothing to change.
  static k8s::training_job running_job(const std::string& extra_status = "",
                                       const std::function<void(json::object&)>& edit = {}) {
    return test::make_job([&](json::object& o) {
      o["status"] = json::parse(R"({
        "stage": "Running", "currentSize": 2, "submitTime": "2026-11-28T09:00:00Z",
        "queuedTime": "2026-11-28T09:00:00Z", "lastExecTime": "2026-11-28T09:30:00Z",)"
                                + extra_status + R"(
        "execStatus": {"startTime": "2026-11-28T09:30:00Z", "replicaStatuses": {"Worker": {"active": 2}},
          "conditions": [
            {"type": "Created", "status": "True", "reason": "TrainingJobCreated",
             "message": "the operator accepted the TrainingJob", "observedGeneration": 1,
             "lastUpdateTime": "2026-11-28T09:00:00Z", "lastTransitionTime": "2026-11-28T09:00:00Z"},
            {"type": "Running", "status": "True", "reason": "Admitted", "message": "admitted",
             "observedGeneration": 1, "lastUpdateTime": "2026-11-28T09:30:00Z",
             "lastTransitionTime": "2026-11-28T09:30:00Z"}]}})");
      if (edit)
        edit(o);
    });
  }

  /// The stage the actor intends (a restarted actor may have nothing to patch).
  std::string intended_stage() { return text(inspect().at("intendedStatus").as_object(), "stage"); }

  /// A restarted operator: the actor (leader from the start) gets the pods,
  /// then the job, then the autoscaler's decision keeping the placement.
  void restart_with(const k8s::training_job& job, pod_phase second_worker) {
    start();
    send(protocol::pod_observed{existing_worker(job, 0, 2, "node-a", pod_phase::running)});
    send(protocol::pod_observed{existing_worker(job, 1, 2, "node-b", second_worker)});
    observe(job);
    send(protocol::job_decision{
        lattice::test::make_decision({{0, "node-a"}, {1, "node-b"}}).reason("at maxSize").build()});
  }
};

TEST_F(JobActorRestartTest, ActiveDeadlineFailsTheJob) {
  run_two_workers(
      test::make_job([](json::object& o) { test::run_policy(o)["activeDeadlineSeconds"] = 600; }));
  elapse(599s);
  EXPECT_EQ(text(last_status(), "stage"), "Running");
  elapse(1s + 50ms);
  const auto s = last_status();
  EXPECT_EQ(text(s, "stage"), "Failed");
  std::string reason;
  EXPECT_EQ(condition(s, "Failed", &reason), "True");
  EXPECT_EQ(reason, "DeadlineExceeded");
  EXPECT_EQ(event_reasons().back(), "Failed");
  EXPECT_EQ(names(api_verb::delete_pod), (std::vector<std::string>{"resnet-worker-0", "resnet-worker-1"}))
      << "default cleanPodPolicy Running";
}

TEST_F(JobActorRestartTest, ARestartedOperatorKeepsRunningWorkersAsTheyAre) {
  restart_with(running_job(), pod_phase::running);
  EXPECT_TRUE(calls(api_verb::create_pod).empty());
  EXPECT_TRUE(calls(api_verb::delete_pod).empty());
  EXPECT_TRUE(event_reasons().empty());
  ASSERT_FALSE(inbox_->jobs.empty());
  EXPECT_EQ(inbox_->jobs.back().stage, scheduling::job_stage::running);
}

TEST_F(JobActorRestartTest, ActiveDeadlineIsEnforcedAfterARestart) {
  // Started 09:30 with a one-hour deadline: it must fail at 10:30.
  restart_with(running_job("", [](json::object& o) { test::run_policy(o)["activeDeadlineSeconds"] = 3600; }),
               pod_phase::running);
  ASSERT_EQ(intended_stage(), "Running");
  elapse(30min + 1s);
  EXPECT_EQ(intended_stage(), "Failed") << "nothing else happened to the job meanwhile";
  EXPECT_EQ(names(api_verb::delete_pod), (std::vector<std::string>{"resnet-worker-0", "resnet-worker-1"}));
}

TEST_F(JobActorRestartTest, RequeueTimeStoredByAPreviousLeaderStillRequeues) {
  // Worker 1 has been Pending since 09:59; the previous leader set requeueTime 10:01.
  restart_with(running_job(R"("requeueTime": "2026-11-28T10:01:00Z",)"), pod_phase::pending);
  EXPECT_TRUE(event_reasons().empty());
  elapse(1min + 1s);
  EXPECT_EQ(event_reasons(), std::vector<std::string>{"Requeued"})
      << "nothing else happened to the job meanwhile";
  EXPECT_EQ(intended_stage(), "Waiting");
}

TEST_F(JobActorRestartTest, AStandbyThatTakesOverArmsTheStoredRequeueTime) {
  const auto job = running_job(R"("requeueTime": "2026-11-28T10:01:00Z",)");
  start(false);
  send(protocol::pod_observed{existing_worker(job, 0, 2, "node-a", pod_phase::running)});
  send(protocol::pod_observed{existing_worker(job, 1, 2, "node-b", pod_phase::pending)});
  observe(job);
  elapse(30s);
  send(protocol::set_leader{true});
  elapse(30s + 1s);
  EXPECT_EQ(event_reasons(), std::vector<std::string>{"Requeued"});
}

// Memory at thousands of jobs: a leader keeps one copy of the status (its
// own, adopted from the stored one), of the stored one only stage and size.
TEST_F(JobActorRestartTest, TheLeaderKeepsOneCopyOfTheStatus) {
  restart_with(running_job(), pod_phase::running);
  const auto state = inspect();
  const auto& observed = state.at("observedStatus").as_object();
  EXPECT_EQ(text(observed, "stage"), "Running");
  EXPECT_EQ(observed.at("currentSize").to_number<std::int64_t>(), 2);
  EXPECT_TRUE(observed.at("trueConditions").as_array().empty());
  EXPECT_EQ(text(observed, "submitTime"), "");
  const auto& intended = state.at("intendedStatus").as_object();
  EXPECT_EQ(intended.at("trueConditions").as_array(), (json::array{"Created", "Running"}));
  EXPECT_EQ(text(intended, "submitTime"), "2026-11-28T09:00:00Z");
}

} // namespace
} // namespace lattice::actors
