#include "actor_test_support.hpp"
#include "actors/node_actor.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

// used_by_others (pure) and the node actor against a recording autoscaler.

namespace lattice::actors {
namespace {

using k8s::pod_phase;
using test::group;

bound_pod bound(std::int64_t cpu, bool holds, bool planned_worker) {
  bound_pod b;
  b.requests.cpu_millis = cpu;
  b.requests.set("nvidia.com/gpu", 1);
  b.holds = holds;
  b.planned_worker = planned_worker;
  return b;
}

TEST(used_by_others, sums_holding_pods_that_are_not_planned_workers) {
  const std::map<std::string, bound_pod> pods = {
      {"kube-system/dns", bound(500, true, false)},
      {"other/batch", bound(1500, true, false)},
      {"lattice/resnet-worker-0", bound(4000, true, true)}, // the planner counts it through its job
      {"other/done", bound(8000, false, false)},            // Succeeded/Failed
  };
  const auto sum = used_by_others(pods);
  EXPECT_EQ(sum.cpu_millis, 2000);
  EXPECT_EQ(sum.get("nvidia.com/gpu"), 2);
  EXPECT_TRUE(used_by_others({}).empty());
}

k8s::node make_node(const std::string& name, std::int64_t gpus = 8) {
  k8s::node n;
  n.meta.name = name;
  n.meta.labels["kubernetes.io/hostname"] = name;
  n.ready = k8s::condition_status::true_;
  n.allocatable.cpu_millis = 64'000;
  n.allocatable.memory_bytes = std::int64_t{256} << 30;
  n.allocatable.set("nvidia.com/gpu", gpus);
  return n;
}

k8s::pod bound_to(const std::string& node, const std::string& ns, const std::string& name, std::int64_t cpu,
                  pod_phase phase = pod_phase::running) {
  k8s::pod p;
  p.meta.namespace_ = ns;
  p.meta.name = name;
  p.meta.uid = "uid-" + name;
  p.node_name = node;
  p.phase = phase;
  p.requests.cpu_millis = cpu;
  return p;
}

k8s::pod worker_on(const std::string& node, int index) {
  auto p = bound_to(node, "lattice", "resnet-worker-" + std::to_string(index), 4000);
  p.meta.labels[group + "/replica-index"] = std::to_string(index);
  p.requests.set("nvidia.com/gpu", 1);
  return p;
}

/// A worker of TrainingJob lattice/`job` bound to `node`.
k8s::pod job_worker_on(const std::string& node, const std::string& job, int index) {
  auto p = worker_on(node, index);
  p.meta.name = job + "-worker-" + std::to_string(index);
  p.meta.owner_references.push_back({group + "/v1", "TrainingJob", job, "uid-" + job, true});
  return p;
}

using lost_log = std::vector<protocol::node_lost>;

protocol::node_loss_listener::behavior_type recording_listener(protocol::node_loss_listener::pointer,
                                                               std::shared_ptr<lost_log> got) {
  return {[got](protocol::node_lost& m) { got->push_back(m); }};
}

class NodeActorTest : public test::actor_test {
protected:
  std::shared_ptr<test::autoscaler_inbox> inbox_ = std::make_shared<test::autoscaler_inbox>();
  protocol::autoscaler_actor autoscaler_ = keep(sys_.spawn(test::recording_autoscaler, inbox_));
  std::shared_ptr<lost_log> lost_ = std::make_shared<lost_log>();
  protocol::node_loss_listener listener_ = keep(sys_.spawn(recording_listener, lost_));
  protocol::node_actor node_ = keep(spawn_node_actor(sys_, "node-a", group, autoscaler_, listener_));

  template <class Msg>
  void send(Msg msg) {
    caf::anon_send(node_, std::move(msg));
    run();
  }

  std::int64_t last_used_cpu() { return inbox_->nodes.back().used_by_others.get("cpu"); }
};

TEST_F(NodeActorTest, NodeObservedReportsTheNodeState) {
  run();
  EXPECT_TRUE(inbox_->nodes.empty()) << "nothing to say before the Node is seen";
  send(protocol::node_observed{make_node("node-a")});
  ASSERT_EQ(inbox_->nodes.size(), 1u);
  const auto& info = inbox_->nodes.back();
  EXPECT_EQ(info.name, "node-a");
  EXPECT_TRUE(info.ready);
  EXPECT_TRUE(info.schedulable);
  EXPECT_EQ(info.allocatable.get("nvidia.com/gpu"), 8);
  EXPECT_TRUE(info.used_by_others.empty());
}

TEST_F(NodeActorTest, AnUnchangedViewSendsNothing) {
  send(protocol::node_observed{make_node("node-a")});
  auto again = make_node("node-a");
  again.meta.resource_version = "2"; // a resync: new version, same content
  send(protocol::node_observed{again});
  EXPECT_EQ(inbox_->nodes.size(), 1u);
  send(protocol::pod_observed{worker_on("node-a", 0)}); // a planned worker: counted through its job
  EXPECT_EQ(inbox_->nodes.size(), 1u);
  auto cordoned = make_node("node-a");
  cordoned.unschedulable = true;
  send(protocol::node_observed{cordoned});
  ASSERT_EQ(inbox_->nodes.size(), 2u);
  EXPECT_FALSE(inbox_->nodes.back().schedulable);
}

TEST_F(NodeActorTest, PodsBoundToTheNodeChangeUsedByOthers) {
  send(protocol::node_observed{make_node("node-a")});
  send(protocol::pod_observed{bound_to("node-a", "kube-system", "dns", 500)});
  ASSERT_EQ(inbox_->nodes.size(), 2u);
  EXPECT_EQ(last_used_cpu(), 500);
  send(protocol::pod_observed{bound_to("node-a", "other", "batch", 1500)});
  ASSERT_EQ(inbox_->nodes.size(), 3u);
  EXPECT_EQ(last_used_cpu(), 2000);
  // Finished pods free their resources.
  send(protocol::pod_observed{bound_to("node-a", "other", "batch", 1500, pod_phase::succeeded)});
  ASSERT_EQ(inbox_->nodes.size(), 4u);
  EXPECT_EQ(last_used_cpu(), 500);
  // A removal of an older incarnation (other uid) is ignored; the right one counts.
  auto stale = bound_to("node-a", "kube-system", "dns", 500);
  stale.meta.uid = "uid-dns-old";
  send(protocol::pod_removed{stale});
  EXPECT_EQ(inbox_->nodes.size(), 4u);
  send(protocol::pod_removed{bound_to("node-a", "kube-system", "dns", 500)});
  ASSERT_EQ(inbox_->nodes.size(), 5u);
  EXPECT_EQ(last_used_cpu(), 0);
}

TEST_F(NodeActorTest, TerminatingWorkersStayThePlannersNotUsedByOthers) {
  send(protocol::node_observed{make_node("node-a")});
  send(protocol::pod_observed{bound_to("node-a", "kube-system", "dns", 500)});
  auto worker = worker_on("node-a", 1);
  send(protocol::pod_observed{worker});
  const auto reports = inbox_->nodes.size();
  worker.meta.deletion_timestamp = "2026-11-28T10:00:00Z";
  send(protocol::pod_observed{worker});
  EXPECT_EQ(inbox_->nodes.size(), reports) << "nothing the planner does not already know";
  EXPECT_EQ(last_used_cpu(), 500) << "the plan that removed it gave its GPU away already";
  EXPECT_EQ(inbox_->nodes.back().used_by_others.get("nvidia.com/gpu"), 0);
}

TEST_F(NodeActorTest, PodsSeenBeforeTheNodeAreCountedOnceItIs) {
  send(protocol::pod_observed{bound_to("node-a", "kube-system", "dns", 500)});
  EXPECT_TRUE(inbox_->nodes.empty());
  send(protocol::node_observed{make_node("node-a")});
  ASSERT_EQ(inbox_->nodes.size(), 1u);
  EXPECT_EQ(last_used_cpu(), 500);
}

TEST_F(NodeActorTest, NodeRemovedSendsNodeGoneAndQuits) {
  send(protocol::node_observed{make_node("node-a")});
  const auto before = running_actors();
  send(protocol::node_removed{"node-a"});
  ASSERT_EQ(inbox_->nodes_gone.size(), 1u);
  EXPECT_EQ(inbox_->nodes_gone.back().name, "node-a");
  EXPECT_EQ(running_actors(), before - 1) << "the node actor quit";
}

k8s::node not_ready(const std::string& name) {
  auto n = make_node(name);
  n.ready = k8s::condition_status::false_;
  return n;
}

std::string describe(const protocol::node_lost& m) {
  std::string out = m.node + " loss=" + std::to_string(m.loss) + " jobs=";
  for (const auto& j : m.jobs)
    out += j + ",";
  return out;
}

TEST_F(NodeActorTest, ADeletedNodeTellsEachJobWithPodsBoundToIt) {
  send(protocol::node_observed{make_node("node-a")});
  send(protocol::pod_observed{bound_to("node-a", "kube-system", "dns", 500)});
  send(protocol::pod_observed{job_worker_on("node-a", "resnet", 0)});
  send(protocol::pod_observed{job_worker_on("node-a", "resnet", 1)});
  send(protocol::pod_observed{job_worker_on("node-a", "bert", 0)});
  EXPECT_TRUE(lost_->empty());
  send(protocol::node_removed{"node-a"});
  ASSERT_EQ(lost_->size(), 1u);
  EXPECT_EQ(describe(lost_->back()), "node-a loss=2 jobs=lattice/bert,lattice/resnet,")
      << "once per job, no pod without a TrainingJob";
  ASSERT_EQ(inbox_->nodes_gone.size(), 1u) << "and the planner hears it too";
}

TEST_F(NodeActorTest, ANodeNotReadyPastTheThresholdIsUnresponsiveUntilReadyAgain) {
  send(protocol::node_observed{make_node("node-a")});
  send(protocol::pod_observed{job_worker_on("node-a", "resnet", 0)});
  send(protocol::node_observed{not_ready("node-a")});
  wait(lifecycle::unresponsive_node_after - std::chrono::seconds(1));
  EXPECT_TRUE(lost_->empty()) << "not yet";
  send(protocol::node_observed{not_ready("node-a")}); // a later update does not re-arm
  wait(std::chrono::seconds(1));
  ASSERT_EQ(lost_->size(), 1u);
  EXPECT_EQ(describe(lost_->back()), "node-a loss=1 jobs=lattice/resnet,");
  // A pod bound to it afterwards: its job hears at once.
  send(protocol::pod_observed{job_worker_on("node-a", "bert", 0)});
  ASSERT_EQ(lost_->size(), 2u);
  EXPECT_EQ(describe(lost_->back()), "node-a loss=1 jobs=lattice/bert,");
  send(protocol::node_observed{make_node("node-a")});
  ASSERT_EQ(lost_->size(), 3u);
  EXPECT_EQ(describe(lost_->back()), "node-a loss=0 jobs=lattice/bert,lattice/resnet,");
}

TEST_F(NodeActorTest, ANodeReadyAgainWithinTheThresholdIsNeverLost) {
  send(protocol::node_observed{make_node("node-a")});
  send(protocol::pod_observed{job_worker_on("node-a", "resnet", 0)});
  send(protocol::node_observed{not_ready("node-a")});
  wait(std::chrono::seconds(5));
  send(protocol::node_observed{make_node("node-a")});
  wait(lifecycle::unresponsive_node_after * 2);
  EXPECT_TRUE(lost_->empty()) << describe(lost_->front());
}

TEST_F(NodeActorTest, InspectShowsTheNodeAndItsPods) {
  send(protocol::node_observed{make_node("node-a")});
  send(protocol::pod_observed{bound_to("node-a", "kube-system", "dns", 500)});
  send(protocol::pod_observed{worker_on("node-a", 0)});
  const auto o = boost::json::parse(ask(node_, atoms::inspect_atom_v)).as_object();
  EXPECT_EQ(o.at("kind").as_string(), "node");
  EXPECT_EQ(o.at("name").as_string(), "node-a");
  EXPECT_TRUE(o.at("ready").as_bool());
  EXPECT_EQ(o.at("pods").to_number<std::int64_t>(), 2);
  EXPECT_EQ(o.at("usedByOthers").at("cpu").to_number<std::int64_t>(), 500);
  EXPECT_EQ(o.at("updatesSent").to_number<std::int64_t>(), 2);
  const auto summary = boost::json::parse(ask(node_, atoms::summary_atom_v)).as_object();
  EXPECT_EQ(summary.at("name").as_string(), "node-a");
  EXPECT_FALSE(summary.contains("boundPods"));
}

} // namespace
} // namespace lattice::actors
