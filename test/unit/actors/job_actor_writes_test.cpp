#include "job_actor_fixture.hpp"
#include "observability/metrics.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

// The job actor's write path at scale: status writes are coalesced (one in
// flight per job, counts-only changes batched for status_flush_delay), and
// each write says how urgent it is and whether it keeps the job's order.

namespace lattice::actors {
namespace {

using protocol::write_class;

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
  const auto delay = settings().config.status_message_delay;
  elapse(delay - 1s);
  EXPECT_EQ(calls(api_verb::patch_job_status).size(), before);
  elapse(1s);
  ASSERT_EQ(calls(api_verb::patch_job_status).size(), before + 1) << "one write within the message delay";
  EXPECT_EQ(condition_message(last_status(), "Queued"), "needs 4 GPUs; largest placement possible now: 1");

  decide_waiting("", "needs 4 GPUs; largest placement possible now: 3");
  decide_running({{0, "node-a"}});
  materialize(k8s::pod_phase::running);
  ASSERT_EQ(calls(api_verb::patch_job_status).size(), before + 2)
      << "admission goes out once its worker runs";
  EXPECT_EQ(text(last_status(), "stage"), "Running");
  elapse(delay);
  EXPECT_EQ(calls(api_verb::patch_job_status).size(), before + 2)
      << "the message change went out with the admission: the armed flush has nothing left";
}

TEST_F(JobWritesTest, OneStatusWriteInFlightAndTheAnswerSendsTheLatest) {
  auto held = std::make_shared<test::held_writes>();
  auto s = settings();
  auto gateway = keep(sys_.spawn(test::holding_gateway, held));
  s.writes = caf::actor_cast<protocol::gateway_actor>(gateway);
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
  wait(status_flush_delay); // the admission's hold ends while the first write is in flight
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
  s.writes = caf::actor_cast<protocol::gateway_actor>(gateway);
  job_ = keep(spawn_job_actor(sys_, s, "lattice", "resnet", true));
  run();

  observe(test::make_job());
  ASSERT_EQ(held->waiting.size(), 1u) << "the first status write is held";
  EXPECT_EQ(backlog.Value(), 1) << "answered calls left the backlog, the held one did not";

  send_to(gateway, protocol::api_result{true, 200, ""});
  EXPECT_EQ(backlog.Value(), 0);

  decide_running({{0, "node-a"}});
  wait(status_flush_delay); // the admission's status, its worker never seen running
  ASSERT_EQ(held->waiting.size(), 1u);
  EXPECT_EQ(backlog.Value(), 1);
  caf::anon_send_exit(job_, caf::exit_reason::user_shutdown);
  run();
  EXPECT_EQ(backlog.Value(), 0) << "a job actor that quits takes its unanswered calls off the backlog";
}

// The dispatcher orders the backlog (write_queue_test, write_dispatcher_test);
// the job actor says how urgent each write is and which must keep its order.

TEST_F(JobWritesTest, ADecisionsCreatesStartPodsUnkeyedItsStatusAndEventKeepTheJobsOrder) {
  start();
  observe(test::make_job());
  const auto before = log_->calls.size();
  decide_running({{0, "node-a"}, {1, "node-b"}, {2, "node-c"}, {3, "node-d"}});
  std::size_t creates = 0;
  std::size_t bookkeeping = 0;
  for (auto i = before; i < log_->calls.size(); ++i) {
    const auto& c = log_->calls[i];
    SCOPED_TRACE(std::string(k8s::to_string(c.verb)) + " " + c.name);
    if (c.verb == api_verb::create_pod) {
      ++creates;
      EXPECT_EQ(c.urgency, write_class::start_pods);
      EXPECT_EQ(c.order_key, "") << "a job's creates run on every free gateway at once";
    } else {
      ++bookkeeping;
      EXPECT_EQ(c.urgency, write_class::bookkeeping);
      EXPECT_EQ(c.order_key, "lattice/resnet") << "the job's own writes stay in order";
    }
  }
  EXPECT_EQ(creates, 4u);
  EXPECT_GT(bookkeeping, 0u) << "the decision also wrote status or an Event";
}

TEST_F(JobWritesTest, DeletesOfLiveWorkersFreeGpus) {
  run_two_workers(test::make_job());
  elapse(5min);
  decide_running({{0, "node-a"}}, "making room for lattice/bert"); // plain workers restart at the new size
  const auto deletes = log_->of(api_verb::delete_pod);
  ASSERT_EQ(deletes.size(), 2u);
  for (const auto& d : deletes) {
    EXPECT_EQ(d.urgency, write_class::free_gpus) << d.name;
    EXPECT_EQ(d.order_key, "") << d.name;
  }
}

TEST_F(JobWritesTest, CleanUpDeletesOfFinishedPodsAreBookkeeping) {
  run_two_workers(test::make_job([](json::object& o) { test::run_policy(o)["cleanPodPolicy"] = "All"; }));
  set_phase("resnet-worker-0", pod_phase::succeeded);
  set_phase("resnet-worker-1", pod_phase::succeeded);
  const auto deletes = log_->of(api_verb::delete_pod);
  ASSERT_EQ(deletes.size(), 2u);
  for (const auto& d : deletes)
    EXPECT_EQ(d.urgency, write_class::bookkeeping) << d.name << " frees nothing: the job is done";
}

TEST_F(JobWritesTest, TheRendezvousPodStartsPodsItsServicesAreBookkeeping) {
  start();
  observe(test::make_job([](json::object& o) { o["spec"].as_object()["injectLattice"] = true; }));
  decide_running({{0, "node-a"}});
  const auto rdzv = log_->of(api_verb::create_pod);
  ASSERT_FALSE(rdzv.empty());
  for (const auto& c : rdzv)
    EXPECT_EQ(c.urgency, write_class::start_pods) << c.name;
  const auto services = log_->of(api_verb::create_service);
  ASSERT_EQ(services.size(), 2u) << "workers and rendezvous Services";
  for (const auto& c : services) {
    EXPECT_EQ(c.urgency, write_class::bookkeeping) << c.name;
    EXPECT_EQ(c.order_key, "lattice/resnet") << c.name;
  }
}

} // namespace
} // namespace lattice::actors
