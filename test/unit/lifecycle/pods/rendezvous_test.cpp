#include "k8s/codec/decoders.hpp"
#include "k8s/codec/encoders.hpp"
#include "lifecycle/pod_json.hpp"
#include "lifecycle/pod_names.hpp"
#include "lifecycle/rendezvous.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace lattice::lifecycle {
namespace {

using namespace test;

rendezvous_pod_case rdzv_input(k8s::training_job job = example_job()) {
  rendezvous_pod_case in;
  in.job = std::move(job);
  in.api_group = "breezeml.ai";
  in.operator_image = "breezeml/lattice-operator:0.3.0";
  in.node_selector = {{"node-role.kubernetes.io/control-plane", ""}, {"pool", "system"}};
  in.tolerations_json = R"([{"key":"dedicated","operator":"Equal","value":"ops","effect":"NoSchedule"}])";
  in.target_size = 3;
  return in;
}

TEST(rendezvous_pod, follows_agent_md_section_1) {
  auto job = example_job([](json::object& j) {
    template_spec(j)["imagePullSecrets"] = json::array{json::object{{"name", "regcred"}}};
  });
  auto body = build_rendezvous_pod(rdzv_input(job));
  ASSERT_TRUE(body.ok()) << body.err().to_string();

  auto decoded = k8s::decode_pod(body.value());
  ASSERT_TRUE(decoded.ok()) << decoded.err().to_string();
  EXPECT_EQ(decoded->meta.name, "lattice-simple1-rendezvous");
  EXPECT_EQ(decoded->meta.namespace_, "lattice");
  const std::map<std::string, std::string> labels{
      {"breezeml.ai/job-name", "lattice-simple1"},
      {"breezeml.ai/role", "rendezvous"},
      {"breezeml.ai/job-uid", "3f1c2a9e-8d4b-4c57-9e21-0a6b5c7d8e9f"}};
  EXPECT_EQ(decoded->meta.labels, labels);
  ASSERT_EQ(decoded->meta.owner_references.size(), 1u);
  EXPECT_EQ(decoded->meta.owner_references[0].uid, "3f1c2a9e-8d4b-4c57-9e21-0a6b5c7d8e9f");
  EXPECT_TRUE(decoded->meta.owner_references[0].controller);
  // No GPU; cpu 50m + memory 64Mi (+ the installer's 10m/16Mi is an init container, not summed).
  EXPECT_EQ(decoded->requests.get("nvidia.com/gpu"), 0);
  EXPECT_EQ(decoded->requests.cpu_millis, 50);
  EXPECT_EQ(decoded->requests.memory_bytes, 64 * 1024 * 1024);

  const auto pod = parse_object(body.value());
  EXPECT_TRUE(pod.at("metadata").at("ownerReferences").as_array()[0].at("blockOwnerDeletion").as_bool());
  const auto& spec = spec_of(pod);
  EXPECT_EQ(spec.at("restartPolicy").as_string(), "Always");
  EXPECT_EQ(spec.at("nodeSelector"),
            (json::value{{"node-role.kubernetes.io/control-plane", ""}, {"pool", "system"}}));
  EXPECT_EQ(spec.at("tolerations"), json::parse(rdzv_input().tolerations_json));
  EXPECT_EQ(spec.at("imagePullSecrets"), (json::array{json::object{{"name", "regcred"}}}));
  EXPECT_FALSE(spec.contains("affinity"));
  EXPECT_EQ(spec.at("volumes"),
            (json::array{json::object{{"name", "lattice-agent"}, {"emptyDir", json::object{}}}}));
  ASSERT_EQ(spec.at("initContainers").as_array().size(), 1u);
  EXPECT_EQ(spec.at("initContainers").as_array()[0].at("name").as_string(), "lattice-agent-install");
  EXPECT_EQ(spec.at("initContainers").as_array()[0].at("image").as_string(),
            "breezeml/lattice-operator:0.3.0");

  ASSERT_EQ(spec.at("containers").as_array().size(), 1u);
  const auto& c = container_of(pod);
  EXPECT_EQ(c.at("name").as_string(), "rendezvous");
  EXPECT_EQ(c.at("image").as_string(), "breezeml/lattice-resnet:1.0.1");
  // agent.md §1, verbatim.
  EXPECT_EQ(strings_of(c.at("command")),
            (std::vector<std::string>{
                "python", "-c",
                "import runpy,sys; sys.path.insert(0,'/lattice/agent/lattice_agent.whl'); "
                "runpy.run_module('lattice.rendezvous', run_name='__main__', alter_sys=True)"}));
  EXPECT_EQ(c.at("ports"), json::parse(R"([{"name":"rendezvous","containerPort":29400}])"));
  EXPECT_EQ(c.at("readinessProbe"),
            json::parse(R"({"httpGet":{"path":"/healthz","port":29400},"periodSeconds":5})"));
  EXPECT_EQ(c.at("resources"),
            json::parse(R"({"requests":{"cpu":"50m","memory":"64Mi"},"limits":{"memory":"256Mi"}})"));
  const std::map<std::string, std::string> env{{"LATTICE_MIN_SIZE", "2"},
                                               {"LATTICE_MAX_SIZE", "4"},
                                               {"LATTICE_TARGET_SIZE", "3"},
                                               {"LATTICE_RDZV_PORT", "29400"},
                                               {"LATTICE_MASTER_PORT", "29500"}};
  EXPECT_EQ(env_of(c), env);
  EXPECT_EQ(c.at("volumeMounts"),
            json::parse(R"([{"name":"lattice-agent","mountPath":"/lattice/agent","readOnly":true}])"));
}

TEST(rendezvous_pod, without_chart_placement_has_no_selector_or_tolerations) {
  auto in = rdzv_input();
  in.node_selector.clear();
  in.tolerations_json = "[]";
  auto body = build_rendezvous_pod(in);
  ASSERT_TRUE(body.ok()) << body.err().to_string();
  const auto pod = parse_object(body.value());
  EXPECT_FALSE(spec_of(pod).contains("nodeSelector"));
  EXPECT_FALSE(spec_of(pod).contains("tolerations"));
  EXPECT_FALSE(spec_of(pod).contains("imagePullSecrets"));
}

TEST(rendezvous_pod, long_job_names_use_the_agent_md_short_form) {
  const std::string name = std::string(50, 'q') + "-long-name";
  auto body = build_rendezvous_pod(
      rdzv_input(example_job([&](json::object& j) { j["metadata"].as_object()["name"] = name; })));
  ASSERT_TRUE(body.ok()) << body.err().to_string();
  const auto pod = parse_object(body.value());
  EXPECT_EQ(pod.at("metadata").at("name").as_string(), name.substr(0, 46) + "-" + job_hash8(name) + "-rdzv");
}

struct rdzv_error_case {
  std::string label;
  std::function<void(rendezvous_pod_case&)> edit;
  std::string field;
};

class rendezvous_pod_errors : public ::testing::TestWithParam<rdzv_error_case> {};

TEST_P(rendezvous_pod_errors, name_the_pod_and_field) {
  auto in = rdzv_input();
  GetParam().edit(in);
  auto body = build_rendezvous_pod(in);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.err().object, "lattice/lattice-simple1-rendezvous");
  EXPECT_EQ(body.err().field, GetParam().field) << body.err().to_string();
}

INSTANTIATE_TEST_SUITE_P(
    cases, rendezvous_pod_errors,
    ::testing::Values(
        rdzv_error_case{"no_group", [](rendezvous_pod_case& in) { in.api_group.clear(); }, "api_group"},
        rdzv_error_case{"no_operator_image", [](rendezvous_pod_case& in) { in.operator_image.clear(); },
                        "operator_image"},
        rdzv_error_case{"tolerations_not_json", [](rendezvous_pod_case& in) { in.tolerations_json = "[{"; },
                        "tolerations"},
        rdzv_error_case{"tolerations_not_array", [](rendezvous_pod_case& in) { in.tolerations_json = "{}"; },
                        "tolerations"},
        rdzv_error_case{"no_image",
                        [](rendezvous_pod_case& in) {
                          in.job.spec.template_json = R"({"spec":{"containers":[{"name":"x"}]}})";
                        },
                        "template.spec.containers[0].image"},
        rdzv_error_case{"pull_secrets_not_array",
                        [](rendezvous_pod_case& in) {
                          in.job.spec.template_json =
                              R"({"spec":{"imagePullSecrets":"x","containers":[{"name":"x","image":"i"}]}})";
                        },
                        "template.spec.imagePullSecrets"}),
    [](const auto& info) { return info.param.label; });

TEST(rendezvous_service, selects_the_rendezvous_pod_on_port_29400) {
  const auto job = example_job();
  const auto svc = make_rendezvous_service(job, "breezeml.ai");
  const std::string body = encode_owned_service(svc);
  auto decoded = k8s::decode_service(body);
  ASSERT_TRUE(decoded.ok()) << decoded.err().to_string();
  EXPECT_EQ(decoded->meta.name, "lattice-simple1-rendezvous");
  EXPECT_EQ(decoded->meta.namespace_, "lattice");
  EXPECT_FALSE(decoded->headless());
  ASSERT_EQ(decoded->selector.size(), 2u);
  EXPECT_EQ(decoded->selector[0].key, "breezeml.ai/job-name");
  EXPECT_EQ(decoded->selector[0].value, "lattice-simple1");
  EXPECT_EQ(decoded->selector[1].key, "breezeml.ai/role");
  EXPECT_EQ(decoded->selector[1].value, "rendezvous");
  ASSERT_EQ(decoded->ports.size(), 1u);
  EXPECT_EQ(decoded->ports[0].name, "rendezvous");
  EXPECT_EQ(decoded->ports[0].protocol, "TCP");
  EXPECT_EQ(decoded->ports[0].port, 29400);
  EXPECT_EQ(decoded->ports[0].target_port, 29400);
  ASSERT_EQ(decoded->meta.owner_references.size(), 1u);
  EXPECT_EQ(decoded->meta.owner_references[0].kind, "TrainingJob");
  EXPECT_TRUE(decoded->meta.owner_references[0].controller);
  const auto raw = parse_object(body);
  EXPECT_TRUE(raw.at("metadata").at("ownerReferences").as_array()[0].at("blockOwnerDeletion").as_bool());
}

TEST(workers_service, is_headless_and_selects_only_workers) {
  const auto job = example_job();
  auto decoded = k8s::decode_service(encode_owned_service(make_workers_service(job, "breezeml.ai", 23456)));
  ASSERT_TRUE(decoded.ok()) << decoded.err().to_string();
  EXPECT_EQ(decoded->meta.name, "lattice-simple1-workers");
  EXPECT_TRUE(decoded->headless());
  ASSERT_EQ(decoded->selector.size(), 2u);
  EXPECT_EQ(decoded->selector[1].value, "worker");
  ASSERT_EQ(decoded->ports.size(), 1u);
  EXPECT_EQ(decoded->ports[0].port, 23456);
  EXPECT_EQ(decoded->meta.labels.at("breezeml.ai/role"), "worker");
}

TEST(owned_objects, block_owner_deletion_leaves_foreign_documents_unchanged) {
  EXPECT_EQ(with_block_owner_deletion("not json"), "not json");
  EXPECT_EQ(with_block_owner_deletion("[1]"), "[1]");
  EXPECT_EQ(with_block_owner_deletion(R"({"metadata":{}})"), R"({"metadata":{}})");
}

} // namespace
} // namespace lattice::lifecycle

namespace lattice::lifecycle {
namespace {

using namespace test;

TEST(rendezvous_objects, match_the_golden_bodies) {
  // Reviewed by hand against docs/design/agent.md §1; the same files are
  // checked by the API server in lifecycle_pods_dry_run (integration).
  auto pod = build_rendezvous_pod(rdzv_input());
  ASSERT_TRUE(pod.ok()) << pod.err().to_string();
  EXPECT_EQ(json::parse(pod.value()), json::parse(read_data("rendezvous.golden.json")));
  const auto job = example_job();
  EXPECT_EQ(json::parse(encode_owned_service(make_rendezvous_service(job, "breezeml.ai"))),
            json::parse(read_data("rendezvous-service.golden.json")));
  EXPECT_EQ(json::parse(encode_owned_service(make_workers_service(job, "breezeml.ai", 23456))),
            json::parse(read_data("workers-service.golden.json")));
}

} // namespace
} // namespace lattice::lifecycle
