#include "k8s/codec/decoders.hpp"
#include "lifecycle/pod_json.hpp"
#include "lifecycle/worker_pod.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

namespace lattice::lifecycle {
namespace {

using namespace test;

// docs/design/agent.md §2, copied verbatim.
const std::string agent_bootstrap =
    "import runpy,sys; sys.path.insert(0,'/lattice/agent/lattice_agent.whl'); "
    "runpy.run_module('lattice.agent', run_name='__main__', alter_sys=True)";

worker_pod_case injected_input(k8s::training_job job = example_job()) {
  return worker_input(std::move(job), 2, 4, "gpu-node-7");
}

TEST(injection, the_example_job_is_injected_as_agent_md_says) {
  ASSERT_TRUE(example_job().spec.inject_lattice);
  const auto pod = build(injected_input());
  const auto& c = container_of(pod);
  EXPECT_EQ(strings_of(c.at("command")),
            (std::vector<std::string>{"python", "-c", agent_bootstrap, "--", "python", "-u", "main.py"}));
  EXPECT_FALSE(c.contains("args"));

  const auto& mounts = c.at("volumeMounts").as_array();
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0],
            (json::value{{"name", "lattice-agent"}, {"mountPath", "/lattice/agent"}, {"readOnly", true}}));

  const auto& spec = spec_of(pod);
  EXPECT_EQ(spec.at("volumes"),
            (json::array{json::object{{"name", "lattice-agent"}, {"emptyDir", json::object{}}}}));
  const auto& inits = spec.at("initContainers").as_array();
  ASSERT_EQ(inits.size(), 1u);
  const json::value expected_init = json::parse(R"({
    "name": "lattice-agent-install",
    "image": "breezeml/lattice-operator:0.3.0",
    "command": ["/usr/local/bin/lattice-operator", "install-agent", "/lattice/agent"],
    "volumeMounts": [{"name": "lattice-agent", "mountPath": "/lattice/agent"}],
    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}})");
  EXPECT_EQ(inits[0], expected_init);

  const std::map<std::string, std::string> env{
      {"LATTICE_JOB_NAME", "lattice-simple1"},
      {"LATTICE_JOB_NAMESPACE", "lattice"},
      {"LATTICE_FRAMEWORK", "pytorch"},
      {"LATTICE_MIN_SIZE", "2"},
      {"LATTICE_MAX_SIZE", "4"},
      {"LATTICE_RDZV_ENDPOINT", "lattice-simple1-rendezvous.lattice.svc:29400"},
      {"LATTICE_WORKER_INDEX", "2"},
      {"LATTICE_POD_NAME", "fieldRef:metadata.name"},
      {"LATTICE_POD_IP", "fieldRef:status.podIP"},
      {"LATTICE_NPROC_PER_NODE", "1"},
      {"LATTICE_TERMINATION_GRACE_SECONDS", "25"}};
  // No WORLD_SIZE/RANK/MASTER_*/PET_*: the agent sets the workers' own.
  EXPECT_EQ(env_of(c), env);
  // Everything else as for plain workers.
  EXPECT_EQ(pod.at("metadata").at("name").as_string(), "lattice-simple1-worker-2");
  EXPECT_EQ(spec.at("restartPolicy").as_string(), "Never");
  EXPECT_TRUE(k8s::decode_pod(json::serialize(pod)).ok());
}

TEST(injection, matches_the_golden_bodies) {
  // Reviewed by hand against docs/design/agent.md; regenerate only on a
  // deliberate contract change.
  auto injected = build_worker_pod(injected_input());
  ASSERT_TRUE(injected.ok());
  EXPECT_EQ(json::parse(injected.value()), json::parse(read_data("worker-2-injected.golden.json")));
  auto plain_in = injected_input();
  plain_in.job.spec.inject_lattice = false;
  auto plain = build_worker_pod(plain_in);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(json::parse(plain.value()), json::parse(read_data("worker-2-plain.golden.json")));
}

TEST(injection, user_set_variables_are_left_alone_and_tuning_inputs_are_read) {
  auto job = example_job([](json::object& j) {
    auto& c = first_container(j);
    c["env"] = json::array{json::object{{"name", "LATTICE_NPROC_PER_NODE"}, {"value", "auto"}},
                           json::object{{"name", "LATTICE_CHECKPOINT_DIR"}, {"value", "/ckpt"}}};
    c["resources"].as_object()["limits"].as_object()["nvidia.com/gpu"] = 4;
    template_spec(j)["terminationGracePeriodSeconds"] = 120;
    j["spec"].as_object()["runPolicy"].as_object()["backoffLimit"] = 6;
  });
  const auto env = env_of(container_of(build(injected_input(job))));
  EXPECT_EQ(env.at("LATTICE_NPROC_PER_NODE"), "auto");
  EXPECT_EQ(env.at("LATTICE_CHECKPOINT_DIR"), "/ckpt");
  EXPECT_EQ(env.at("LATTICE_MAX_RESTARTS"), "6");
  EXPECT_EQ(env.at("LATTICE_TERMINATION_GRACE_SECONDS"), "115");
}

TEST(injection, the_agents_status_port_is_the_operators_when_configured) {
  auto in = injected_input();
  EXPECT_EQ(env_of(container_of(build(in))).count("LATTICE_AGENT_STATUS_PORT"), 0u)
      << "unset: the agent's default";
  in.agent_status_port = 29411;
  EXPECT_EQ(env_of(container_of(build(in))).at("LATTICE_AGENT_STATUS_PORT"), "29411");
}

TEST(injection, nproc_is_the_gpu_limit_of_the_configured_resource) {
  auto job = example_job([](json::object& j) {
    auto& c = first_container(j);
    c["resources"] = json::object{{"limits", json::object{{"example.com/tpu", "8"}, {"nvidia.com/gpu", 2}}}};
    template_spec(j)["terminationGracePeriodSeconds"] = 3;
  });
  auto in = injected_input(job);
  EXPECT_EQ(env_of(container_of(build(in))).at("LATTICE_NPROC_PER_NODE"), "2");
  in.gpu_resource = "example.com/tpu";
  const auto env = env_of(container_of(build(in)));
  EXPECT_EQ(env.at("LATTICE_NPROC_PER_NODE"), "8");
  EXPECT_EQ(env.at("LATTICE_TERMINATION_GRACE_SECONDS"), "1"); // 3 - 5, at least 1
  in.gpu_resource = "amd.com/gpu";
  EXPECT_EQ(env_of(container_of(build(in))).at("LATTICE_NPROC_PER_NODE"), "1");
}

TEST(injection, keeps_the_users_init_containers_and_volumes_after_the_installer) {
  auto job = example_job([](json::object& j) {
    auto& spec = template_spec(j);
    spec["initContainers"] = json::array{json::object{{"name", "fetch"}, {"image", "busybox"}}};
    spec["volumes"] = json::array{json::object{{"name", "data"}, {"emptyDir", json::object{}}}};
  });
  const auto pod = build(injected_input(job));
  const auto& spec = spec_of(pod);
  const auto& inits = spec.at("initContainers").as_array();
  ASSERT_EQ(inits.size(), 2u);
  EXPECT_EQ(inits[0].at("name").as_string(), "lattice-agent-install");
  EXPECT_EQ(inits[1].at("name").as_string(), "fetch");
  EXPECT_FALSE(inits[1].as_object().contains("env")); // injection is for the first container only
  const auto& volumes = spec.at("volumes").as_array();
  ASSERT_EQ(volumes.size(), 2u);
  EXPECT_EQ(volumes[0].at("name").as_string(), "data");
  EXPECT_EQ(volumes[1].at("name").as_string(), "lattice-agent");
}

TEST(injection, a_template_without_command_is_an_error_naming_the_container) {
  auto job = example_job([](json::object& j) { first_container(j).erase("command"); });
  auto body = build_worker_pod(injected_input(job));
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.err().object, "lattice/lattice-simple1-worker-2");
  EXPECT_EQ(body.err().field, "template.spec.containers[0].command");
  EXPECT_NE(body.err().message.find("'trainingjob'"), std::string::npos) << body.err().message;
  EXPECT_NE(body.err().message.find("injectLattice"), std::string::npos) << body.err().message;
}

struct template_error_case {
  std::string label;
  std::function<void(json::object&)> edit;
  std::string field;
};

class injection_template_errors : public ::testing::TestWithParam<template_error_case> {};

TEST_P(injection_template_errors, name_the_field) {
  json::value doc = json::parse(read_data("lattice-simple1.json"));
  GetParam().edit(doc.as_object());
  // Edit the raw template: the decoder would reject some of these first.
  auto in = injected_input();
  in.job.spec.template_json = json::serialize(doc.at("spec").at("replicaSpecs").at("template"));
  auto body = build_worker_pod(in);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.err().field, GetParam().field) << body.err().to_string();
}

INSTANTIATE_TEST_SUITE_P(
    cases, injection_template_errors,
    ::testing::Values(
        template_error_case{"empty_command",
                            [](json::object& j) { first_container(j)["command"] = json::array{}; },
                            "template.spec.containers[0].command"},
        template_error_case{"command_not_strings",
                            [](json::object& j) { first_container(j)["command"] = json::array{1}; },
                            "template.spec.containers[0].command[0]"},
        template_error_case{"args_not_array", [](json::object& j) { first_container(j)["args"] = "x"; },
                            "template.spec.containers[0].args"},
        template_error_case{"env_not_array", [](json::object& j) { first_container(j)["env"] = 3; },
                            "template.spec.containers[0].env"},
        template_error_case{
            "fractional_gpus",
            [](json::object& j) {
              first_container(j)["resources"].as_object()["limits"].as_object()["nvidia.com/gpu"] = "500m";
            },
            "template.spec.containers[0].resources.limits[nvidia.com/gpu]"},
        template_error_case{"reserved_volume_name",
                            [](json::object& j) {
                              template_spec(j)["volumes"] = json::array{
                                  json::object{{"name", "lattice-agent"}, {"emptyDir", json::object{}}}};
                            },
                            "template.spec.volumes"},
        template_error_case{"volumes_not_array", [](json::object& j) { template_spec(j)["volumes"] = 1; },
                            "template.spec.volumes"}),
    [](const auto& info) { return info.param.label; });

struct python_case {
  std::string command0;
  std::string interpreter;
};

class python_choice : public ::testing::TestWithParam<python_case> {};

TEST_P(python_choice, follows_the_base_name_rule) {
  EXPECT_EQ(python_for(GetParam().command0), GetParam().interpreter);
  const auto cmd = agent_command({GetParam().command0, "train.py"}, {"--epochs", "3"});
  EXPECT_EQ(cmd, (std::vector<std::string>{GetParam().interpreter, "-c", agent_bootstrap, "--",
                                           GetParam().command0, "train.py", "--epochs", "3"}));
}

INSTANTIATE_TEST_SUITE_P(cases, python_choice,
                         ::testing::Values(python_case{"python", "python"}, python_case{"python3", "python3"},
                                           python_case{"/usr/bin/python3.11", "/usr/bin/python3.11"},
                                           python_case{"python2.7", "python2.7"},
                                           python_case{"torchrun", "python"},
                                           python_case{"/bin/sh", "python"}, python_case{"ipython", "python"},
                                           python_case{"python3-config", "python"},
                                           python_case{"/opt/python/bin/run", "python"}));

TEST(bootstrap, rendezvous_module_uses_the_same_wheel_path) {
  EXPECT_EQ(agent_bootstrap_code("lattice.rendezvous"),
            "import runpy,sys; sys.path.insert(0,'/lattice/agent/lattice_agent.whl'); "
            "runpy.run_module('lattice.rendezvous', run_name='__main__', alter_sys=True)");
}

} // namespace
} // namespace lattice::lifecycle
