#include "k8s/codec/decoders.hpp"
#include "lifecycle/job_validation.hpp"
#include "test/support/builders.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

namespace lattice::lifecycle {
namespace {

struct validation_case {
  std::string name;
  std::function<void(k8s::training_job&)> change;
  /// Expected problem fields, in order; empty = valid.
  std::vector<std::string> fields;
  /// A fragment the first message must contain.
  std::string message_fragment;
};

class validation : public ::testing::TestWithParam<validation_case> {};

TEST_P(validation, reports_exactly_the_broken_fields) {
  k8s::training_job job = test::make_job().min(2);
  GetParam().change(job);
  const auto problems = validate_job(job);
  std::vector<std::string> fields;
  for (const auto& p : problems)
    fields.push_back(p.field);
  EXPECT_EQ(fields, GetParam().fields);
  if (!problems.empty()) {
    EXPECT_NE(problems.front().message.find(GetParam().message_fragment), std::string::npos)
        << problems.front().message;
  }
}

// The decoder keeps a template's spec.nodeName, so validation sees it (an
// API server without the CRD's CEL rules accepts it).
TEST(validation_decoded, template_node_name_is_refused) {
  std::ifstream in(std::string(LATTICE_CODEC_GOLDEN_DIR) + "/training_job.json");
  std::stringstream text;
  text << in.rdbuf();
  auto json = text.str();
  const auto at = json.find("\"containers\": [");
  ASSERT_NE(at, std::string::npos);
  json.insert(at, "\"nodeName\": \"gpu-7\", ");
  auto job = k8s::decode_training_job(json);
  ASSERT_TRUE(job.ok()) << job.err().message;
  const auto problems = validate_job(*job);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field, "spec.replicaSpecs.template.spec.nodeName");
}

const std::string containers = "spec.replicaSpecs.template.spec.containers";

INSTANTIATE_TEST_SUITE_P(
    rules, validation,
    ::testing::Values(
        validation_case{"valid", [](k8s::training_job&) {}, {}, ""},
        validation_case{"min_size_zero",
                        [](k8s::training_job& j) { j.spec.min_size = 0; },
                        {"spec.minSize"},
                        "at least 1 (got 0)"},
        validation_case{"min_size_negative_and_max_below",
                        [](k8s::training_job& j) {
                          j.spec.min_size = -1;
                          j.spec.max_size = -2;
                        },
                        {"spec.minSize", "spec.maxSize"},
                        "got -1"},
        validation_case{"max_below_min",
                        [](k8s::training_job& j) { j.spec.max_size = 1; },
                        {"spec.maxSize"},
                        "at least minSize 2 (got 1)"},
        validation_case{"template_node_name",
                        [](k8s::training_job& j) { j.spec.template_info.node_name = "gpu-7"; },
                        {"spec.replicaSpecs.template.spec.nodeName"},
                        "must not be set: the operator pins each worker to the node the planner chose (got "
                        "\"gpu-7\")"},
        validation_case{"max_equal_min_is_fine", [](k8s::training_job& j) { j.spec.max_size = 2; }, {}, ""},
        validation_case{"no_containers",
                        [](k8s::training_job& j) { j.spec.template_info.containers.clear(); },
                        {containers},
                        "at least one container"},
        validation_case{"inject_without_command",
                        [](k8s::training_job& j) {
                          j.spec.inject_lattice = true;
                          j.spec.template_info.containers = {{"trainingjob", false, std::nullopt}};
                        },
                        {containers + "[0].command"},
                        "explicit command on the first container \"trainingjob\""},
        validation_case{"inject_with_command_sidecar_without",
                        [](k8s::training_job& j) {
                          j.spec.inject_lattice = true;
                          j.spec.template_info.containers = {{"trainingjob", true, std::nullopt},
                                                             {"log-shipper", false, std::nullopt}};
                        },
                        {},
                        ""},
        validation_case{"inject_with_a_status_port_that_is_not_a_port",
                        [](k8s::training_job& j) {
                          j.spec.inject_lattice = true;
                          j.spec.template_info.containers = {{"trainingjob", true, std::string("70000")}};
                        },
                        {containers + "[0].env[LATTICE_AGENT_STATUS_PORT]"},
                        "must be a port number from 0 to 65535, 0 to serve no rate (got \"70000\")"},
        validation_case{"a_status_port_is_only_read_by_the_injected_agent",
                        [](k8s::training_job& j) {
                          j.spec.template_info.containers = {{"trainingjob", true, std::string("http")}};
                        },
                        {},
                        ""},
        validation_case{"no_inject_no_command_is_fine",
                        [](k8s::training_job& j) {
                          j.spec.template_info.containers = {{"trainingjob", false, std::nullopt}};
                        },
                        {},
                        ""},
        validation_case{"framework_tensorflow",
                        [](k8s::training_job& j) { j.spec.framework = "tensorflow"; },
                        {"spec.framework"},
                        "only \"pytorch\" is supported for now (got \"tensorflow\")"},
        validation_case{"backoff_negative",
                        [](k8s::training_job& j) { j.spec.run.backoff_limit = -1; },
                        {"spec.runPolicy.backoffLimit"},
                        "0 or more (got -1)"},
        validation_case{
            "backoff_zero_is_fine", [](k8s::training_job& j) { j.spec.run.backoff_limit = 0; }, {}, ""},
        validation_case{"deadline_zero",
                        [](k8s::training_job& j) { j.spec.run.active_deadline_seconds = 0; },
                        {"spec.runPolicy.activeDeadlineSeconds"},
                        "more than 0 seconds (got 0)"},
        validation_case{"ttl_negative",
                        [](k8s::training_job& j) { j.spec.run.ttl_seconds_after_finished = -5; },
                        {"spec.runPolicy.ttlSecondsAfterFinished"},
                        "(got -5)"},
        validation_case{"ttl_zero_is_fine",
                        [](k8s::training_job& j) { j.spec.run.ttl_seconds_after_finished = 0; },
                        {},
                        ""},
        validation_case{"clean_pod_policy_lowercase",
                        [](k8s::training_job& j) { j.spec.run.clean_pod_policy = "all"; },
                        {"spec.runPolicy.cleanPodPolicy"},
                        "All, Running or None (got \"all\")"},
        validation_case{"clean_pod_policy_running",
                        [](k8s::training_job& j) { j.spec.run.clean_pod_policy = "Running"; },
                        {},
                        ""},
        validation_case{"clean_pod_policy_none",
                        [](k8s::training_job& j) { j.spec.run.clean_pod_policy = "None"; },
                        {},
                        ""}),
    [](const auto& info) { return info.param.name; });

TEST(format_problems, joins_field_and_message_on_one_line) {
  const std::vector<field_problem> problems = {{"spec.minSize", "must be at least 1 (got 0)"},
                                               {"spec.framework", "only \"pytorch\" is supported for now"}};
  EXPECT_EQ(
      format_problems(problems),
      "spec.minSize: must be at least 1 (got 0); spec.framework: only \"pytorch\" is supported for now");
  EXPECT_EQ(format_problems({}), "");
}

} // namespace
} // namespace lattice::lifecycle
