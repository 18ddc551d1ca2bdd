#include "actor_test_support.hpp"
#include "actors/autoscaler.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

// The autoscaler tells each waiting job its place among the waiting jobs
// (status.queuePosition), and tells it again only when it moves.

namespace lattice::actors {
namespace {

using namespace std::chrono_literals;
using scheduling::job_info;

const char* gpu = "nvidia.com/gpu";
const scheduling::time_point wall{std::chrono::hours{24 * 365 * 56}};

/// The queue positions one job heard, in order.
using heard = std::shared_ptr<std::vector<std::int32_t>>;

protocol::job_actor::behavior_type position_job(protocol::job_actor::pointer, heard got) {
  return {
      [](const protocol::job_observed&) {},
      [](const protocol::job_removed&) {},
      [](const protocol::job_undecodable&) {},
      [](const protocol::pod_observed&) {},
      [](const protocol::pod_removed&) {},
      [got](const protocol::job_decision& d) { got->push_back(d.queue_position); },
      [](const protocol::requeue_timer&) {},
      [](const protocol::deadline_timer&) {},
      [](const protocol::ttl_timer&) {},
      [](const protocol::resync_timer&) {},
      [](const protocol::status_flush_timer&) {},
      [](const protocol::node_lost&) {},
      [](const protocol::set_leader&) {},
      [](atoms::summary_atom) { return std::string{"{}"}; },
      [](atoms::inspect_atom) { return std::string{"{}"}; },
  };
}

job_info gpu_job(std::string name, int32_t size, int32_t priority, std::chrono::minutes queued_ago) {
  job_info j;
  j.namespace_ = "ns";
  j.name = std::move(name);
  j.min_size = j.max_size = size;
  j.priority = priority;
  j.worker_resources = {{"cpu", 1'000}, {gpu, 1}};
  j.submit_time = wall - queued_ago;
  return j;
}

class AutoscalerPositionTest : public ::testing::Test {
protected:
  static caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    return cfg;
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_{testing_config(cfg_)};
  caf::scheduler::test_coordinator& sched_ =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler());
  lattice::test::manual_clock wall_{wall};
  std::shared_ptr<actor_clock> clock_ = std::make_shared<actor_clock>(sys_.clock(), wall_);
  std::vector<caf::actor> spawned_;
  protocol::autoscaler_actor autoscaler_;
  std::map<std::string, std::pair<protocol::job_actor, heard>> jobs_;

  void SetUp() override {
    autoscaler_settings s;
    s.plan_debounce = 200ms;
    s.plan_max_delay = 1s;
    s.clock = clock_;
    s.start_as_leader = true;
    autoscaler_ = spawn_autoscaler(sys_, std::move(s));
    spawned_.push_back(caf::actor_cast<caf::actor>(autoscaler_));
    scheduling::node_info n;
    n.name = "n1";
    n.allocatable = {{"cpu", 64'000}, {"memory", int64_t{256} << 30}, {gpu, 4}};
    caf::anon_send(autoscaler_, protocol::node_state{n});
    sched_.run();
  }

  void TearDown() override {
    for (auto& a : spawned_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched_.run();
    while (sched_.trigger_timeouts() > 0)
      sched_.run();
  }

  void add(const job_info& j) {
    auto got = std::make_shared<std::vector<std::int32_t>>();
    auto h = sys_.spawn(position_job, got);
    spawned_.push_back(caf::actor_cast<caf::actor>(h));
    jobs_[j.name] = {h, got};
    caf::anon_send(autoscaler_, protocol::job_state{j, h});
    sched_.run();
  }

  void plan() {
    sched_.advance_time(200ms);
    sched_.run();
  }

  std::vector<std::int32_t> heard_by(const std::string& name) { return *jobs_.at(name).second; }
};

TEST_F(AutoscalerPositionTest, WaitingJobsHearTheirPlaceAndOnlyWhenItMoves) {
  auto running = gpu_job("running", 4, 10, 60min); // holds all 4 GPUs
  running.stage = scheduling::job_stage::running;
  for (std::int32_t i = 0; i < 4; ++i)
    running.workers.push_back({i, "n1"});
  add(running);
  add(gpu_job("old", 2, 0, 30min));
  add(gpu_job("young", 2, 0, 10min));
  add(gpu_job("urgent", 2, 5, 1min)); // a higher priority queues ahead of both
  plan();
  EXPECT_EQ(heard_by("running"), std::vector<std::int32_t>{0}) << "admitted: no position";
  EXPECT_EQ(heard_by("urgent"), std::vector<std::int32_t>{1});
  EXPECT_EQ(heard_by("old"), std::vector<std::int32_t>{2});
  EXPECT_EQ(heard_by("young"), std::vector<std::int32_t>{3});

  // The head leaves the queue: everyone behind it moves up, and hears it.
  caf::anon_send(autoscaler_, protocol::job_gone{"ns", "urgent"});
  sched_.run();
  plan();
  EXPECT_EQ(heard_by("old"), (std::vector<std::int32_t>{2, 1}));
  EXPECT_EQ(heard_by("young"), (std::vector<std::int32_t>{3, 2}));
  EXPECT_EQ(heard_by("running"), std::vector<std::int32_t>{0}) << "nothing new for it";

  // Another plan with nothing changed: no message.
  add(gpu_job("last", 2, 0, 1min));
  EXPECT_EQ(heard_by("last"), std::vector<std::int32_t>{}) << "before the plan";
  plan();
  EXPECT_EQ(heard_by("last"), std::vector<std::int32_t>{3});
  EXPECT_EQ(heard_by("old"), (std::vector<std::int32_t>{2, 1})) << "its place did not move";
}

} // namespace
} // namespace lattice::actors
