#include "job_actor_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

// The job actor, part 1: first sight, standby, admission, completion, worker
// failures against backoffLimit, invalid specs.

namespace lattice::actors {
namespace {

class JobActorTest : public test::job_actor_test {};

std::int64_t number(const json::object& o, const std::string& key) {
  return o.at(key).to_number<std::int64_t>();
}

TEST_F(JobActorTest, NewValidJobObservedWhileLeaderIsQueued) {
  start();
  observe(test::make_job());
  ASSERT_EQ(calls(api_verb::patch_job_status).size(), 1u);
  const auto s = last_status();
  EXPECT_EQ(text(s, "stage"), "Waiting");
  EXPECT_EQ(text(s, "submitTime"), "2026-11-28T09:00:00Z") << "the creation timestamp";
  EXPECT_EQ(text(s, "queuedTime"), "2026-11-28T09:00:00Z");
  EXPECT_EQ(number(s, "currentSize"), 0);
  EXPECT_EQ(condition(s, "Created"), "True");
  EXPECT_EQ(condition(s, "Queued"), "True");
  EXPECT_EQ(condition(s, "Running"), "");
  EXPECT_EQ(text(s.at("execStatus").as_object(), "lastReconcileTime"), "2026-11-28T10:00:00Z");
  EXPECT_TRUE(calls(api_verb::create_pod).empty());
  EXPECT_TRUE(calls(api_verb::create_event).empty());

  ASSERT_EQ(inbox_->jobs.size(), 1u);
  const auto& info = inbox_->jobs.back();
  EXPECT_EQ(info.key(), "lattice/resnet");
  EXPECT_EQ(info.stage, scheduling::job_stage::waiting);
  EXPECT_EQ(info.min_size, 1);
  EXPECT_EQ(info.max_size, 4);
  EXPECT_EQ(info.worker_resources.get("nvidia.com/gpu"), 1);
  EXPECT_EQ(info.submit_time, test::at("2026-11-28T09:00:00Z"));

  // The same object again (a resync): nothing to write, nothing new to tell.
  observe(test::make_job());
  EXPECT_EQ(calls(api_verb::patch_job_status).size(), 1u);
  EXPECT_EQ(inbox_->jobs.size(), 1u);
}

TEST_F(JobActorTest, StandbyWritesNothingUntilItLeads) {
  start(false);
  observe(test::make_job());
  decide_running({{0, "node-a"}});
  elapse(1min);
  EXPECT_TRUE(log_->calls.empty()) << "a standby never writes";
  ASSERT_EQ(inbox_->jobs.size(), 1u) << "but keeps the (standby) autoscaler's snapshot warm";
  EXPECT_EQ(inbox_->jobs.back().stage, scheduling::job_stage::waiting);

  send(protocol::set_leader{true});
  ASSERT_EQ(calls(api_verb::patch_job_status).size(), 1u);
  EXPECT_EQ(text(last_status(), "stage"), "Waiting");
  EXPECT_EQ(inbox_->jobs.size(), 2u) << "the new leader's autoscaler hears the job again";
  EXPECT_TRUE(calls(api_verb::create_pod).empty()) << "the standby's decision was dropped";
}

TEST_F(JobActorTest, RunningDecisionCreatesPinnedWorkersAndTheService) {
  start();
  observe(test::make_job());
  decide_running({{0, "node-a"}, {1, "node-b"}});
  EXPECT_EQ(text(last_status(), "stage"), "Waiting") << "the admission waits for its workers to run";
  materialize(k8s::pod_phase::running);

  const auto s = last_status();
  EXPECT_EQ(text(s, "stage"), "Running") << "the workers run: one write for the admission and the counts";
  EXPECT_EQ(number(s.at("execStatus").at("replicaStatuses").at("Worker").as_object(), "active"), 2);
  EXPECT_EQ(number(s, "currentSize"), 2);
  EXPECT_EQ(text(s, "lastExecTime"), "2026-11-28T10:00:00Z");
  EXPECT_EQ(text(s.at("execStatus").as_object(), "startTime"), "2026-11-28T10:00:00Z");
  std::string reason;
  EXPECT_EQ(condition(s, "Running", &reason), "True");
  EXPECT_EQ(reason, "Admitted");
  EXPECT_EQ(condition(s, "Queued"), "False");
  EXPECT_EQ(event_reasons(), std::vector<std::string>{"Admitted"});

  const auto creates = calls(api_verb::create_pod);
  ASSERT_EQ(creates.size(), 2u);
  const char* nodes[] = {"node-a", "node-b"};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto pod = test::body_of(creates[i]);
    EXPECT_EQ(creates[i].name, "resnet-worker-" + std::to_string(i));
    EXPECT_EQ(creates[i].namespace_, "lattice");
    EXPECT_EQ(pod.at("metadata").at("name").as_string(), creates[i].name);
    EXPECT_EQ(pod.at("metadata").at("annotations").at("breezeml.ai/node").as_string(), nodes[i]);
    EXPECT_EQ(pod.at("metadata").at("annotations").at("breezeml.ai/world-size").as_string(), "2");
    EXPECT_EQ(pod.at("metadata").at("ownerReferences").at(0).at("uid").as_string(), "job-uid-1");
    const auto& term = pod.at("spec")
                           .at("affinity")
                           .at("nodeAffinity")
                           .at("requiredDuringSchedulingIgnoredDuringExecution")
                           .at("nodeSelectorTerms")
                           .at(0);
    EXPECT_EQ(term.at("matchFields").at(0).at("values").at(0).as_string(), nodes[i]);
  }
  ASSERT_EQ(names(api_verb::create_service), std::vector<std::string>{"resnet-workers"});
  EXPECT_EQ(test::body_of(calls(api_verb::create_service)[0]).at("spec").at("clusterIP").as_string(), "None");
  EXPECT_TRUE(calls(api_verb::patch_job).empty())
      << "an admission's time is status.lastExecTime: no annotation patch of its own";
  EXPECT_EQ(text(last_status(), "lastExecTime"), "2026-11-28T10:00:00Z");

  ASSERT_FALSE(inbox_->jobs.empty());
  const auto& info = inbox_->jobs.back();
  EXPECT_EQ(info.stage, scheduling::job_stage::running);
  EXPECT_EQ(info.workers, (std::vector<test::worker_placement>{{0, "node-a"}, {1, "node-b"}}))
      << "pods being created hold their placement";
}

TEST_F(JobActorTest, WorkersRunningThenSucceededCompleteTheJob) {
  run_two_workers(test::make_job([](json::object& o) { test::run_policy(o)["cleanPodPolicy"] = "All"; }));
  auto s = last_status();
  EXPECT_EQ(condition(s, "Running"), "True");
  EXPECT_EQ(condition(s, "Restarting"), "");
  EXPECT_EQ(number(s.at("execStatus").at("replicaStatuses").at("Worker").as_object(), "active"), 2);
  EXPECT_TRUE(inbox_->jobs_gone.empty());

  elapse(10min);
  set_phase("resnet-worker-0", pod_phase::succeeded);
  EXPECT_EQ(text(last_status(), "stage"), "Running") << "one worker is still running";
  set_phase("resnet-worker-1", pod_phase::succeeded);

  s = last_status();
  EXPECT_EQ(text(s, "stage"), "Completed");
  EXPECT_EQ(number(s, "currentSize"), 2) << "the size it finished with";
  EXPECT_EQ(text(s, "completionTime"), "2026-11-28T10:10:00Z");
  std::string reason;
  EXPECT_EQ(condition(s, "Succeeded", &reason), "True");
  EXPECT_EQ(reason, "AllWorkersSucceeded");
  EXPECT_EQ(condition(s, "Running"), "False");
  EXPECT_EQ(event_reasons(), (std::vector<std::string>{"Admitted", "Completed"}));
  // cleanPodPolicy All: the succeeded pods go too, by uid.
  const auto deletes = calls(api_verb::delete_pod);
  ASSERT_EQ(deletes.size(), 2u);
  EXPECT_EQ(deletes[0].name, "resnet-worker-0");
  EXPECT_EQ(deletes[0].uid, "uid-resnet-worker-0-1");
  EXPECT_EQ(deletes[1].name, "resnet-worker-1");
  ASSERT_EQ(inbox_->jobs_gone.size(), 1u) << "a finished job leaves the autoscaler's snapshot";

  // Once the watch shows the pods gone, nothing more happens.
  remove_pod("resnet-worker-0");
  remove_pod("resnet-worker-1");
  const auto writes = log_->calls.size();
  elapse(1min);
  observe(test::make_job());
  EXPECT_EQ(log_->calls.size(), writes);
}

TEST_F(JobActorTest, AFinishedJobForgetsThePodsTheClusterKeeps) {
  run_two_workers(test::make_job()); // cleanPodPolicy Running: succeeded pods stay
  elapse(10min);
  set_phase("resnet-worker-0", pod_phase::succeeded);
  set_phase("resnet-worker-1", pod_phase::succeeded);
  const auto s = last_status();
  EXPECT_EQ(text(s, "stage"), "Completed");
  EXPECT_EQ(number(s.at("execStatus").at("replicaStatuses").at("Worker").as_object(), "succeeded"), 2);
  EXPECT_TRUE(calls(api_verb::delete_pod).empty()) << "policy Running keeps succeeded pods";
  EXPECT_TRUE(inspect().at("pods").as_array().empty()) << "but the actor does not hold them";
  // Their later events change nothing; the counts written stay.
  set_phase("resnet-worker-0", pod_phase::succeeded);
  elapse(1min);
  EXPECT_EQ(
      number(last_status().at("execStatus").at("replicaStatuses").at("Worker").as_object(), "succeeded"), 2);
}

TEST_F(JobActorTest, FailedWorkersAreRetriedUntilBackoffLimit) {
  run_two_workers(test::make_job([](json::object& o) { test::run_policy(o)["backoffLimit"] = 1; }));
  set_phase("resnet-worker-1", pod_phase::failed, "Error");

  EXPECT_EQ(text(last_annotations(), "breezeml.ai/worker-failures"), "1");
  ASSERT_EQ(names(api_verb::delete_pod), std::vector<std::string>{"resnet-worker-1"});
  EXPECT_EQ(calls(api_verb::delete_pod)[0].uid, "uid-resnet-worker-1-1");
  EXPECT_EQ(calls(api_verb::delete_pod)[0].grace_period_seconds, -1) << "a normal delete";
  auto s = last_status();
  EXPECT_EQ(text(s, "stage"), "Running");
  EXPECT_EQ(condition(s, "Restarting"), "True");

  // The watch shows it gone: the worker is created again, same node and size.
  remove_pod("resnet-worker-1");
  ASSERT_EQ(log_->count(api_verb::create_pod, "resnet-worker-1"), 2u);
  const auto again = test::body_of(calls(api_verb::create_pod).back());
  EXPECT_EQ(again.at("metadata").at("annotations").at("breezeml.ai/node").as_string(), "node-b");
  materialize(pod_phase::running);
  std::string reason;
  EXPECT_EQ(condition(last_status(), "Running", &reason), "True");
  EXPECT_EQ(reason, "AllWorkersRunning");

  // A second failure is one more than backoffLimit 1.
  set_phase("resnet-worker-1", pod_phase::failed, "Error");
  EXPECT_EQ(text(last_annotations(), "breezeml.ai/worker-failures"), "2");
  s = last_status();
  EXPECT_EQ(text(s, "stage"), "Failed");
  EXPECT_EQ(condition(s, "Failed", &reason), "True");
  EXPECT_EQ(reason, "BackoffLimitExceeded");
  EXPECT_EQ(event_reasons().back(), "Failed");
  // Default cleanPodPolicy (Running): the running worker goes, the failed one stays for its logs.
  EXPECT_EQ(names(api_verb::delete_pod), (std::vector<std::string>{"resnet-worker-1", "resnet-worker-0"}));
  EXPECT_EQ(log_->count(api_verb::create_pod, "resnet-worker-1"), 2u) << "no third attempt";
  ASSERT_EQ(inbox_->jobs_gone.size(), 1u);
}

TEST_F(JobActorTest, NodeFailuresAreNotChargedToTheJob) {
  run_two_workers(test::make_job([](json::object& o) { test::run_policy(o)["backoffLimit"] = 0; }));
  set_phase("resnet-worker-0", pod_phase::failed, "Evicted");
  EXPECT_TRUE(calls(api_verb::patch_job).empty()) << "no worker-failures annotation patch";
  EXPECT_EQ(text(last_status(), "stage"), "Running");
  EXPECT_EQ(names(api_verb::delete_pod), std::vector<std::string>{"resnet-worker-0"}) << "replaced";
}

TEST_F(JobActorTest, InvalidSpecIsReportedAndNeverRun) {
  start();
  // injectLattice needs the container's command to wrap: invalid without one.
  const auto without_command = test::make_job([](json::object& o) {
    o["spec"].as_object()["injectLattice"] = true;
    o["spec"]
        .at("replicaSpecs")
        .at("template")
        .at("spec")
        .at("containers")
        .at(0)
        .as_object()
        .erase("command");
  });
  observe(without_command);
  auto s = last_status();
  std::string reason;
  EXPECT_EQ(condition(s, "Invalid", &reason), "True");
  EXPECT_EQ(reason, "InvalidSpec");
  ASSERT_EQ(event_reasons(), std::vector<std::string>{"Invalid"});
  const auto event = test::body_of(calls(api_verb::create_event)[0]);
  EXPECT_EQ(text(event, "type"), "Warning");
  EXPECT_NE(text(event, "message").find("command"), std::string::npos) << text(event, "message");
  EXPECT_EQ(event.at("involvedObject").at("uid").as_string(), "job-uid-1");
  EXPECT_TRUE(inbox_->jobs.empty()) << "the autoscaler never plans an invalid job";

  decide_running({{0, "node-a"}});
  EXPECT_TRUE(calls(api_verb::create_pod).empty());
  observe(without_command);
  EXPECT_EQ(event_reasons().size(), 1u) << "the same problem is reported once";

  // The spec is fixed (generation 2): valid again, queued.
  observe(test::make_job([](json::object& o) { o["metadata"].as_object()["generation"] = 2; }));
  s = last_status();
  EXPECT_EQ(condition(s, "Invalid"), "False");
  EXPECT_EQ(text(s, "stage"), "Waiting");
  ASSERT_EQ(inbox_->jobs.size(), 1u);
}

} // namespace
} // namespace lattice::actors
