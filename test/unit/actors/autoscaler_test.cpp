#include "actor_test_support.hpp"
#include "actors/autoscaler.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

// The autoscaler actor on CAF's deterministic test coordinator: time moves
// only through advance_time(), so debounce windows are exact and no test sleeps.

namespace lattice::actors {
namespace {

using namespace std::chrono_literals;
using scheduling::job_info;
using scheduling::job_stage;
using scheduling::node_info;
using test::recording_job;

const char* gpu = "nvidia.com/gpu";
/// The actor clock's wall time at the start (test::actor_test).
const scheduling::time_point wall = lattice::test::at("2026-11-28T10:00:00Z");

using inbox = std::shared_ptr<std::vector<scheduling::job_decision>>;

node_info gpu_node(std::string name, int64_t gpus) {
  node_info n;
  n.name = std::move(name);
  n.allocatable = {{"cpu", 64'000}, {"memory", int64_t{256} << 30}, {gpu, gpus}};
  return n;
}

job_info gpu_job(std::string name, int32_t min_size, int32_t max_size, int32_t priority = 0) {
  job_info j;
  j.namespace_ = "ns";
  j.name = std::move(name);
  j.min_size = min_size;
  j.max_size = max_size;
  j.priority = priority;
  j.worker_resources = {{"cpu", 1'000}, {gpu, 1}};
  j.submit_time = wall - 1h;
  return j;
}

class AutoscalerTest : public test::actor_test {
protected:
  autoscaler_settings settings(bool leader = true) {
    autoscaler_settings s;
    s.plan_debounce = 200ms;
    s.plan_max_delay = 1s;
    s.clock = clock_;
    s.start_as_leader = leader;
    return s;
  }

  protocol::autoscaler_actor start(autoscaler_settings s) {
    auto a = keep(spawn_autoscaler(sys_, std::move(s)));
    run();
    return a;
  }

  /// Spawns a recording job actor; its decisions land in the returned inbox.
  std::pair<protocol::job_actor, inbox> job_handle() {
    auto got = std::make_shared<std::vector<scheduling::job_decision>>();
    auto h = keep(sys_.spawn(recording_job, got));
    run();
    return {h, got};
  }

  void send(const protocol::autoscaler_actor& a, protocol::job_state msg) {
    caf::anon_send(a, std::move(msg));
    sched_.run();
  }

  void send_node(const protocol::autoscaler_actor& a, node_info n) {
    caf::anon_send(a, protocol::node_state{std::move(n)});
    sched_.run();
  }

  boost::json::object inspect(const protocol::autoscaler_actor& a) {
    caf::scoped_actor s{sys_};
    s->send(a, atoms::inspect_atom_v);
    sched_.run();
    std::string answer;
    s->receive([&](const std::string& json) { answer = json; },
               [&](const caf::error& err) { ADD_FAILURE() << sys_.render(err); });
    return boost::json::parse(answer).as_object();
  }

  int64_t plans(const protocol::autoscaler_actor& a) { return inspect(a).at("plans").to_number<int64_t>(); }
};

TEST_F(AutoscalerTest, DebounceFoldsABurstOfChangesIntoOnePlan) {
  auto a = start(settings());
  auto [h1, got1] = job_handle();
  auto [h2, got2] = job_handle();
  send_node(a, gpu_node("n1", 4));
  send_node(a, gpu_node("n2", 4));
  send(a, {gpu_job("a", 1, 2), h1});
  send(a, {gpu_job("b", 1, 2), h2});
  EXPECT_EQ(plans(a), 0);
  wait(199ms);
  EXPECT_EQ(plans(a), 0) << "the window is still open";
  wait(1ms);
  EXPECT_EQ(plans(a), 1);
  ASSERT_EQ(got1->size(), 1u);
  ASSERT_EQ(got2->size(), 1u);
  wait(10s);
  EXPECT_EQ(plans(a), 1) << "no change, no plan";
}

TEST_F(AutoscalerTest, EachChangeExtendsTheQuietWindow) {
  auto a = start(settings());
  send_node(a, gpu_node("n1", 4));
  wait(150ms);
  send_node(a, gpu_node("n2", 4)); // window now ends at 350ms
  wait(50ms);                      // the first timer fires at 200ms and re-arms
  EXPECT_EQ(plans(a), 0);
  wait(149ms);
  EXPECT_EQ(plans(a), 0);
  wait(1ms);
  EXPECT_EQ(plans(a), 1);
}

TEST_F(AutoscalerTest, SteadyStreamOfChangesStillPlansWithinMaxDelay) {
  auto a = start(settings());
  for (int i = 0; i < 10; ++i) { // a change every 100ms for 1s: the quiet window never closes
    send_node(a, gpu_node("n" + std::to_string(i), 4));
    wait(100ms);
  }
  EXPECT_EQ(plans(a), 1) << "planned at the max delay (1s after the first change)";
  EXPECT_EQ(inspect(a).at("nodes_known").to_number<int64_t>(), 10);
}

TEST_F(AutoscalerTest, AtMostOnePlanPerWindow) {
  auto a = start(settings());
  send_node(a, gpu_node("n1", 4));
  wait(200ms);
  ASSERT_EQ(plans(a), 1);
  send_node(a, gpu_node("n2", 4)); // right after a plan: a new window opens
  wait(199ms);
  EXPECT_EQ(plans(a), 1);
  wait(1ms);
  EXPECT_EQ(plans(a), 2);
}

TEST_F(AutoscalerTest, StaleTimersAreIgnored) {
  auto a = start(settings());
  caf::anon_send(a, protocol::replan_timer{0});
  caf::anon_send(a, protocol::replan_timer{12345});
  sched_.run();
  EXPECT_EQ(plans(a), 0) << "nothing pending";
  send_node(a, gpu_node("n1", 4));
  caf::anon_send(a, protocol::replan_timer{12345});
  sched_.run();
  EXPECT_EQ(plans(a), 0) << "a timer of another generation does not close the window";
  wait(200ms);
  EXPECT_EQ(plans(a), 1);
}

TEST_F(AutoscalerTest, DecisionsReachTheJobActorAndUnchangedOnesAreNotResent) {
  auto a = start(settings());
  auto [h, got] = job_handle();
  send_node(a, gpu_node("n1", 4));
  auto job = gpu_job("a", 1, 2);
  send(a, {job, h});
  wait(200ms);
  ASSERT_EQ(got->size(), 1u);
  const auto d = got->front();
  EXPECT_EQ(d.name, "a");
  EXPECT_EQ(d.stage, job_stage::running);
  EXPECT_EQ(d.size, 2);
  EXPECT_TRUE(d.changed);
  EXPECT_EQ(d.added.size(), 2u);

  // The job actor applied it and reports the new state: the next plan keeps
  // the job as it is, so the job hears nothing more.
  job.stage = job_stage::running;
  job.workers = d.workers;
  job.last_resize_time = wall;
  send(a, {job, h});
  wait(200ms);
  EXPECT_EQ(plans(a), 2);
  EXPECT_EQ(got->size(), 1u);

  // Same state reported again: a plan, still nothing new for the job.
  send(a, {job, h});
  wait(200ms);
  EXPECT_EQ(plans(a), 3);
  EXPECT_EQ(got->size(), 1u);

  // Its node disappears: the decision changes and is sent.
  caf::anon_send(a, protocol::node_gone{"n1"});
  sched_.run();
  wait(200ms);
  ASSERT_EQ(got->size(), 2u) << "the job must hear about its lost node";
  EXPECT_TRUE(got->back().changed);
  EXPECT_EQ(got->back().stage, job_stage::waiting);
}

TEST_F(AutoscalerTest, StandbySendsNothingUntilItLeads) {
  auto a = start(settings(false));
  auto [h, got] = job_handle();
  send_node(a, gpu_node("n1", 4));
  send(a, {gpu_job("a", 1, 1), h});
  wait(10s);
  EXPECT_TRUE(got->empty());
  auto standby = inspect(a);
  EXPECT_FALSE(standby.at("leader").as_bool());
  EXPECT_EQ(standby.at("plans").to_number<int64_t>(), 0);
  EXPECT_EQ(standby.at("jobs_known").to_number<int64_t>(), 1) << "the standby keeps its snapshot warm";

  caf::anon_send(a, protocol::set_leader{true});
  sched_.run();
  wait(200ms);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().stage, job_stage::running);

  // Losing leadership cancels a pending plan.
  send(a, {gpu_job("a", 1, 1), h});
  caf::anon_send(a, protocol::set_leader{false});
  sched_.run();
  wait(10s);
  EXPECT_EQ(plans(a), 1);
  EXPECT_EQ(got->size(), 1u);
}

TEST_F(AutoscalerTest, InspectReturnsTheQueueAndPerJobLines) {
  auto a = start(settings());
  auto before = inspect(a);
  EXPECT_TRUE(before.at("last_plan").is_null());
  EXPECT_TRUE(before.at("leader").as_bool());

  auto [hl, gotl] = job_handle();
  auto [hh, goth] = job_handle();
  send_node(a, gpu_node("n1", 2));
  send(a, {gpu_job("low", 2, 2, 1), hl});
  send(a, {gpu_job("high", 2, 2, 10), hh});
  wait(200ms);

  auto out = inspect(a);
  const auto& plan = out.at("last_plan").as_object();
  const auto& queue = plan.at("queue").as_array();
  ASSERT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue[0].as_string(), "ns/high");
  EXPECT_EQ(queue[1].as_string(), "ns/low");
  EXPECT_EQ(plan.at("time").as_string(), scheduling::format_time(wall));
  EXPECT_GE(plan.at("duration_us").to_number<int64_t>(), 0);
  const auto& high = plan.at("jobs").at("ns/high").as_object();
  EXPECT_EQ(high.at("stage").as_string(), "running");
  EXPECT_EQ(high.at("size").to_number<int64_t>(), 2);
  const auto& low = plan.at("jobs").at("ns/low").as_object();
  EXPECT_EQ(low.at("stage").as_string(), "waiting");
  EXPECT_EQ(low.at("size").to_number<int64_t>(), 0);
  EXPECT_FALSE(low.at("reason").as_string().empty()) << "a waiting job says why";
  EXPECT_EQ(out.at("decisions_sent").to_number<int64_t>(), 2);
}

TEST_F(AutoscalerTest, JobGoneLeavesTheSnapshot) {
  auto a = start(settings());
  auto [h, got] = job_handle();
  send_node(a, gpu_node("n1", 4));
  send(a, {gpu_job("a", 1, 1), h});
  wait(200ms);
  caf::anon_send(a, protocol::job_gone{"ns", "a"});
  sched_.run();
  wait(200ms);
  auto out = inspect(a);
  EXPECT_EQ(out.at("jobs_known").to_number<int64_t>(), 0);
  EXPECT_EQ(out.at("plans").to_number<int64_t>(), 2);
  EXPECT_TRUE(out.at("last_plan").at("queue").as_array().empty());
  EXPECT_EQ(got->size(), 1u);
}

} // namespace
} // namespace lattice::actors
