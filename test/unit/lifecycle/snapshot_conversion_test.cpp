#include "k8s/codec/decoders.hpp"
#include "lifecycle/pod_names.hpp"
#include "lifecycle/snapshot_conversion.hpp"
#include "scheduling/constraints.hpp"
#include "test/support/builders.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace lattice::lifecycle {
namespace {

using k8s::pod_phase;
using test::at;
using test::group;
using test::make_worker;

/// The job "resnet", Running at size 2, submitted at 09:00:00.
test::job_builder running_job() {
  return test::make_job().min(2).stage("Running").size(2).status_field("submitTime", "2026-11-28T09:00:00Z");
}

std::optional<scheduling::job_info> info_of(const k8s::training_job& job,
                                            const std::vector<k8s::pod>& pods = {}) {
  return to_job_info(test::make_model(job, pods));
}

std::string read_golden(const std::string& name) {
  std::ifstream in(std::string(LATTICE_CODEC_GOLDEN_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The spec's example job (codec golden file), decoded by the real decoder.
TEST(to_job_info, converts_the_golden_example_job) {
  auto job = k8s::decode_training_job(read_golden("training_job.json"));
  ASSERT_TRUE(job.ok()) << job.err().message;
  const auto info =
      info_of(*job, {make_worker(0, pod_phase::running, "gpu-1"), make_worker(1, pod_phase::running, "gpu-1"),
                     make_worker(2, pod_phase::running, "gpu-2")});
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->key(), "lattice/lattice-simple1");
  EXPECT_EQ(info->priority, 5);
  EXPECT_EQ(info->min_size, 2);
  EXPECT_EQ(info->max_size, 4);
  EXPECT_EQ(info->stage, scheduling::job_stage::running);
  EXPECT_EQ(info->submit_time, at("2026-11-28T09:00:00Z"));
  EXPECT_EQ(info->queued_time, at("2026-11-28T09:00:00Z"));
  EXPECT_EQ(info->cooldown_time, at("2026-11-28T09:20:00Z"));
  // trainingjob: 3500m cpu, memory from its limit 16Gi, 1 GPU; log-shipper:
  // 100m, 64Mi, 1G ephemeral storage.
  const scheduling::resource_list expected_resources = {{"cpu", 3600},
                                                        {"memory", (16LL << 30) + (64LL << 20)},
                                                        {"nvidia.com/gpu", 1},
                                                        {"ephemeral-storage", 1'000'000'000},
                                                        {"pods", 1}};
  EXPECT_EQ(info->worker_resources, expected_resources);
  const std::map<std::string, std::string> selector = {{"kubernetes.io/os", "linux"}, {"pool", "gpu"}};
  EXPECT_EQ(info->constraints.node_selector, selector);
  ASSERT_EQ(info->constraints.required_affinity.size(), 1u);
  const auto& exprs = info->constraints.required_affinity[0].match_expressions;
  ASSERT_EQ(exprs.size(), 2u);
  EXPECT_EQ(exprs[0],
            (scheduling::node_selector_requirement{
                "nvidia.com/gpu.product", scheduling::selector_operator::in, {"A100-SXM4-80GB", "H100"}}));
  EXPECT_EQ(exprs[1].op, scheduling::selector_operator::does_not_exist);
  ASSERT_EQ(info->constraints.tolerations.size(), 2u);
  EXPECT_EQ(info->constraints.tolerations[0],
            (scheduling::toleration{"nvidia.com/gpu", scheduling::toleration_operator::exists, "",
                                    scheduling::taint_effect::no_schedule}));
  EXPECT_EQ(info->constraints.tolerations[1],
            (scheduling::toleration{"spot", scheduling::toleration_operator::equal, "true",
                                    scheduling::taint_effect::no_execute}));
  const std::vector<scheduling::worker_placement> workers = {{0, "gpu-1"}, {1, "gpu-1"}, {2, "gpu-2"}};
  EXPECT_EQ(info->workers, workers);
  EXPECT_EQ(info->schedule_failures, 0);
  EXPECT_FALSE(info->last_resize_time.has_value());
}

struct stage_case {
  std::string stage;
  bool converted;
  scheduling::job_stage expected;
};

class to_job_info_stage : public ::testing::TestWithParam<stage_case> {};

TEST_P(to_job_info_stage, maps_stage_and_skips_finished_jobs) {
  const auto info = info_of(running_job().stage(GetParam().stage));
  ASSERT_EQ(info.has_value(), GetParam().converted);
  if (info) {
    EXPECT_EQ(info->stage, GetParam().expected);
  }
}

INSTANTIATE_TEST_SUITE_P(stages, to_job_info_stage,
                         ::testing::Values(stage_case{"Running", true, scheduling::job_stage::running},
                                           stage_case{"Waiting", true, scheduling::job_stage::waiting},
                                           stage_case{"", true, scheduling::job_stage::waiting},
                                           stage_case{"Completed", false, {}},
                                           stage_case{"Failed", false, {}}));

TEST(to_job_info, only_injected_jobs_may_be_moved_at_the_same_size) {
  // Under the agent the workers that stay form the group again; a plain
  // job's would lose their peer.
  EXPECT_TRUE(info_of(running_job().inject())->movable);
  EXPECT_FALSE(info_of(running_job())->movable);
}

TEST(to_job_info, suspended_jobs_are_not_queued) {
  EXPECT_FALSE(info_of(running_job().suspend()).has_value());
  EXPECT_FALSE(info_of(running_job().suspend().stage("Waiting")).has_value());
}

TEST(to_job_info, workers_are_live_pods_with_an_index_and_a_node_or_pin) {
  const auto info =
      info_of(running_job(),
              {make_worker(0, pod_phase::running, "node-a"), make_worker(1, pod_phase::succeeded, "node-a"),
               make_worker(2, pod_phase::failed, "node-b"), make_worker(3, pod_phase::pending, "node-c"),
               make_worker(4, pod_phase::running).terminating(),
               make_worker(5, pod_phase::running).label(replica_index_label(group), "five"),
               make_worker(6, pod_phase::running).edit([](k8s::pod& p) {
                 p.meta.labels.erase(replica_index_label(group));
               })});
  const std::vector<scheduling::worker_placement> expected = {{0, "node-a"}, {3, "node-c"}};
  EXPECT_EQ(info->workers, expected);
}

// A template's matchFields metadata.name names the node itself: the planner
// must match the name, not the hostname label (they differ on EKS).
TEST(to_job_info, match_fields_on_the_node_name_match_the_name_not_the_hostname) {
  k8s::training_job job = running_job();
  k8s::node_selector_term term;
  term.match_fields.push_back({"metadata.name", k8s::selector_operator::in, {"ip-10-0-0-7.ec2.internal"}});
  job.spec.template_info.required_node_terms = {term};
  const auto info = info_of(job);
  ASSERT_TRUE(info.has_value());
  scheduling::node_info node;
  node.name = "ip-10-0-0-7.ec2.internal";
  node.labels = {{"kubernetes.io/hostname", "ip-10-0-0-7"}};
  node.ready = true;
  node.schedulable = true;
  EXPECT_TRUE(scheduling::node_admits(info->constraints, node));
  node.name = "ip-10-0-0-8.ec2.internal";
  node.labels = {{"kubernetes.io/hostname", "ip-10-0-0-7.ec2.internal"}};
  EXPECT_FALSE(scheduling::node_admits(info->constraints, node));
}

TEST(to_job_info, waiting_job_lists_no_workers) {
  const auto info = info_of(running_job().stage("Waiting"), {make_worker(0, pod_phase::running)});
  EXPECT_TRUE(info->workers.empty());
}

TEST(to_job_info, reads_persisted_autoscaler_state_from_annotations) {
  auto info = info_of(running_job()
                          .annotation(group + "/schedule-failures", "3")
                          .annotation(group + "/last-resize-time", "2026-11-28T09:10:00Z"));
  EXPECT_EQ(info->schedule_failures, 3);
  EXPECT_EQ(info->last_resize_time, at("2026-11-28T09:10:00Z"));

  info = info_of(running_job()
                     .annotation(group + "/schedule-failures", "lots")
                     .annotation(group + "/last-resize-time", "yesterday"));
  EXPECT_EQ(info->schedule_failures, 0);
  EXPECT_FALSE(info->last_resize_time.has_value());

  EXPECT_EQ(info_of(running_job().annotation(group + "/schedule-failures", "-2"))->schedule_failures, 0);
}

TEST(to_job_info, submit_time_falls_back_to_creation_and_queued_stays_unset) {
  const auto info = info_of(test::make_job().min(2).stage("Running").size(2).created("2026-11-28T08:59:00Z"));
  EXPECT_EQ(info->submit_time, at("2026-11-28T08:59:00Z"));
  EXPECT_FALSE(info->queued_time.has_value());
  EXPECT_EQ(info->effective_queued_time(), at("2026-11-28T08:59:00Z"));
  EXPECT_FALSE(info->cooldown_time.has_value());
}

TEST(to_node_info, converts_the_golden_kwok_node) {
  auto node = k8s::decode_node(read_golden("node_kwok.json"));
  ASSERT_TRUE(node.ok()) << node.err().message;
  k8s::resource_list others;
  others.cpu_millis = 250;
  const auto info = to_node_info(*node, others);
  EXPECT_EQ(info.name, "kwok-gpu-node-3");
  EXPECT_TRUE(info.ready);
  EXPECT_FALSE(info.schedulable); // the golden node is cordoned (spec.unschedulable: true)
  EXPECT_EQ(info.labels.at("nvidia.com/gpu.product"), "A100-SXM4-80GB");
  EXPECT_EQ(info.allocatable.get("cpu"), 32000);
  EXPECT_EQ(info.allocatable.get("memory"), 256LL << 30);
  EXPECT_EQ(info.allocatable.get("nvidia.com/gpu"), 8);
  EXPECT_EQ(info.allocatable.get("pods"), 110);
  EXPECT_EQ(info.used_by_others, (scheduling::resource_list{{"cpu", 250}}));
  ASSERT_EQ(info.taints.size(), 2u);
  EXPECT_EQ(info.taints[0].key, "kwok.x-k8s.io/node");
  EXPECT_EQ(info.taints[0].value, "fake");
  EXPECT_EQ(info.taints[0].effect, scheduling::taint_effect::no_schedule);
  EXPECT_EQ(info.taints[1].effect, scheduling::taint_effect::prefer_no_schedule);
}

struct node_case {
  std::string name;
  k8s::condition_status ready;
  bool unschedulable;
  bool expect_ready;
  bool expect_schedulable;
};

class to_node_info_flags : public ::testing::TestWithParam<node_case> {};

TEST_P(to_node_info_flags, not_ready_or_cordoned_nodes_are_flagged) {
  k8s::node node;
  node.meta.name = "n";
  node.ready = GetParam().ready;
  node.unschedulable = GetParam().unschedulable;
  node.taints.push_back({"odd", "", k8s::taint_effect::other});
  const auto info = to_node_info(node, {});
  EXPECT_EQ(info.ready, GetParam().expect_ready);
  EXPECT_EQ(info.schedulable, GetParam().expect_schedulable);
  // An effect this build does not know keeps workers off.
  EXPECT_EQ(info.taints.at(0).effect, scheduling::taint_effect::no_schedule);
}

INSTANTIATE_TEST_SUITE_P(
    flags, to_node_info_flags,
    ::testing::Values(node_case{"ready", k8s::condition_status::true_, false, true, true},
                      node_case{"not_ready", k8s::condition_status::false_, false, false, true},
                      node_case{"unknown", k8s::condition_status::unknown, false, false, true},
                      node_case{"cordoned", k8s::condition_status::true_, true, true, false}),
    [](const auto& info) { return info.param.name; });

} // namespace
} // namespace lattice::lifecycle
