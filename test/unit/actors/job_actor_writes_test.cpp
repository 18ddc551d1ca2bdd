#include "job_actor_fixture.hpp"
#include "observability/metrics.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

// The job actor's write path at scale: status writes are coalesced (one in
// flight per job, counts-only changes batched for status_flush_delay) and a
// job's pod writes spread over every gateway while its own writes stay on
// one.

namespace lattice::actors {
namespace {

using k8s::pod_phase;
using namespace std::chrono_literals;
using protocol::api_verb;
namespace json = boost::json;
using test::text;

class JobWritesTest : public test::job_actor_test {
protected:
  void send_to(const caf::actor& a, protocol::api_result r) {
    caf::anon_send(a, std::move(r));
    run();
  }
};

json::object worker_counts(const json::object& status) {
  return status.at("execStatus").at("replicaStatuses").at("Worker").as_object();
}

std::int64_t field(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v ? v->to_number<std::int64_t>() : 0;
}

/// The verbs of the calls the gateway took since call `from`, in its order.
std::vector<api_verb> verbs_since(const test::gateway_log& log, std::size_t from) {
  std::vector<api_verb> out;
  for (auto i = from; i < log.calls.size(); ++i)
    out.push_back(log.calls[i].verb);
  return out;
}

TEST_F(JobWritesTest, ReplicaCountChangesAreBatchedIntoOneWrite) {
  start();
  observe(test::make_job());
  decide_running({{0, "node-a"}, {1, "node-b"}, {2, "node-c"}, {3, "node-d"}});
  materialize(pod_phase::running);
  elapse(1s); // all four running: a counts-only change, written within status_flush_delay
  ASSERT_EQ(field(worker_counts(last_status()), "active"), 4);
  const auto before = calls(api_verb::patch_job_status).size();

  set_phase("resnet-worker-0", pod_phase::succeeded);
  set_phase("resnet-worker-1", pod_phase::succeeded);
  set_phase("resnet-worker-2", pod_phase::succeeded);
  EXPECT_EQ(calls(api_verb::patch_job_status).size(), before)
      << "workers finishing one by one change only replica counts: no write yet";

  elapse(1s);
  ASSERT_EQ(calls(api_verb::patch_job_status).size(), before + 1) << "one write carries all three";
  const auto counts = worker_counts(last_status());
  EXPECT_EQ(field(counts, "active"), 1);
  EXPECT_EQ(field(counts, "succeeded"), 3);
  EXPECT_EQ(text(last_status(), "stage"), "Running");

  elapse(5s);
  EXPECT_EQ(calls(api_verb::patch_job_status).size(), before + 1) << "nothing more to write";

  set_phase("resnet-worker-3", pod_phase::succeeded);
  ASSERT_EQ(calls(api_verb::patch_job_status).size(), before + 2) << "the stage change is written at once";
  EXPECT_EQ(text(last_status(), "stage"), "Completed");
  EXPECT_EQ(field(worker_counts(last_status()), "succeeded"), 4);
}

/// The message of condition `type` in a written status ("" when absent).
std::string condition_message(const json::object& status, const std::string& type) {
  for (const auto& c : status.at("execStatus").at("conditions").as_array())
    if (text(c.as_object(), "type") == type)
      return text(c.as_object(), "message");
  return "";
}

TEST_F(JobWritesTest, APlannerMessageAloneWaitsForTheMessageDelayADecisiveChangeDoesNot) {
  start();
  observe(test::make_job());
  decide_waiting("", "needs 4 GPUs; largest placement possible now: 0");
  const auto before = calls(api_verb::patch_job_status).size();
  ASSERT_EQ(condition_message(last_status(), "Queued"), "needs 4 GPUs; largest placement possible now: 0");

  decide_waiting("", "needs 4 GPUs; largest placement possible now: 2");
  decide_waiting("", "needs 4 GPUs; largest placement possible now: 1");
  EXPECT_EQ(calls(api_verb::patch_job_status).size(), before) << "a new message alone is not written at once";
  const auto delay = settings().status_message_delay;
  elapse(delay - 1s);
  EXPECT_EQ(calls(api_verb::patch_job_status).size(), before);
  elapse(1s);
  ASSERT_EQ(calls(api_verb::patch_job_status).size(), before + 1) << "one write within the message delay";
  EXPECT_EQ(condition_message(last_status(), "Queued"), "needs 4 GPUs; largest placement possible now: 1");

  decide_waiting("", "needs 4 GPUs; largest placement possible now: 3");
  decide_running({{0, "node-a"}});
  ASSERT_EQ(calls(api_verb::patch_job_status).size(), before + 2) << "admission goes out at once";
  EXPECT_EQ(text(last_status(), "stage"), "Running");
  elapse(delay);
  EXPECT_EQ(calls(api_verb::patch_job_status).size(), before + 2)
      << "the message change went out with the admission: the armed flush has nothing left";
}

TEST_F(JobWritesTest, OneStatusWriteInFlightAndTheAnswerSendsTheLatest) {
  auto held = std::make_shared<test::held_writes>();
  auto s = settings();
  auto gateway = keep(sys_.spawn(test::holding_gateway, held));
  s.gateways = {caf::actor_cast<protocol::gateway_actor>(gateway)};
  job_ = keep(spawn_job_actor(sys_, s, "lattice", "resnet", true));
  run();
  auto status_patches = [&] {
    std::vector<json::object> out;
    for (const auto& c : held->calls)
      if (c.verb == api_verb::patch_job_status)
        out.push_back(test::status_of(c));
    return out;
  };

  observe(test::make_job());
  ASSERT_EQ(status_patches().size(), 1u);
  EXPECT_EQ(text(status_patches()[0], "stage"), "Waiting");

  decide_running({{0, "node-a"}});
  EXPECT_EQ(status_patches().size(), 1u) << "the second write waits for the first's answer";

  send_to(gateway, protocol::api_result{true, 200, ""});
  ASSERT_EQ(status_patches().size(), 2u);
  EXPECT_EQ(text(status_patches()[1], "stage"), "Running") << "the answer sends the latest status";

  send_to(gateway, protocol::api_result{false, 500, "etcd timeout"});
  elapse(5s); // the resync after a failed write retries it at once
  ASSERT_EQ(status_patches().size(), 3u);
  EXPECT_EQ(text(status_patches()[2], "stage"), "Running");
  send_to(gateway, protocol::api_result{true, 200, ""});
  EXPECT_TRUE(held->waiting.empty());
}

TEST_F(JobWritesTest, UnansweredCallsCountInTheGatewaysBacklogUntilAnsweredOrTheActorQuits) {
  auto held = std::make_shared<test::held_writes>();
  auto s = settings();
  s.metrics = std::make_shared<observability::metrics>();
  auto& backlog = s.metrics->actor_mailbox_size("gateways");
  auto gateway = keep(sys_.spawn(test::holding_gateway, held));
  s.gateways = {caf::actor_cast<protocol::gateway_actor>(gateway)};
  job_ = keep(spawn_job_actor(sys_, s, "lattice", "resnet", true));
  run();

  observe(test::make_job());
  ASSERT_EQ(held->waiting.size(), 1u) << "the first status write is held";
  EXPECT_EQ(backlog.Value(), 1) << "answered calls left the backlog, the held one did not";

  send_to(gateway, protocol::api_result{true, 200, ""});
  EXPECT_EQ(backlog.Value(), 0);

  decide_running({{0, "node-a"}});
  ASSERT_EQ(held->waiting.size(), 1u);
  EXPECT_EQ(backlog.Value(), 1);
  caf::anon_send_exit(job_, caf::exit_reason::user_shutdown);
  run();
  EXPECT_EQ(backlog.Value(), 0) << "a job actor that quits takes its unanswered calls off the backlog";
}

TEST_F(JobWritesTest, PodWritesSpreadEvenlyOverGatewaysJobWritesStayOnOne) {
  std::vector<std::shared_ptr<test::gateway_log>> logs;
  auto s = settings();
  s.gateways.clear();
  for (int i = 0; i < 4; ++i) {
    logs.push_back(std::make_shared<test::gateway_log>());
    s.gateways.push_back(keep(sys_.spawn(test::fake_gateway, logs.back())));
  }
  job_ = keep(spawn_job_actor(sys_, s, "lattice", "resnet", true));
  run();
  observe(test::make_job([](json::object& job) { job["spec"].as_object()["maxSize"] = 16; }));
  std::vector<scheduling::worker_placement> workers;
  for (int i = 0; i < 16; ++i)
    workers.push_back({i, "node-" + std::to_string(i)});
  decide_running(workers);

  std::size_t gateways_with_status = 0;
  for (const auto& log : logs) {
    // By pod name hash, 16 over 4 put 6 or more on one gateway more often than not.
    EXPECT_EQ(log->of(api_verb::create_pod).size(), 4u) << "a 16-worker job loads 4 gateways evenly";
    gateways_with_status += !log->of(api_verb::patch_job_status).empty();
    for (const auto& create : log->of(api_verb::create_pod))
      send(protocol::pod_observed{test::pod_from(create, pod_phase::running)});
  }
  EXPECT_EQ(gateways_with_status, 1u) << "the job's status writes stay ordered on one gateway";

  elapse(5min);
  decide_running({workers.begin(), workers.begin() + 8}, "making room for lattice/bert");
  for (const auto& log : logs)
    EXPECT_EQ(log->of(api_verb::delete_pod).size(), 4u) << "the restart's 16 deletes load 4 gateways evenly";
}

TEST_F(JobWritesTest, PodWritesPassTheStatusWritesAndEventsQueuedAtTheGateway) {
  start();
  observe(test::make_job());
  const auto before = log_->calls.size();
  // One decision queues the admission's status write, its Event and the
  // creates at the one gateway before it runs: the creates go first.
  decide_running({{0, "node-a"}, {1, "node-b"}, {2, "node-c"}, {3, "node-d"}});
  const auto order = verbs_since(*log_, before);
  ASSERT_EQ(std::count(order.begin(), order.end(), api_verb::create_pod), 4);
  ASSERT_GT(order.size(), 4u) << "the decision also wrote status or an Event";
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(order[i], api_verb::create_pod) << "call " << i << " of the decision";
}

TEST_F(JobWritesTest, DeletesOfLiveWorkersPassTheStatusWriteAndEventOfAResize) {
  run_two_workers(test::make_job());
  elapse(5min);
  const auto before = log_->calls.size();
  decide_running({{0, "node-a"}}, "making room for lattice/bert"); // plain workers restart at the new size
  const auto order = verbs_since(*log_, before);
  ASSERT_EQ(std::count(order.begin(), order.end(), api_verb::delete_pod), 2);
  ASSERT_GT(order.size(), 2u) << "the resize also wrote status or an Event";
  EXPECT_EQ(order[0], api_verb::delete_pod);
  EXPECT_EQ(order[1], api_verb::delete_pod);
}

TEST_F(JobWritesTest, CleanUpDeletesOfFinishedPodsWaitBehindTheCompletion) {
  run_two_workers(test::make_job([](json::object& o) { test::run_policy(o)["cleanPodPolicy"] = "All"; }));
  set_phase("resnet-worker-0", pod_phase::succeeded);
  const auto before = log_->calls.size();
  set_phase("resnet-worker-1", pod_phase::succeeded);
  const auto order = verbs_since(*log_, before);
  ASSERT_EQ(std::count(order.begin(), order.end(), api_verb::delete_pod), 2);
  EXPECT_NE(order[0], api_verb::delete_pod) << "the Completed status and Event go first";
}

} // namespace
} // namespace lattice::actors
