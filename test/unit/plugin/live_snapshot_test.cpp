#include "k8s/codec/decoders.hpp"
#include "plugin/live_snapshot.hpp"
#include "plugin/operator_settings.hpp"
#include "scheduling/time.hpp"

#include <gtest/gtest.h>

namespace lattice::plugin {
namespace {

const std::string group = "breezeml.ai";

k8s::training_job job(const std::string& name, const std::string& extra_spec, const std::string& status) {
  auto text =
      R"({"apiVersion":"breezeml.ai/v1","kind":"TrainingJob","metadata":{"name":")" + name
      + R"(","namespace":"ml","uid":"uid-)" + name
      + R"(","creationTimestamp":"2026-11-28T09:00:00Z"},"spec":{"minSize":1,"maxSize":2,)" + extra_spec
      + R"("replicaSpecs":{"template":{"spec":{"containers":[{"name":"w","image":"x","command":["sleep"],)"
      + R"("resources":{"requests":{"nvidia.com/gpu":"2"}}}]}}}},"status":)" + status + "}";
  auto decoded = k8s::decode_training_job(text);
  EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.err().to_string());
  return decoded.value();
}

k8s::pod pod(const std::string& name, const std::string& node, const std::string& owner_uid, bool worker,
             const std::string& phase = "Running") {
  std::string labels = worker ? R"("labels":{"breezeml.ai/replica-index":"0"},)" : "";
  std::string owner =
      owner_uid.empty()
          ? ""
          : R"("ownerReferences":[{"apiVersion":"breezeml.ai/v1","kind":"TrainingJob","name":"x","uid":")"
                + owner_uid + R"(","controller":true}],)";
  auto text =
      R"({"metadata":{)" + labels + owner + R"("name":")" + name
      + R"(","namespace":"ml","uid":"p"},"spec":{"nodeName":")" + node
      + R"(","containers":[{"name":"c","resources":{"requests":{"nvidia.com/gpu":"2"}}}]},"status":{"phase":")"
      + phase + R"("}})";
  auto decoded = k8s::decode_pod(text);
  EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.err().to_string());
  return decoded.value();
}

k8s::node node(const std::string& name) {
  auto decoded = k8s::decode_node(R"({"metadata":{"name":")" + name
                                  + R"("},"spec":{},"status":{"allocatable":{"nvidia.com/gpu":"8"},)"
                                  + R"("conditions":[{"type":"Ready","status":"True"}]}})");
  EXPECT_TRUE(decoded.ok());
  return decoded.value();
}

TEST(LiveSnapshot, BuiltAsTheOperatorBuildsIt) {
  cluster_objects objects;
  objects.jobs = {
      job("run", R"("runPolicy":{"activeDeadlineSeconds":600},)",
          R"({"stage":"Running","currentSize":1,"submitTime":"2026-11-28T09:00:05Z","execStatus":{"startTime":"2026-11-28T09:01:00Z"}})"),
      job("wait", "", R"({"stage":"Waiting"})"), job("done", "", R"({"stage":"Completed"})"),
      job("bad", R"("injectLattice":true,)", "{}")};
  objects.jobs.back().spec.inject_lattice = true;
  objects.jobs.back().spec.template_info.containers = {{"w", false, std::nullopt}};
  objects.pods = {pod("run-worker-0", "n0", "uid-run", true), pod("other", "n0", "", false),
                  pod("gone", "n0", "", false, "Succeeded")};
  objects.nodes = {node("n0")};
  auto live = build_live_snapshot(objects, group);
  ASSERT_EQ(live.snapshot.jobs.size(), 2u);
  const auto& run = live.snapshot.jobs[0];
  EXPECT_EQ(run.key(), "ml/run");
  EXPECT_EQ(run.stage, scheduling::job_stage::running);
  ASSERT_EQ(run.workers.size(), 1u);
  EXPECT_EQ(run.workers[0].node, "n0");
  EXPECT_EQ(live.ends.at("ml/run"), *parse_time("2026-11-28T09:11:00Z"));
  // The worker is the planner's; only the other live pod counts as someone else's.
  ASSERT_EQ(live.snapshot.nodes.size(), 1u);
  EXPECT_EQ(live.snapshot.nodes[0].used_by_others.get("nvidia.com/gpu"), 2);
  EXPECT_EQ(live.stages.at("Running"), 1);
  EXPECT_EQ(live.stages.at("Waiting"), 1);
  EXPECT_EQ(live.stages.at("Completed"), 1);
  EXPECT_EQ(live.stages.at("Invalid"), 1);
  EXPECT_EQ(live.invalid.count("ml/bad"), 1u);
}

TEST(LiveSnapshot, ANewJobIsSubmittedNowWithoutStatus) {
  auto now = *parse_time("2026-11-28T10:00:00Z");
  auto converted = convert_new_job(job("new", "", R"({"stage":"Running","currentSize":2})"), group, now);
  ASSERT_TRUE(converted.info) << converted.error;
  EXPECT_EQ(converted.info->submit_time, now);
  EXPECT_EQ(converted.info->stage, scheduling::job_stage::waiting);
  EXPECT_EQ(converted.info->worker_resources.get("nvidia.com/gpu"), 2);
  auto suspended = convert_new_job(job("s", R"("runPolicy":{"suspend":true},)", "{}"), group, now);
  EXPECT_FALSE(suspended.info);
  EXPECT_NE(suspended.error.find("suspend"), std::string::npos);
}

} // namespace
} // namespace lattice::plugin

namespace lattice::plugin {
namespace {

TEST(OperatorSettings, FromTheDeploymentOfTheGroup) {
  auto list = boost::json::parse(R"json({"items":[
    {"metadata":{"namespace":"x","name":"other"},"spec":{"template":{"spec":{"containers":[
      {"args":["--api-group=other.example.com","--rescale-interval=1s"]}]}}}},
    {"metadata":{"namespace":"lattice","name":"lattice-operator"},"spec":{"template":{"spec":{"containers":[
      {"args":["--api-group=breezeml.ai","--rescale-interval=5s","--identity=$(POD_NAME)"],
       "env":[{"name":"LATTICE_GPU_RESOURCE","value":"example.com/gpu"},
              {"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}]}]}}}}]})json");
  auto found = settings_from_deployments(list, "breezeml.ai");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->source, "the flags of Deployment lattice/lattice-operator");
  EXPECT_EQ(found->config.rescale_interval, std::chrono::milliseconds{5000});
  EXPECT_EQ(found->config.gpu_resource, "example.com/gpu");
  EXPECT_FALSE(settings_from_deployments(list, "nothing.example.com"));
}

TEST(OperatorSettings, BadFlagsAreAnError) {
  auto parsed = settings_from_flags({"--rescale-interval", "soon"});
  EXPECT_FALSE(parsed.config);
  EXPECT_NE(parsed.error.find("rescale-interval"), std::string::npos) << parsed.error;
  auto good = settings_from_flags({"--rescale-interval", "5s"});
  ASSERT_TRUE(good.config);
  EXPECT_EQ(good.config->rescale_interval, std::chrono::milliseconds{5000});
}

} // namespace
} // namespace lattice::plugin
