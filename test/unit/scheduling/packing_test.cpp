// Packing: fewest nodes, best fit against fragmentation, every resource.
#include "builders.hpp"

#include <gtest/gtest.h>

namespace lattice::scheduling::testing {
namespace {

using strings = std::vector<std::string>;

struct packing_case {
  const char* name;
  std::vector<node_info> nodes;
  job_info job;
  strings expected; // node per worker index
};

class packing : public ::testing::TestWithParam<packing_case> {};

TEST_P(packing, places_workers) {
  const auto& c = GetParam();
  snapshot snap;
  snap.nodes = c.nodes;
  snap.jobs = {c.job};
  auto p = plan_at(snap);
  EXPECT_EQ(nodes_of(p, c.job.name), c.expected) << decision(p, c.job.name).reason;
}

INSTANTIATE_TEST_SUITE_P(
    rules, packing,
    ::testing::Values(packing_case{"single_node_when_possible",
                                   {make_node("a").gpus(8), make_node("b").gpus(8)},
                                   make_job("j").size(4).gpus(2),
                                   repeat("a", 4)},
                      packing_case{"best_fit_avoids_fragmenting_a_whole_node",
                                   {make_node("a-whole").gpus(8), make_node("b-part").gpus(8).used(gpu, 6),
                                    make_node("c").gpus(4)},
                                   make_job("j").size(1).gpus(2),
                                   {"b-part"}},
                      packing_case{"best_fit_prefers_smallest_node_that_fits_all",
                                   {make_node("a").gpus(8), make_node("b").gpus(4), make_node("c").gpus(2)},
                                   make_job("j").size(2).gpus(2),
                                   repeat("b", 2)},
                      packing_case{"roomiest_first_when_none_fits_all",
                                   {make_node("a").gpus(2), make_node("b").gpus(4), make_node("c").gpus(1)},
                                   make_job("j").size(6).gpus(1),
                                   {"b", "b", "b", "b", "a", "a"}},
                      packing_case{"last_chunk_best_fit",
                                   {make_node("a").gpus(8), make_node("b").gpus(2), make_node("c").gpus(4)},
                                   make_job("j").size(10).gpus(1),
                                   {"a", "a", "a", "a", "a", "a", "a", "a", "b", "b"}},
                      packing_case{"ties_break_by_node_name",
                                   {make_node("z").gpus(4), make_node("m").gpus(4), make_node("q").gpus(4)},
                                   make_job("j").size(2).gpus(2),
                                   repeat("m", 2)},
                      packing_case{
                          "cpu_limits_workers_per_node",
                          {make_node("a").gpus(8).cpu_millis(8000), make_node("b").gpus(8).cpu_millis(32000)},
                          make_job("j").size(4).gpus(1).cpu_millis(4000),
                          {"b", "b", "b", "b"}},
                      packing_case{"memory_limits_workers_per_node",
                                   {make_node("a").gpus(8).memory(int64_t{64} << 30)},
                                   make_job("j").min(1).max(8).gpus(1).memory(int64_t{20} << 30),
                                   repeat("a", 3)},
                      packing_case{"used_by_others_is_respected",
                                   {make_node("a").gpus(8).used(gpu, 7)},
                                   make_job("j").min(1).max(4),
                                   {"a"}},
                      packing_case{"extended_resource_missing_on_node",
                                   {make_node("a").gpus(8), make_node("b").gpus(8).allocatable("rdma/ib", 4)},
                                   make_job("j").size(2).resource("rdma/ib", 1),
                                   repeat("b", 2)},
                      packing_case{"cpu_only_job",
                                   {make_node("a").cpu_millis(2000), make_node("b").cpu_millis(8000)},
                                   make_job("j").size(2).gpus(0).cpu_millis(3000),
                                   repeat("b", 2)}),
    [](const auto& info) { return std::string{info.param.name}; });

TEST(packing, growth_prefers_nodes_already_hosting_the_job) {
  snapshot snap;
  snap.nodes = {make_node("a").gpus(8), make_node("b").gpus(4)};
  snap.jobs = {make_job("j").min(1).max(4).running({"a"})};
  EXPECT_EQ(nodes_of(plan_at(snap), "j"), repeat("a", 4));
}

TEST(packing, configurable_gpu_resource) {
  snapshot snap;
  snap.nodes = {make_node("a").allocatable("amd.com/gpu", 8),
                make_node("b").allocatable("amd.com/gpu", 8).used("amd.com/gpu", 6)};
  snap.jobs = {make_job("j").gpus(0).resource("amd.com/gpu", 2).size(1)};
  planner_config cfg;
  cfg.gpu_resource = "amd.com/gpu";
  EXPECT_EQ(nodes_of(plan_at(snap, 1000, cfg), "j"), strings{"b"});
}

TEST(packing, fragmentation_scenario_keeps_whole_nodes_for_big_jobs) {
  // Four 8-GPU nodes; small jobs arrive first. Best fit packs them so that a
  // later 2 x 8-GPU job still finds two whole nodes.
  snapshot snap;
  snap.nodes = gpu_nodes("n", 4, 8);
  for (int i = 0; i < 8; ++i)
    snap.jobs.push_back(make_job("small" + std::to_string(i)).size(1).gpus(2).submitted(i));
  snap.jobs.push_back(make_job("big").size(2).gpus(8).submitted(100));
  auto p = plan_at(snap);
  EXPECT_EQ(decision(p, "big").stage, job_stage::running) << decision(p, "big").reason;
  EXPECT_EQ(nodes_of(p, "big"), (strings{"n2", "n3"}));
}

} // namespace
} // namespace lattice::scheduling::testing
