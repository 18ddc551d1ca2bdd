#include "k8s/codec/decoders.hpp"
#include "lifecycle/pod_names.hpp"
#include "lifecycle/worker_pod.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace lattice::lifecycle {
namespace {

using namespace test;

/// The example job without injection, 3 workers, worker 1 on node-b.
worker_pod_case plain_input(k8s::training_job job = example_job([](json::object& j) {
                              j["spec"].as_object()["injectLattice"] = false;
                            })) {
  return worker_input(std::move(job), 1, 3, "node-b");
}

TEST(worker_pod, decodes_with_name_labels_owner_and_requests) {
  const auto in = plain_input();
  auto body = build_worker_pod(in);
  ASSERT_TRUE(body.ok()) << body.err().to_string();
  auto pod = k8s::decode_pod(body.value());
  ASSERT_TRUE(pod.ok()) << pod.err().to_string();
  EXPECT_EQ(pod->meta.name, "lattice-simple1-worker-1");
  EXPECT_EQ(pod->meta.namespace_, "lattice");
  const std::map<std::string, std::string> labels{
      {"breezeml.ai/job-name", "lattice-simple1"},
      {"breezeml.ai/replica-index", "1"},
      {"breezeml.ai/role", "worker"},
      {"breezeml.ai/job-uid", "3f1c2a9e-8d4b-4c57-9e21-0a6b5c7d8e9f"}};
  EXPECT_EQ(pod->meta.labels, labels);
  ASSERT_EQ(pod->meta.owner_references.size(), 1u);
  const auto& owner = pod->meta.owner_references[0];
  EXPECT_EQ(owner.api_version, "breezeml.ai/v1");
  EXPECT_EQ(owner.kind, "TrainingJob");
  EXPECT_EQ(owner.name, "lattice-simple1");
  EXPECT_EQ(owner.uid, "3f1c2a9e-8d4b-4c57-9e21-0a6b5c7d8e9f");
  EXPECT_TRUE(owner.controller);
  EXPECT_EQ(pod->requests.get("nvidia.com/gpu"), 1);

  const auto raw = parse_object(body.value());
  const auto& ref = raw.at("metadata").at("ownerReferences").as_array().at(0).as_object();
  EXPECT_TRUE(ref.at("blockOwnerDeletion").as_bool());
}

TEST(worker_pod, is_pinned_named_for_dns_and_never_restarted) {
  const auto pod = build(plain_input());
  const auto& spec = spec_of(pod);
  EXPECT_EQ(spec.at("restartPolicy").as_string(), "Never");
  EXPECT_EQ(spec.at("hostname").as_string(), "lattice-simple1-worker-1");
  EXPECT_EQ(spec.at("subdomain").as_string(), "lattice-simple1-workers");
  const auto& terms = spec.at("affinity")
                          .at("nodeAffinity")
                          .at("requiredDuringSchedulingIgnoredDuringExecution")
                          .at("nodeSelectorTerms")
                          .as_array();
  ASSERT_EQ(terms.size(), 1u);
  const auto& expr = terms[0].at("matchFields").as_array().at(0).as_object();
  EXPECT_EQ(expr.at("key").as_string(), "metadata.name");
  EXPECT_EQ(expr.at("operator").as_string(), "In");
  EXPECT_EQ(strings_of(expr.at("values")), std::vector<std::string>{"node-b"});
}

TEST(worker_pod, records_its_planned_node_in_an_annotation_the_conversion_reads) {
  auto body = build_worker_pod(plain_input());
  ASSERT_TRUE(body.ok()) << body.err().to_string();
  auto pod = k8s::decode_pod(body.value());
  ASSERT_TRUE(pod.ok()) << pod.err().to_string();
  EXPECT_EQ(pod->meta.annotations.at(pinned_node_annotation("breezeml.ai")), "node-b");
  EXPECT_EQ(pod->meta.labels.count("breezeml.ai/node"), 0u) << "node names can exceed label value limits";
}

TEST(worker_pod, without_injection_gets_the_pytorch_and_lattice_environment) {
  const auto pod = build(plain_input());
  const auto& c = container_of(pod);
  const std::string master = "lattice-simple1-worker-0.lattice-simple1-workers.lattice.svc";
  const std::map<std::string, std::string> expected{{"WORLD_SIZE", "3"},
                                                    {"RANK", "1"},
                                                    {"MASTER_ADDR", master},
                                                    {"MASTER_PORT", "23456"},
                                                    {"PET_NNODES", "3"},
                                                    {"PET_NODE_RANK", "1"},
                                                    {"PET_MASTER_ADDR", master},
                                                    {"PET_MASTER_PORT", "23456"},
                                                    {"LATTICE_FRAMEWORK", "pytorch"},
                                                    {"LATTICE_JOB_NAME", "lattice-simple1"},
                                                    {"LATTICE_JOB_NAMESPACE", "lattice"},
                                                    {"LATTICE_MIN_SIZE", "2"},
                                                    {"LATTICE_MAX_SIZE", "4"},
                                                    {"LATTICE_WORKER_INDEX", "1"}};
  EXPECT_EQ(env_of(c), expected);
  // The user's command is untouched and there is no agent.
  EXPECT_EQ(strings_of(c.at("command")), std::vector<std::string>{"python"});
  EXPECT_EQ(strings_of(c.at("args")), (std::vector<std::string>{"-u", "main.py"}));
  EXPECT_FALSE(spec_of(pod).contains("initContainers"));
  EXPECT_FALSE(spec_of(pod).contains("volumes"));
}

TEST(worker_pod, operator_variables_replace_stale_ones_from_the_template) {
  auto in = plain_input(example_job([](json::object& j) {
    j["spec"].as_object()["injectLattice"] = false;
    first_container(j)["env"] = json::array{json::object{{"name", "RANK"}, {"value", "7"}},
                                            json::object{{"name", "DATA"}, {"value", "/data"}}};
  }));
  in.master_port = 29501;
  const auto env = env_of(container_of(build(in)));
  EXPECT_EQ(env.at("RANK"), "1");
  EXPECT_EQ(env.at("DATA"), "/data");
  EXPECT_EQ(env.at("MASTER_PORT"), "29501");
  EXPECT_EQ(env.at("PET_MASTER_PORT"), "29501");
}

TEST(worker_pod, long_job_names_keep_every_name_a_valid_dns_label) {
  const std::string name(80, 'r');
  auto in = plain_input(example_job([&](json::object& j) {
    j["spec"].as_object()["injectLattice"] = false;
    j["metadata"].as_object()["name"] = name;
  }));
  in.index = 0;
  const auto pod = build(in);
  const std::string pod_name(pod.at("metadata").at("name").as_string());
  EXPECT_EQ(pod_name, worker_pod_name(name, 0));
  EXPECT_LE(pod_name.size(), 63u);
  EXPECT_EQ(spec_of(pod).at("hostname").as_string(), pod_name);
  const std::string subdomain(spec_of(pod).at("subdomain").as_string());
  EXPECT_LE(subdomain.size(), 63u);
  const auto& labels = pod.at("metadata").at("labels").as_object();
  EXPECT_LE(labels.at("breezeml.ai/job-name").as_string().size(), 63u);
  EXPECT_EQ(pod.at("metadata").at("ownerReferences").as_array()[0].at("name").as_string(), name);
  const auto env = env_of(container_of(pod));
  EXPECT_EQ(env.at("MASTER_ADDR"), pod_name + "." + subdomain + ".lattice.svc");
  EXPECT_EQ(env.at("LATTICE_JOB_NAME"), name);
}

struct bad_input_case {
  std::string label;
  std::function<void(worker_pod_case&)> edit;
  std::string field;
};

class worker_pod_bad_input : public ::testing::TestWithParam<bad_input_case> {};

TEST_P(worker_pod_bad_input, is_an_error_naming_the_pod_and_field) {
  auto in = plain_input();
  GetParam().edit(in);
  auto body = build_worker_pod(in);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.err().what, k8s::error::kind::decode);
  EXPECT_EQ(body.err().field, GetParam().field) << body.err().to_string();
  EXPECT_NE(body.err().object.find("lattice/"), std::string::npos) << body.err().to_string();
  EXPECT_FALSE(body.err().message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    cases, worker_pod_bad_input,
    ::testing::Values(
        bad_input_case{"index_past_size", [](worker_pod_case& in) { in.index = 3; }, "index"},
        bad_input_case{"negative_index", [](worker_pod_case& in) { in.index = -1; }, "index"},
        bad_input_case{"zero_size", [](worker_pod_case& in) { in.world_size = 0; }, "world_size"},
        bad_input_case{"no_node", [](worker_pod_case& in) { in.node_name.clear(); }, "node_name"},
        bad_input_case{"no_group", [](worker_pod_case& in) { in.api_group.clear(); }, "api_group"},
        bad_input_case{"bad_port", [](worker_pod_case& in) { in.master_port = 70000; }, "master_port"},
        bad_input_case{"no_operator_image_when_injected",
                       [](worker_pod_case& in) {
                         in.job.spec.inject_lattice = true;
                         in.operator_image.clear();
                       },
                       "operator_image"},
        bad_input_case{"template_not_json", [](worker_pod_case& in) { in.job.spec.template_json = "{"; },
                       "template"},
        bad_input_case{"template_without_containers",
                       [](worker_pod_case& in) { in.job.spec.template_json = R"({"spec":{}})"; },
                       "template.spec.containers"}),
    [](const auto& info) { return info.param.label; });

} // namespace
} // namespace lattice::lifecycle
