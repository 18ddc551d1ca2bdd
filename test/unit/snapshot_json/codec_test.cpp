// Snapshot documents: every field survives a round trip, every mistake is
// reported by its path, plans encode what the planner decided.
#include "scheduling/planner.hpp"
#include "snapshot_json/json_time.hpp"
#include "snapshot_json/snapshot_json.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace lattice::snapshot_json {
namespace {

using namespace scheduling;
namespace json = boost::json;

time_point at(int64_t seconds) {
  return time_point{std::chrono::seconds{1795860000 + seconds}};
}

planner_input full_input() {
  planner_input in;
  in.now = at(600) + milliseconds{250};
  in.config.gpu_resource = "example.com/tpu";
  in.config.rescale_interval = milliseconds{300'000};
  in.config.growth = growth_order::queue;
  in.config.topology_keys = {"topology.kubernetes.io/rack"};
  in.config.reserve_for_head = false;
  in.config.growth_age_fraction = 0.25;
  in.config.growth_quiet = milliseconds{600'000};
  in.config.repack_running = false;
  in.config.lend_reserved = false;
  in.config.spread_penalty = 0.3;
  node_info n;
  n.name = "n1";
  n.labels = {{"node-group", "a"}, {"topology.kubernetes.io/rack", "r1"}};
  n.taints = {{"dedicated", "inference", taint_effect::no_schedule}, {"flaky", "", taint_effect::no_execute}};
  n.allocatable.set("example.com/tpu", 8);
  n.allocatable.set("cpu", 96'000);
  n.allocatable.set("memory", int64_t{768} << 30);
  n.used_by_others.set("cpu", 2'000);
  n.schedulable = false;
  n.ready = false;
  in.snapshot.nodes.push_back(n);
  job_info j;
  j.namespace_ = "team-a";
  j.name = "train";
  j.priority = 3;
  j.min_size = 2;
  j.max_size = 8;
  j.worker_resources.set("example.com/tpu", 1);
  j.worker_resources.set("cpu", 4'000);
  j.constraints.node_selector = {{"node-group", "a"}};
  j.constraints.required_affinity = {
      {{{"zone", selector_operator::in, {"z1", "z2"}}, {"gen", selector_operator::gt, {"3"}}}},
      {{{"spot", selector_operator::does_not_exist, {}}}}};
  j.constraints.tolerations = {
      {"dedicated", toleration_operator::equal, "inference", taint_effect::no_schedule},
      {"", toleration_operator::exists, "", std::nullopt}};
  j.stage = job_stage::running;
  j.submit_time = at(0);
  j.queued_time = at(10);
  j.cooldown_time = at(20);
  j.schedule_failures = 2;
  j.last_resize_time = at(30);
  j.workers = {{0, "n1"}, {1, "n1"}};
  j.attained_service = 1234.5;
  j.throughput = {{2, 1, 410.5, at(500)}, {4, 2, 700, at(550)}};
  j.movable = true;
  in.snapshot.jobs.push_back(j);
  job_info w;
  w.name = "waiting";
  w.submit_time = at(100);
  w.worker_resources.set("cpu", 1'000);
  in.snapshot.jobs.push_back(w);
  return in;
}

TEST(snapshot_json, round_trip_keeps_every_field) {
  auto in = full_input();
  auto text = encode_input(in);
  auto out = decode_input(text);
  ASSERT_TRUE(out.input) << out.error;
  const auto& back = *out.input;
  EXPECT_EQ(back.now, in.now);
  EXPECT_EQ(back.config.gpu_resource, in.config.gpu_resource);
  EXPECT_EQ(back.config.rescale_interval, in.config.rescale_interval);
  EXPECT_EQ(back.config.growth, in.config.growth);
  EXPECT_EQ(back.config.topology_keys, in.config.topology_keys);
  EXPECT_EQ(back.config.reserve_for_head, in.config.reserve_for_head);
  EXPECT_EQ(back.config.growth_age_fraction, 0.25);
  EXPECT_EQ(back.config.growth_quiet, milliseconds{600'000});
  EXPECT_FALSE(back.config.repack_running);
  EXPECT_FALSE(back.config.lend_reserved);
  EXPECT_EQ(back.config.spread_penalty, 0.3);
  ASSERT_EQ(back.snapshot.nodes.size(), 1u);
  const auto& n = back.snapshot.nodes[0];
  const auto& m = in.snapshot.nodes[0];
  EXPECT_EQ(n.name, m.name);
  EXPECT_EQ(n.labels, m.labels);
  ASSERT_EQ(n.taints.size(), 2u);
  EXPECT_EQ(n.taints[1].key, "flaky");
  EXPECT_EQ(n.taints[1].effect, taint_effect::no_execute);
  EXPECT_EQ(n.allocatable, m.allocatable);
  EXPECT_EQ(n.used_by_others, m.used_by_others);
  EXPECT_FALSE(n.schedulable);
  EXPECT_FALSE(n.ready);
  ASSERT_EQ(back.snapshot.jobs.size(), 2u);
  const auto& j = back.snapshot.jobs[0];
  const auto& k = in.snapshot.jobs[0];
  EXPECT_EQ(j.key(), k.key());
  EXPECT_EQ(j.priority, k.priority);
  EXPECT_EQ(j.min_size, k.min_size);
  EXPECT_EQ(j.max_size, k.max_size);
  EXPECT_EQ(j.worker_resources, k.worker_resources);
  EXPECT_EQ(j.constraints, k.constraints);
  EXPECT_EQ(j.stage, k.stage);
  EXPECT_EQ(j.submit_time, k.submit_time);
  EXPECT_EQ(j.queued_time, k.queued_time);
  EXPECT_EQ(j.cooldown_time, k.cooldown_time);
  EXPECT_EQ(j.schedule_failures, k.schedule_failures);
  EXPECT_EQ(j.last_resize_time, k.last_resize_time);
  EXPECT_EQ(j.workers, k.workers);
  EXPECT_EQ(j.attained_service, k.attained_service);
  EXPECT_EQ(j.throughput, k.throughput);
  EXPECT_TRUE(j.movable);
  const auto& w = back.snapshot.jobs[1];
  EXPECT_EQ(w.namespace_, ""); // as built: the field was written, so it is not defaulted
  EXPECT_EQ(w.stage, job_stage::waiting);
  EXPECT_FALSE(w.attained_service);
  EXPECT_FALSE(w.movable);
  // And the same text again: encoding is deterministic.
  EXPECT_EQ(encode_input(back), text);
}

TEST(snapshot_json, unix_seconds_and_offsets_are_times_too) {
  auto out = decode_input(R"({"now": 1795860600.5, "jobs": [
      {"name": "a", "submitTime": "2026-11-28T12:00:00+02:00", "workerResources": {"cpu": 1}}]})");
  ASSERT_TRUE(out.input) << out.error;
  EXPECT_EQ(*out.input->now, at(600) + milliseconds{500});
  EXPECT_EQ(out.input->snapshot.jobs[0].submit_time, at(0));
  EXPECT_EQ(detail::format_rfc3339(at(0) + milliseconds{5}), "2026-11-28T10:00:00.005Z");
  EXPECT_EQ(detail::parse_rfc3339("2026-11-28T10:00:00.005Z"), at(0) + milliseconds{5});
  EXPECT_FALSE(detail::parse_rfc3339("2026-11-28 10:00:00Z"));
  EXPECT_FALSE(detail::parse_rfc3339("2026-13-28T10:00:00Z"));
  EXPECT_FALSE(detail::parse_rfc3339("2026-11-28T10:00:00"));
}

struct bad_case {
  const char* document;
  const char* error;
};

class bad_document : public ::testing::TestWithParam<bad_case> {};

TEST_P(bad_document, names_the_field) {
  auto out = decode_input(GetParam().document);
  EXPECT_FALSE(out.input);
  EXPECT_NE(out.error.find(GetParam().error), std::string::npos) << out.error;
}

INSTANTIATE_TEST_SUITE_P(
    errors, bad_document,
    ::testing::Values(
        bad_case{"{", "not valid JSON"}, bad_case{"[]", "$: expected an object"},
        bad_case{R"({"nodez": []})", "$.nodez: unknown field"},
        bad_case{R"({"nodes": [{"allocatable": {}}]})", "nodes[0].name: required"},
        bad_case{R"({"nodes": [{"name": "n", "allocatable": {"cpu": "4"}}]})",
                 "nodes[0].allocatable.cpu: expected an integer"},
        bad_case{R"({"nodes": [{"name": "n", "taints": [{"key": "k", "effect": "Sometimes"}]}]})",
                 "nodes[0].taints[0].effect: expected NoSchedule"},
        bad_case{R"({"jobs": [{"name": "a"}]})", "jobs[0].submitTime: required"},
        bad_case{R"({"jobs": [{"name": "a", "submitTime": "yesterday"}]})",
                 "jobs[0].submitTime: expected an RFC 3339"},
        bad_case{R"({"jobs": [{"name": "a", "submitTime": 0, "stage": "Completed"}]})",
                 "jobs[0].stage: expected Waiting"},
        bad_case{R"({"jobs": [{"name": "a", "submitTime": 0, "maxsize": 3}]})",
                 "jobs[0].maxsize: unknown field"},
        bad_case{R"({"jobs": [{"name": "a", "submitTime": 0, "workers": [{"index": 0}]}]})",
                 "jobs[0].workers[0].node: required"},
        bad_case{
            R"({"jobs": [{"name": "a", "submitTime": 0, "requiredAffinity": [{"matchExpressions": [{"key": "k"}]}]}]})",
            "jobs[0].requiredAffinity[0].matchExpressions[0].operator: required"},
        bad_case{
            R"({"jobs": [{"name": "a", "submitTime": 0, "throughput": [{"workers": 0, "samplesPerSecond": 1, "measuredAt": 0}]}]})",
            "jobs[0].throughput[0].workers: must be between 1"},
        bad_case{R"({"jobs": [{"name": "a", "submitTime": 0, "attainedService": -1}]})",
                 "jobs[0].attainedService: must not be negative"},
        bad_case{R"({"config": {"growth": "random"}})", "config.growth: expected"},
        bad_case{R"({"config": {"rescaleIntervalSeconds": -5}})", "config.rescaleIntervalSeconds"},
        bad_case{R"({"config": {"preset": "fast"}})", "config.preset"},
        bad_case{R"({"config": {"rescaleInterval": 5}})", "config.rescaleInterval: unknown field"}));

TEST(snapshot_json, config_preset_then_fields) {
  planner_config cfg;
  auto err = decode_config(R"({"rescaleIntervalSeconds": 60, "preset": "legacy"})", cfg);
  ASSERT_FALSE(err) << *err;
  EXPECT_EQ(cfg.growth, growth_order::queue);            // from the preset
  EXPECT_EQ(cfg.rescale_interval, milliseconds{60'000}); // the field wins, whatever the order
}

TEST(snapshot_json, plan_lists_decisions_queue_and_warnings) {
  planner_input in;
  node_info n;
  n.name = "n1";
  n.allocatable.set("nvidia.com/gpu", 2);
  in.snapshot.nodes = {n, n};
  job_info a;
  a.namespace_ = "default";
  a.name = "a";
  a.max_size = 2;
  a.worker_resources.set("nvidia.com/gpu", 1);
  a.submit_time = at(0);
  job_info b = a;
  b.name = "b";
  b.min_size = b.max_size = 4;
  b.submit_time = at(5);
  in.snapshot.jobs = {b, a};
  auto p = make_plan(in.snapshot, in.config, at(60));
  auto doc = json::parse(encode_plan(p, in.snapshot)).as_object();
  const auto& jobs = doc.at("jobs").as_array();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].at("name").as_string(), "b");
  EXPECT_EQ(jobs[0].at("stage").as_string(), "Waiting");
  EXPECT_NE(std::string(jobs[0].at("reason").as_string()).find("needs 4"), std::string::npos);
  EXPECT_EQ(jobs[1].at("stage").as_string(), "Running");
  EXPECT_EQ(jobs[1].at("size").as_int64(), 2);
  EXPECT_EQ(jobs[1].at("added").as_array().size(), 2u);
  EXPECT_EQ(doc.at("queue").as_array()[0].as_string(), "default/a");
  EXPECT_EQ(doc.at("warnings").as_array().size(), 1u); // the duplicate node name
  EXPECT_FALSE(doc.contains("reviewAt"));
  p.review_at = at(300);
  auto reviewed = json::parse(encode_plan(p, in.snapshot)).as_object();
  EXPECT_EQ(reviewed.at("reviewAt").as_string(), "2026-11-28T10:05:00Z");
}

} // namespace
} // namespace lattice::snapshot_json
