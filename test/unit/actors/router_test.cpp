#include "actor_test_support.hpp"
#include "actors/autoscaler.hpp"
#include "actors/router.hpp"

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

// controlling_job_key (pure) and the router: actors spawned and stopped by
// key, pods handed to their job and their node, the actors list.

namespace lattice::actors {
namespace {

using k8s::pod_phase;
using test::group;

k8s::pod owned_pod(const std::string& name, const std::string& job,
                   const std::string& job_uid = "job-uid-1") {
  k8s::pod p;
  p.meta.namespace_ = "lattice";
  p.meta.name = name;
  p.meta.uid = "uid-" + name;
  p.meta.owner_references.push_back({group + "/v1", "TrainingJob", job, job_uid, true});
  p.phase = pod_phase::pending;
  return p;
}

TEST(controlling_job_key, the_controller_training_job_of_the_group) {
  EXPECT_EQ(controlling_job_key(owned_pod("w0", "resnet"), group), "lattice/resnet");
  auto not_controller = owned_pod("w0", "resnet");
  not_controller.meta.owner_references[0].controller = false;
  EXPECT_EQ(controlling_job_key(not_controller, group), "");
  auto other_group = owned_pod("w0", "resnet");
  other_group.meta.owner_references[0].api_version = "example.com/v1";
  EXPECT_EQ(controlling_job_key(other_group, group), "");
  EXPECT_EQ(controlling_job_key(owned_pod("w0", "resnet"), "example.com"), "")
      << "the configured group counts";
  auto other_kind = owned_pod("w0", "resnet");
  other_kind.meta.owner_references[0].kind = "Job";
  EXPECT_EQ(controlling_job_key(other_kind, group), "");
  // A non-controller reference first does not hide the controller.
  auto two = owned_pod("w0", "resnet");
  two.meta.owner_references.insert(two.meta.owner_references.begin(),
                                   k8s::owner_ref{group + "/v1", "TrainingJob", "other", "u2", false});
  EXPECT_EQ(controlling_job_key(two, group), "lattice/resnet");
  EXPECT_EQ(controlling_job_key(k8s::pod{}, group), "");
}

/// A worker of `job` running on `node`.
k8s::pod running_pod_on(const std::string& name, const std::string& job, const std::string& node) {
  auto p = owned_pod(name, job);
  p.node_name = node;
  p.phase = pod_phase::running;
  return p;
}

k8s::training_job named_job(const std::string& name, const std::string& uid = "job-uid-1") {
  return test::make_job([&](boost::json::object& o) {
    auto& meta = o["metadata"].as_object();
    meta["name"] = name;
    meta["uid"] = uid;
  });
}

class RouterTest : public test::actor_test {
protected:
  std::shared_ptr<test::autoscaler_inbox> inbox_ = std::make_shared<test::autoscaler_inbox>();
  std::shared_ptr<test::gateway_log> gateway_log_ = std::make_shared<test::gateway_log>();
  protocol::autoscaler_actor autoscaler_ = keep(sys_.spawn(test::recording_autoscaler, inbox_));
  protocol::gateway_actor gateway_ = keep(sys_.spawn(test::fake_gateway, gateway_log_));
  protocol::router_actor router_ = keep(spawn_router(sys_, settings()));

  job_settings settings() {
    job_settings s;
    s.config.api_group = group;
    s.autoscaler = autoscaler_;
    s.writes = gateway_;
    s.clock = clock_;
    return s;
  }

  template <class Msg>
  void send(Msg msg) {
    caf::anon_send(router_, std::move(msg));
    run();
  }

  boost::json::array summary() {
    const auto text = ask(router_, atoms::summary_atom_v);
    auto v = boost::json::parse(text);
    return v.is_array() ? v.as_array() : boost::json::array{};
  }

  /// "kind:name" of every line of the actors list.
  std::multiset<std::string> listed() {
    std::multiset<std::string> out;
    for (const auto& line : summary())
      out.insert(std::string(line.at("kind").as_string()) + ":" + std::string(line.at("name").as_string()));
    return out;
  }

  std::string inspect(const std::string& kind, const std::string& key) {
    return ask(router_, atoms::inspect_atom_v, kind, key);
  }

  std::set<std::string> job_pods(const std::string& key) {
    std::set<std::string> out;
    const auto state = boost::json::parse(inspect("job", key));
    for (const auto& p : state.at("pods").as_array())
      out.insert(std::string(p.at("name").as_string()));
    return out;
  }
};

TEST_F(RouterTest, SummaryListsRouterAndAutoscalerWhenEmpty) {
  EXPECT_EQ(listed(), (std::multiset<std::string>{"router:router", "autoscaler:autoscaler"}));
  const auto lines = summary();
  for (const auto& line : lines)
    if (line.at("kind").as_string() == "router") {
      EXPECT_EQ(line.at("jobs").to_number<std::int64_t>(), 0);
      EXPECT_EQ(line.at("nodes").to_number<std::int64_t>(), 0);
    }
}

TEST_F(RouterTest, JobObservedSpawnsOneJobActorPerKey) {
  const auto before = running_actors();
  send(protocol::job_observed{named_job("resnet")});
  send(protocol::job_observed{named_job("resnet")});
  send(protocol::job_observed{named_job("bert", "job-uid-2")});
  EXPECT_EQ(running_actors(), before + 2);
  EXPECT_EQ(listed(), (std::multiset<std::string>{"router:router", "autoscaler:autoscaler",
                                                  "job:lattice/resnet", "job:lattice/bert"}));
  // Both observations of resnet reached the same actor: one sender only.
  std::set<caf::actor_addr> senders(inbox_->job_senders.begin(), inbox_->job_senders.end());
  EXPECT_EQ(senders.size(), 2u);
  EXPECT_TRUE(gateway_log_->calls.empty()) << "the router starts as a standby: job actors write nothing";
}

TEST_F(RouterTest, PodsArrivingBeforeTheirJobAreHandedOver) {
  send(protocol::pod_observed{owned_pod("resnet-worker-0", "resnet")});
  send(protocol::pod_observed{owned_pod("resnet-worker-1", "resnet")});
  send(protocol::pod_removed{owned_pod("resnet-worker-1", "resnet")}); // gone before the job showed up
  EXPECT_EQ(listed().count("job:lattice/resnet"), 0u) << "a pod alone spawns no job actor";
  send(protocol::job_observed{named_job("resnet")});
  EXPECT_EQ(job_pods("lattice/resnet"), (std::set<std::string>{"resnet-worker-0"}));
  // Later pods go straight to the job actor.
  send(protocol::pod_observed{owned_pod("resnet-worker-2", "resnet")});
  EXPECT_EQ(job_pods("lattice/resnet"), (std::set<std::string>{"resnet-worker-0", "resnet-worker-2"}));
}

TEST_F(RouterTest, PodsNoJobControlsReachOnlyTheirNode) {
  auto system_pod = owned_pod("dns", "x");
  system_pod.meta.owner_references.clear();
  system_pod.node_name = "node-a";
  system_pod.phase = pod_phase::running;
  system_pod.requests.cpu_millis = 500;
  send(protocol::pod_observed{system_pod});
  EXPECT_EQ(listed(), (std::multiset<std::string>{"router:router", "autoscaler:autoscaler", "node:node-a"}));
}

TEST_F(RouterTest, PodsBoundToANodeGoToItsNodeActor) {
  send(protocol::job_observed{named_job("resnet")});
  auto pod = running_pod_on("resnet-worker-0", "resnet", "node-a");
  send(protocol::pod_observed{pod});
  EXPECT_EQ(listed().count("node:node-a"), 1u);
  const auto node = boost::json::parse(inspect("node", "node-a")).as_object();
  ASSERT_EQ(node.at("boundPods").as_array().size(), 1u);
  EXPECT_EQ(node.at("boundPods").as_array()[0].at("pod").as_string(), "lattice/resnet-worker-0");
  EXPECT_EQ(job_pods("lattice/resnet"), (std::set<std::string>{"resnet-worker-0"}));
  // The node's Node object reaches the same actor, which reports it.
  send(protocol::node_observed{lattice::test::make_node("node-a").gpus(8)});
  EXPECT_EQ(listed().count("node:node-a"), 1u);
  ASSERT_EQ(inbox_->nodes.size(), 1u);
  EXPECT_EQ(inbox_->nodes[0].name, "node-a");
  // The pod's removal reaches the node too.
  send(protocol::pod_removed{pod});
  EXPECT_TRUE(boost::json::parse(inspect("node", "node-a")).at("boundPods").as_array().empty());
  send(protocol::node_removed{"node-a"});
  EXPECT_EQ(listed().count("node:node-a"), 0u);
  ASSERT_EQ(inbox_->nodes_gone.size(), 1u);
}

TEST_F(RouterTest, ADeletedNodeReachesOnlyTheJobsWithPodsOnIt) {
  send(protocol::job_observed{named_job("resnet")});
  send(protocol::job_observed{named_job("bert", "job-uid-2")});
  send(protocol::node_observed{lattice::test::make_node("node-a")});
  auto pod = running_pod_on("resnet-worker-0", "resnet", "node-a");
  send(protocol::pod_observed{pod});
  const auto lost = [&](const std::string& key) {
    return boost::json::serialize(boost::json::parse(inspect("job", key)).at("lostNodes"));
  };
  EXPECT_EQ(lost("lattice/resnet"), "{}");
  send(protocol::node_removed{"node-a"});
  EXPECT_EQ(lost("lattice/resnet"), R"({"node-a":"deleted"})");
  EXPECT_EQ(lost("lattice/bert"), "{}") << "no pod of bert was on node-a";
}

TEST_F(RouterTest, PodEventsNamingADeletedNodeBringBackNoNodeActor) {
  send(protocol::node_observed{lattice::test::make_node("node-a")});
  auto pod = running_pod_on("resnet-worker-0", "resnet", "node-a");
  send(protocol::pod_observed{pod});
  const auto before = running_actors();
  send(protocol::node_removed{"node-a"});
  EXPECT_EQ(running_actors(), before - 1);
  // The node's pods go on changing for a while (terminating, failed by PodGC).
  pod.phase = pod_phase::failed;
  send(protocol::pod_observed{pod});
  send(protocol::pod_removed{pod});
  EXPECT_EQ(running_actors(), before - 1) << "a node actor for a node that is gone would never quit";
  EXPECT_EQ(listed().count("node:node-a"), 0u);
  // The node registers again under its name: it is tracked again.
  send(protocol::node_observed{lattice::test::make_node("node-a")});
  send(protocol::pod_observed{pod});
  EXPECT_EQ(listed().count("node:node-a"), 1u);
}

TEST_F(RouterTest, PodsOfJobsOutsideTheWatchedNamespaceAreNotKept) {
  auto s = settings();
  s.watch_namespace = "lattice";
  auto router = keep(spawn_router(sys_, s));
  run();
  auto foreign = owned_pod("other-worker-0", "other");
  foreign.meta.namespace_ = "team-b"; // its TrainingJob is never watched here
  caf::anon_send(router, protocol::pod_observed{foreign});
  caf::anon_send(router, protocol::pod_observed{owned_pod("resnet-worker-0", "resnet")});
  run();
  std::int64_t waiting = -1;
  const auto summary = boost::json::parse(ask(router, atoms::summary_atom_v));
  for (const auto& line : summary.as_array())
    if (line.at("kind").as_string() == "router")
      waiting = line.at("waitingPods").to_number<std::int64_t>();
  EXPECT_EQ(waiting, 1) << "only the watched namespace's pod waits for its job";
}

TEST_F(RouterTest, JobRemovedStopsTheJobActor) {
  send(protocol::job_observed{named_job("resnet")});
  const auto before = running_actors();
  send(protocol::job_removed{"lattice", "resnet"});
  EXPECT_EQ(running_actors(), before - 1);
  EXPECT_EQ(listed().count("job:lattice/resnet"), 0u);
  EXPECT_EQ(inspect("job", "lattice/resnet"), "");
  ASSERT_EQ(inbox_->jobs_gone.size(), 1u) << "the autoscaler forgets the job";
  EXPECT_EQ(inbox_->jobs_gone[0].name, "resnet");
  send(protocol::job_removed{"lattice", "resnet"}); // unknown by now: nothing happens
  EXPECT_EQ(running_actors(), before - 1);
}

TEST_F(RouterTest, InspectOfAnUnknownKeyAnswersEmpty) {
  EXPECT_EQ(inspect("job", "lattice/nope"), "");
  EXPECT_EQ(inspect("node", "nope"), "");
  EXPECT_EQ(inspect("gizmo", "x"), "");
  EXPECT_EQ(inspect("autoscaler", ""), R"({"kind":"autoscaler"})");
  send(protocol::job_observed{named_job("resnet")});
  const auto job = boost::json::parse(inspect("job", "lattice/resnet")).as_object();
  EXPECT_EQ(job.at("name").as_string(), "lattice/resnet");
}

TEST_F(RouterTest, LeadershipReachesTheAutoscalerAndEveryJob) {
  send(protocol::job_observed{named_job("resnet")});
  EXPECT_TRUE(gateway_log_->calls.empty());
  send(protocol::set_leader{true});
  ASSERT_EQ(inbox_->leader.size(), 1u);
  EXPECT_TRUE(inbox_->leader[0]);
  EXPECT_EQ(gateway_log_->of(protocol::api_verb::patch_job_status).size(), 1u)
      << "the new leader writes status";
  // Job actors spawned from now on start as leaders.
  send(protocol::job_observed{named_job("bert", "job-uid-2")});
  EXPECT_EQ(gateway_log_->of(protocol::api_verb::patch_job_status).size(), 2u);
}

// kubectl delete + apply under the same name: the router stops the old job
// actor and spawns a new one at once. Each tells the autoscaler, the old one
// job_gone and the new one job_state, and nothing orders the two: the old
// actor may still be busy with earlier events. Here the new actor runs first.
TEST_F(RouterTest, AJobRecreatedUnderTheSameNameStaysInTheAutoscalersSnapshot) {
  autoscaler_settings as;
  as.clock = clock_;
  auto autoscaler = keep(spawn_autoscaler(sys_, as));
  auto s = settings();
  s.autoscaler = autoscaler;
  auto router = keep(spawn_router(sys_, s));
  run();
  caf::anon_send(router, protocol::job_observed{named_job("resnet", "job-uid-1")});
  run();
  auto jobs_known = [&] {
    return boost::json::parse(ask(autoscaler, atoms::inspect_atom_v))
        .at("jobs_known")
        .to_number<std::int64_t>();
  };
  ASSERT_EQ(jobs_known(), 1);

  caf::anon_send(router, protocol::job_removed{"lattice", "resnet"});
  caf::anon_send(router, protocol::job_observed{named_job("resnet", "job-uid-2")});
  sched_.run_once();      // the router stops the old actor
  sched_.run_once();      // and spawns the new one
  sched_.run_once_lifo(); // the new actor reports the new job first
  sched_.run_once_lifo(); // the autoscaler records it
  run();                  // then the old actor says goodbye
  EXPECT_EQ(jobs_known(), 1) << "the old actor's job_gone must not remove the new job";
  caf::anon_send(router, protocol::job_removed{"lattice", "resnet"});
  run();
  EXPECT_EQ(jobs_known(), 0) << "the job_gone of the actor the autoscaler tracks does";
}

TEST_F(RouterTest, ARefusedJobReachesItsJobActorWhichSaysWhyAndTheOthersFlowOn) {
  send(protocol::set_leader{true});
  send(protocol::job_observed{named_job("resnet")});
  k8s::training_job shell; // only the metadata of a version the decoder refused
  shell.meta = named_job("bad", "job-uid-9").meta;
  send(protocol::job_undecodable{shell, "spec.priority", "must be at most 2147483647 (got 3000000000)"});
  EXPECT_EQ(listed().count("job:lattice/bad"), 1u);
  const auto events = gateway_log_->of(protocol::api_verb::create_event);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].body.find("spec.priority: must be at most 2147483647"), std::string::npos)
      << events[0].body;
  ASSERT_EQ(gateway_log_->count(protocol::api_verb::patch_job_status, "bad"), 1u);
  EXPECT_GE(gateway_log_->count(protocol::api_verb::patch_job_status, "resnet"), 1u)
      << "the other job flows on";
  ASSERT_EQ(inbox_->jobs_gone.size(), 0u) << "never queued: nothing to take back";
  send(protocol::job_removed{"lattice", "bad"});
  EXPECT_EQ(listed().count("job:lattice/bad"), 0u) << "a refused job deleted stops its actor";
}

TEST_F(RouterTest, ARefusedJobOutsideTheWatchedNamespaceSpawnsNothing) {
  auto s = settings();
  s.watch_namespace = "elsewhere";
  auto router = keep(spawn_router(sys_, s));
  k8s::training_job shell;
  shell.meta = named_job("bad").meta;
  const auto before = running_actors();
  caf::anon_send(router, protocol::job_undecodable{shell, "spec.priority", "refused"});
  run();
  EXPECT_EQ(running_actors(), before);
}

} // namespace
} // namespace lattice::actors
