#include "lifecycle/snapshot_conversion.hpp"
#include "scheduling/planner.hpp"
#include "test/support/builders.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

// A node's allocatable `pods` bounds the workers planned on it: the
// snapshot conversion gives every worker one `pods` and counts every other
// pod on the node, and the planner places within it as within any resource.

namespace lattice::lifecycle {
namespace {

scheduling::job_info job_of(std::int64_t max_size) {
  const auto info = to_job_info(test::make_model(test::make_job().min(1).max(max_size)));
  EXPECT_TRUE(info.has_value());
  return info.value_or(scheduling::job_info{});
}

k8s::node node_with(const std::string& name, std::int64_t gpus, std::int64_t pods) {
  k8s::node n = test::make_node(name).gpus(gpus);
  n.allocatable.set("pods", pods);
  return n;
}

/// Workers planned per node.
std::map<std::string, int> placed(const scheduling::snapshot& snap) {
  const auto plan =
      scheduling::make_plan(snap, scheduling::planner_config{}, test::at("2026-11-28T10:00:00Z"));
  std::map<std::string, int> out;
  for (const auto& w : plan.jobs.at(0).workers)
    ++out[w.node];
  return out;
}

TEST(pod_capacity, three_hundred_one_gpu_workers_never_land_on_a_node_with_pods_110) {
  scheduling::snapshot snap;
  snap.nodes.push_back(to_node_info(node_with("big", 512, 110), {}));
  snap.jobs.push_back(job_of(300));
  const auto on = placed(snap);
  EXPECT_EQ(on.at("big"), 110) << "512 GPUs free, but the kubelet runs 110 pods";
}

TEST(pod_capacity, other_pods_on_the_node_use_its_pods) {
  k8s::resource_list others; // 10 pods of other workloads, requesting nothing countable but themselves
  others.set(pods_resource, 10);
  scheduling::snapshot snap;
  snap.nodes.push_back(to_node_info(node_with("a", 512, 110), others));
  snap.nodes.push_back(to_node_info(node_with("b", 512, 110), {}));
  snap.jobs.push_back(job_of(300));
  const auto on = placed(snap);
  EXPECT_EQ(on.at("a"), 100);
  EXPECT_EQ(on.at("b"), 110);
}

TEST(pod_capacity, the_gpus_still_bound_when_they_are_fewer_than_the_pods) {
  scheduling::snapshot snap;
  snap.nodes.push_back(to_node_info(node_with("a", 8, 110), {}));
  snap.jobs.push_back(job_of(300));
  EXPECT_EQ(placed(snap).at("a"), 8);
}

TEST(pod_capacity, a_node_reporting_no_pods_is_not_limited_by_pod_count) {
  scheduling::snapshot snap;
  snap.nodes.push_back(to_node_info(test::make_node("hand-made").gpus(200), {}));
  snap.jobs.push_back(job_of(300));
  EXPECT_EQ(placed(snap).at("hand-made"), 200);
}

} // namespace
} // namespace lattice::lifecycle
