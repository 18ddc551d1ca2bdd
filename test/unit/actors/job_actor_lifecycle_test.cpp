#include "job_actor_fixture.hpp"
#include "lifecycle/pod_create_failures.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

// The job actor, part 2: preemption, requeue of a job whose pod stays
// Pending, adoption after a restart, failed writes, ttlSecondsAfterFinished
// and stale timers.

namespace lattice::actors {
namespace {

using protocol::api_result;

class JobActorLifecycleTest : public test::job_actor_test {
protected:
  /// Admitted at size 2; worker 0 runs, worker 1 stays Pending (unschedulable).
  void one_worker_pending(const k8s::training_job& job) {
    start();
    observe(job);
    decide_running({{0, "node-a"}, {1, "node-b"}});
    materialize(pod_phase::pending);
    set_phase("resnet-worker-0", pod_phase::running);
    wait(status_flush_delay); // a worker is Pending: the admission is written when its hold ends
  }

  /// Both workers Succeeded: the job completes.
  void complete(const k8s::training_job& job) {
    run_two_workers(job);
    set_phase("resnet-worker-0", pod_phase::succeeded);
    set_phase("resnet-worker-1", pod_phase::succeeded);
    ASSERT_EQ(text(last_status(), "stage"), "Completed");
  }
};

TEST_F(JobActorLifecycleTest, WaitingDecisionAfterRunningPreemptsTheJob) {
  run_two_workers(test::make_job());
  elapse(5min);
  decide_waiting("lattice/urgent");

  const auto s = last_status();
  EXPECT_EQ(text(s, "stage"), "Waiting");
  EXPECT_EQ(s.at("currentSize").to_number<std::int64_t>(), 0);
  EXPECT_EQ(text(s, "queuedTime"), "2026-11-28T10:05:00Z") << "back of its priority class";
  std::string reason;
  EXPECT_EQ(condition(s, "Queued", &reason), "True");
  EXPECT_EQ(reason, "Preempted");
  EXPECT_EQ(condition(s, "Running"), "False");
  ASSERT_EQ(event_reasons(), (std::vector<std::string>{"Admitted", "Preempted"}));
  const auto event = test::body_of(calls(api_verb::create_event).back());
  EXPECT_NE(text(event, "message").find("lattice/urgent"), std::string::npos) << text(event, "message");
  EXPECT_EQ(names(api_verb::delete_pod), (std::vector<std::string>{"resnet-worker-0", "resnet-worker-1"}));
  EXPECT_EQ(text(last_annotations(), "breezeml.ai/last-resize-time"), "2026-11-28T10:05:00Z");
  ASSERT_FALSE(inbox_->jobs.empty());
  EXPECT_EQ(inbox_->jobs.back().stage, scheduling::job_stage::waiting);
  EXPECT_EQ(calls(api_verb::create_pod).size(), 2u) << "no worker is created while waiting";
}

TEST_F(JobActorLifecycleTest, PodPendingPastTheRequeueTimeoutRequeuesTheJob) {
  one_worker_pending(test::make_job());
  elapse(status_flush_delay); // requeueTime goes out with the replica counts
  EXPECT_EQ(text(last_status(), "requeueTime"), "2026-11-28T10:02:00Z") << "default timeout 2m";

  elapse(119s - status_flush_delay);
  EXPECT_EQ(event_reasons(), std::vector<std::string>{"Admitted"});
  elapse(1s + 50ms); // the requeue timer fires just after requeueTime
  ASSERT_EQ(event_reasons(), (std::vector<std::string>{"Admitted", "Requeued"}));
  const auto event = test::body_of(calls(api_verb::create_event).back());
  EXPECT_NE(text(event, "message").find("resnet-worker-1"), std::string::npos) << text(event, "message");

  EXPECT_EQ(text(last_annotations(), "breezeml.ai/schedule-failures"), "1");
  const auto s = last_status();
  EXPECT_EQ(text(s, "stage"), "Waiting");
  EXPECT_EQ(s.at("currentSize").to_number<std::int64_t>(), 0);
  EXPECT_EQ(text(s, "queuedTime"), "2026-11-28T10:02:00Z");
  EXPECT_EQ(text(s, "cooldownTime"), "2026-11-28T10:03:00Z") << "60s after the first failure";
  EXPECT_TRUE(s.at("requeueTime").is_null());
  std::string reason;
  EXPECT_EQ(condition(s, "Queued", &reason), "True");
  EXPECT_EQ(reason, "Requeued");
  EXPECT_EQ(names(api_verb::delete_pod), (std::vector<std::string>{"resnet-worker-0", "resnet-worker-1"}));

  ASSERT_FALSE(inbox_->jobs.empty());
  const auto& info = inbox_->jobs.back();
  EXPECT_EQ(info.stage, scheduling::job_stage::waiting);
  ASSERT_TRUE(info.cooldown_time.has_value());
  EXPECT_EQ(*info.cooldown_time, test::at("2026-11-28T10:03:00Z"));
  EXPECT_EQ(info.schedule_failures, 1);
}

TEST_F(JobActorLifecycleTest, LeaderAdoptsLiveWorkersInsteadOfRecreatingThem) {
  // A previous leader created both workers (built for size 2) and died before
  // writing stage Running.
  const auto job = test::make_job([](json::object& o) {
    o["status"] = json::parse(R"({"stage": "Waiting", "currentSize": 0, "submitTime": "2026-11-28T09:00:00Z",
                                  "queuedTime": "2026-11-28T09:00:00Z"})");
  });
  start();
  // The pod watch may deliver before the job watch.
  send(protocol::pod_observed{existing_worker(job, 0, 2, "node-a", pod_phase::running)});
  send(protocol::pod_observed{existing_worker(job, 1, 2, "node-b", pod_phase::running)});
  observe(job);

  const auto s = last_status();
  EXPECT_EQ(text(s, "stage"), "Running");
  EXPECT_EQ(s.at("currentSize").to_number<std::int64_t>(), 2);
  EXPECT_TRUE(calls(api_verb::delete_pod).empty());
  EXPECT_TRUE(calls(api_verb::create_pod).empty());
  ASSERT_FALSE(inbox_->jobs.empty());
  const auto& info = inbox_->jobs.back();
  EXPECT_EQ(info.stage, scheduling::job_stage::running);
  EXPECT_EQ(info.workers, (std::vector<test::worker_placement>{{0, "node-a"}, {1, "node-b"}}))
      << "the autoscaler plans from what runs";

  // The autoscaler confirms the placement: nothing is recreated, the job runs.
  send(protocol::job_decision{
      lattice::test::make_decision({{0, "node-a"}, {1, "node-b"}}).reason("at maxSize").build()});
  EXPECT_TRUE(calls(api_verb::delete_pod).empty());
  EXPECT_TRUE(calls(api_verb::create_pod).empty());
  EXPECT_EQ(condition(last_status(), "Running"), "True");
  EXPECT_TRUE(event_reasons().empty()) << "no Admitted event for a job that was already running";
}

// A transient failure (500) is retried after the job's create backoff
// (lifecycle/pod_create_failures.hpp), not the 5 s resync interval.
TEST_F(JobActorLifecycleTest, AFailedCreateIsRetriedAfterTheCreateBackoff) {
  bool failed_once = false;
  log_->answer = [&failed_once](const protocol::api_call& c) {
    if (c.verb == api_verb::create_pod && c.name == "resnet-worker-1" && !failed_once) {
      failed_once = true;
      return api_result{false, 500, "etcdserver: request timed out"};
    }
    return api_result{true, 201, ""};
  };
  start();
  observe(test::make_job());
  decide_running({{0, "node-a"}, {1, "node-b"}});
  ASSERT_EQ(log_->count(api_verb::create_pod, "resnet-worker-1"), 1u);
  auto state = inspect();
  EXPECT_EQ(state.at("writeFailures").to_number<std::int64_t>(), 1);
  EXPECT_EQ(state.at("creating").as_array(), json::array{"resnet-worker-0"});

  const auto backoff = lifecycle::create_backoff(1, "lattice/resnet");
  ASSERT_LE(backoff, lifecycle::create_backoff_base);
  elapse(backoff - 1ms);
  EXPECT_EQ(log_->count(api_verb::create_pod, "resnet-worker-1"), 1u);
  elapse(1ms);
  EXPECT_EQ(log_->count(api_verb::create_pod, "resnet-worker-1"), 2u);
  EXPECT_EQ(log_->count(api_verb::create_pod, "resnet-worker-0"), 1u) << "its create is still in flight";
  EXPECT_EQ(inspect().at("creating").as_array(), (json::array{"resnet-worker-0", "resnet-worker-1"}));
}

// At shutdown the write dispatcher and the gateways answer every queued
// write "cancelled": not a failure to count or log (thousands of them under
// load). A later attempt is answered the same way at once, without a request.
TEST_F(JobActorLifecycleTest, AWriteDroppedAtShutdownIsNoFailure) {
  log_->answer = [](const protocol::api_call&) {
    api_result r{false, 0, "cancelled (shutting down)"};
    r.cancelled = true;
    return r;
  };
  start();
  observe(test::make_job());
  decide_running({{0, "node-a"}, {1, "node-b"}});
  ASSERT_EQ(log_->count(api_verb::create_pod, "resnet-worker-1"), 1u);
  EXPECT_EQ(inspect().at("writeFailures").to_number<std::int64_t>(), 0);
  elapse(5s);
  EXPECT_EQ(inspect().at("writeFailures").to_number<std::int64_t>(), 0);
  const auto state = inspect();
  for (const auto& line : state.at("recent").as_array())
    EXPECT_EQ(std::string(line.as_string()).find("failed"), std::string::npos) << line;
}

// The write dispatcher may stop before the job actors: a write that finds
// it gone is dropped the same way.
TEST_F(JobActorLifecycleTest, AWriteToAStoppedDispatcherIsNoFailure) {
  start();
  caf::anon_send_exit(gateway_, caf::exit_reason::user_shutdown);
  run();
  observe(test::make_job());
  EXPECT_TRUE(log_->calls.empty());
  EXPECT_EQ(inspect().at("writeFailures").to_number<std::int64_t>(), 0);
}

TEST_F(JobActorLifecycleTest, AlreadyExistsCountsAsCreated) {
  log_->answer = [](const protocol::api_call& c) {
    if (c.verb == api_verb::create_pod || c.verb == api_verb::create_service)
      return api_result{false, 409, "AlreadyExists"};
    return api_result{true, 200, ""};
  };
  start();
  observe(test::make_job());
  decide_running({{0, "node-a"}, {1, "node-b"}});
  auto state = inspect();
  EXPECT_EQ(state.at("writeFailures").to_number<std::int64_t>(), 0);
  EXPECT_EQ(state.at("creating").as_array().size(), 2u) << "waiting for the watch to show them";
  elapse(10s);
  EXPECT_EQ(calls(api_verb::create_pod).size(), 2u) << "not created again";
  EXPECT_EQ(calls(api_verb::create_service).size(), 1u);
}

TEST_F(JobActorLifecycleTest, TtlSecondsAfterFinishedDeletesTheJob) {
  complete(test::make_job([](json::object& o) {
    test::run_policy(o)["ttlSecondsAfterFinished"] = 60;
    test::run_policy(o)["cleanPodPolicy"] = "None";
  }));
  EXPECT_TRUE(calls(api_verb::delete_pod).empty()) << "cleanPodPolicy None";
  elapse(59s);
  EXPECT_TRUE(calls(api_verb::delete_job).empty());
  elapse(1s);
  const auto deletes = calls(api_verb::delete_job);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].name, "resnet");
  EXPECT_EQ(deletes[0].namespace_, "lattice");
  EXPECT_EQ(deletes[0].uid, "job-uid-1") << "never deletes a job recreated under the same name";
  elapse(1h);
  EXPECT_EQ(calls(api_verb::delete_job).size(), 1u);
}

TEST_F(JobActorLifecycleTest, NoTtlNoDelete) {
  complete(test::make_job());
  elapse(24h);
  EXPECT_TRUE(calls(api_verb::delete_job).empty());
}

TEST_F(JobActorLifecycleTest, StaleTtlTimerIsIgnored) {
  complete(test::make_job([](json::object& o) { test::run_policy(o)["ttlSecondsAfterFinished"] = 600; }));
  send(protocol::ttl_timer{0}); // armed generation is 1
  send(protocol::ttl_timer{7});
  EXPECT_TRUE(calls(api_verb::delete_job).empty());
  elapse(600s);
  EXPECT_EQ(calls(api_verb::delete_job).size(), 1u);
}

TEST_F(JobActorLifecycleTest, StaleRequeueDeadlineAndResyncTimersAreIgnored) {
  // activeDeadlineSeconds far away, so a deadline timer is armed too.
  one_worker_pending(
      test::make_job([](json::object& o) { test::run_policy(o)["activeDeadlineSeconds"] = 86400; }));
  // The wall clock passes requeueTime, but no current timer has fired yet.
  wall_.advance(3min);
  send(protocol::requeue_timer{0});
  send(protocol::deadline_timer{0});
  send(protocol::resync_timer{0});
  send(protocol::requeue_timer{99});
  EXPECT_EQ(event_reasons(), std::vector<std::string>{"Admitted"}) << "no pass ran on a stale timer";
  EXPECT_EQ(text(last_status(), "stage"), "Running");
  // The current timers still work.
  wait(2min + 100ms);
  EXPECT_EQ(event_reasons(), (std::vector<std::string>{"Admitted", "Requeued"}));
}

// A job deleted and created again under the same name starts from a fresh
// state, with the configured expectation timeout, not the default.
TEST_F(JobActorLifecycleTest, AJobRecreatedUnderTheSameNameKeepsTheConfiguredExpectationTimeout) {
  auto s = settings();
  s.config.expectation_timeout = std::chrono::seconds(10);
  job_ = keep(spawn_job_actor(sys_, s, "lattice", "resnet", true));
  run();
  observe(test::make_job());
  observe(test::make_job([](json::object& o) { o["metadata"].as_object()["uid"] = "job-uid-2"; }));
  decide_running({{0, "node-a"}});
  ASSERT_EQ(log_->count(api_verb::create_pod, "resnet-worker-0"), 1u);
  elapse(16s); // the watch never showed the pod: forgotten after 10 s, created again
  EXPECT_EQ(log_->count(api_verb::create_pod, "resnet-worker-0"), 2u);
}

} // namespace
} // namespace lattice::actors
