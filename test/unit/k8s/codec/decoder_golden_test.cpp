#include "k8s/codec/decoders.hpp"
#include "test/unit/k8s/codec/golden.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

namespace lattice::k8s {
namespace {

using test::read_golden;

constexpr std::int64_t gi = 1024LL * 1024 * 1024;
constexpr std::int64_t mi = 1024LL * 1024;

/// The golden job with `env` on its first container.
std::string golden_job_with_env(const std::string& env) {
  auto json = read_golden("training_job.json");
  const auto at = json.find("\"name\": \"trainingjob\",");
  EXPECT_NE(at, std::string::npos);
  return json.insert(at, "\"env\": " + env + ", ");
}

TEST(decode_training_job, the_agent_status_port_is_the_literal_env_value_of_the_first_container) {
  auto job = decode_training_job(golden_job_with_env(
      R"([{"name": "A", "value": "1"}, {"name": "LATTICE_AGENT_STATUS_PORT", "value": "31000"}])"));
  ASSERT_TRUE(job.ok()) << job.err().message;
  EXPECT_EQ(job->spec.template_info.containers[0].agent_status_port, "31000");
  EXPECT_FALSE(job->spec.template_info.containers[1].agent_status_port);

  // A reference is not followed: the operator could not know the port it resolves to.
  job = decode_training_job(golden_job_with_env(
      R"([{"name": "LATTICE_AGENT_STATUS_PORT", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}}])"));
  ASSERT_TRUE(job.ok()) << job.err().message;
  EXPECT_FALSE(job->spec.template_info.containers[0].agent_status_port);

  job =
      decode_training_job(golden_job_with_env(R"([{"name": "LATTICE_AGENT_STATUS_PORT", "value": 31000}])"));
  ASSERT_FALSE(job.ok());
  EXPECT_NE(job.err().to_string().find("containers[0].env[0].value"), std::string::npos)
      << job.err().to_string();
}

TEST(decode_training_job, keeps_what_the_operator_uses_from_a_full_object) {
  auto job = decode_training_job(read_golden("training_job.json"));
  ASSERT_TRUE(job.ok()) << job.err().to_string();
  const auto& m = job->meta;
  EXPECT_EQ(m.key(), "lattice/lattice-simple1");
  EXPECT_EQ(m.uid, "6a1c0f5e-2c4b-4f57-9b0e-2f3f1b2d7a10");
  EXPECT_EQ(m.resource_version, "48213");
  EXPECT_EQ(m.generation, 3);
  EXPECT_EQ(m.creation_timestamp, "2026-11-28T09:00:00Z");
  EXPECT_EQ(m.labels.at("app.kubernetes.io/part-of"), "resnet");
  // The last-applied annotation repeats the object: dropped; others kept.
  EXPECT_EQ(m.annotations.size(), 1u);
  EXPECT_EQ(m.annotations.at("team"), "vision");

  const auto& s = job->spec;
  EXPECT_EQ(s.min_size, 2);
  EXPECT_EQ(s.max_size, 4);
  EXPECT_EQ(s.priority, 5);
  EXPECT_TRUE(s.inject_lattice);
  EXPECT_EQ(s.framework, "pytorch");
  EXPECT_EQ(s.run.clean_pod_policy, "All");
  EXPECT_EQ(s.run.backoff_limit, 3);
  EXPECT_EQ(s.run.active_deadline_seconds, 86400);
  EXPECT_EQ(s.run.ttl_seconds_after_finished, 600);
  EXPECT_FALSE(s.run.suspend);

  // Requests: container 1 asks 3500m cpu and 1 GPU, memory defaults to its
  // 16Gi limit; container 2 adds 100m, 64Mi and 1G ephemeral storage.
  const auto& r = s.template_info.requests;
  EXPECT_EQ(r.cpu_millis, 3600);
  EXPECT_EQ(r.memory_bytes, 16 * gi + 64 * mi);
  EXPECT_EQ(r.get("nvidia.com/gpu"), 1);
  EXPECT_EQ(r.get("ephemeral-storage"), 1000000000);
  ASSERT_EQ(r.others.size(), 2u);
  EXPECT_EQ(r.others[0].name, "ephemeral-storage"); // sorted

  const auto& t = s.template_info;
  ASSERT_EQ(t.node_selector.size(), 2u);
  EXPECT_EQ(t.node_selector[0].key, "kubernetes.io/os");
  EXPECT_EQ(t.node_selector[1].key, "pool");
  EXPECT_EQ(t.node_selector[1].value, "gpu");
  ASSERT_EQ(t.required_node_terms.size(), 1u);
  const auto& exprs = t.required_node_terms[0].match_expressions;
  ASSERT_EQ(exprs.size(), 2u);
  EXPECT_EQ(exprs[0].key, "nvidia.com/gpu.product");
  EXPECT_EQ(exprs[0].op, selector_operator::in);
  EXPECT_EQ(exprs[0].values, (std::vector<std::string>{"A100-SXM4-80GB", "H100"}));
  EXPECT_EQ(exprs[1].op, selector_operator::does_not_exist);
  ASSERT_EQ(t.tolerations.size(), 2u);
  EXPECT_EQ(t.tolerations[0].key, "nvidia.com/gpu");
  EXPECT_EQ(t.tolerations[0].op, toleration_operator::exists);
  EXPECT_EQ(t.tolerations[0].effect, taint_effect::no_schedule);
  EXPECT_EQ(t.tolerations[1].op, toleration_operator::equal);
  EXPECT_EQ(t.tolerations[1].value, "true");
  EXPECT_EQ(t.tolerations[1].effect, taint_effect::no_execute);
  ASSERT_EQ(t.containers.size(), 2u);
  EXPECT_EQ(t.containers[0].name, "trainingjob");
  EXPECT_TRUE(t.containers[0].has_command);
  EXPECT_EQ(t.containers[1].name, "log-shipper");
  EXPECT_FALSE(t.containers[1].has_command);

  // The template is kept verbatim, minified, for building worker pods.
  EXPECT_EQ(s.template_json.find('\n'), std::string::npos);
  EXPECT_EQ(s.template_json.rfind(
                "{\"metadata\":{\"creationTimestamp\":null,\"labels\":{\"model\":\"resnet50\"}}", 0),
            0u)
      << s.template_json;
  EXPECT_NE(s.template_json.find("\"args\":[\"-u\",\"main.py\"]"), std::string::npos);

  const auto& st = job->status;
  EXPECT_EQ(st.current_size, 3);
  EXPECT_EQ(st.stage, "Running");
  EXPECT_EQ(st.submit_time, "2026-11-28T09:00:00Z");
  EXPECT_EQ(st.queued_time, "2026-11-28T09:00:00Z");
  EXPECT_EQ(st.last_exec_time, "2026-11-28T09:01:00Z");
  EXPECT_EQ(st.completion_time, ""); // null
  EXPECT_EQ(st.requeue_time, "2026-11-28T09:03:00Z");
  EXPECT_EQ(st.cooldown_time, "2026-11-28T09:20:00Z");
  EXPECT_EQ(st.exec.start_time, "2026-11-28T09:01:00Z");
  EXPECT_EQ(st.exec.last_reconcile_time, "2026-11-28T09:05:00Z");
  ASSERT_EQ(st.exec.conditions.size(), 1u);
  EXPECT_EQ(st.exec.conditions[0].type, "Running");
  EXPECT_EQ(st.exec.conditions[0].status, condition_status::true_);
  EXPECT_EQ(st.exec.conditions[0].reason, "TrainingJobRunning");
  EXPECT_EQ(st.exec.conditions[0].last_transition_time, "2026-11-28T09:01:05Z");
  ASSERT_EQ(st.exec.replica_statuses.size(), 1u);
  EXPECT_EQ(st.exec.replica_statuses[0].replica_type, "Worker");
  EXPECT_EQ(st.exec.replica_statuses[0].active, 3);
}

TEST(decode_training_job, applies_the_spec_defaults_when_fields_are_absent) {
  auto job = decode_training_job(read_golden("training_job_minimal.json"));
  ASSERT_TRUE(job.ok()) << job.err().to_string();
  EXPECT_EQ(job->spec.min_size, 1);
  EXPECT_EQ(job->spec.max_size, 1);
  EXPECT_EQ(job->spec.priority, 0);
  EXPECT_FALSE(job->spec.inject_lattice);
  EXPECT_EQ(job->spec.framework, "pytorch");
  EXPECT_EQ(job->spec.run.clean_pod_policy, "");
  EXPECT_FALSE(job->spec.run.backoff_limit.has_value());
  EXPECT_TRUE(job->spec.template_info.requests.empty());
  EXPECT_EQ(job->status.stage, "");
  EXPECT_EQ(job->spec.template_json, R"({"spec":{"containers":[{"name":"main","image":"busybox"}]}})");
}

TEST(decode_training_job, reads_back_the_throughput_the_operator_wrote) {
  const std::string head =
      R"({"metadata":{"name":"a","namespace":"ml","uid":"u"},"spec":{"minSize":1,"maxSize":4,)"
      R"("replicaSpecs":{"template":{"spec":{"containers":[{"name":"main","image":"busybox"}]}}}},"status":)";
  auto job = decode_training_job(
      head
      + R"({"throughput":{"samplesPerSecond":512.5,"workers":2,"nodes":1,"measuredAt":"2026-12-01T10:00:00Z"}}})");
  ASSERT_TRUE(job.ok()) << job.err().to_string();
  ASSERT_TRUE(job->status.throughput);
  EXPECT_EQ(*job->status.throughput, (throughput_status{512.5, 2, 1, "2026-12-01T10:00:00Z"}));

  auto integral =
      decode_training_job(head + R"({"throughput":{"samplesPerSecond":300,"workers":2,"nodes":2}}})");
  ASSERT_TRUE(integral.ok()) << integral.err().to_string();
  EXPECT_DOUBLE_EQ(integral->status.throughput->samples_per_second, 300)
      << "a whole rate is written without a point";

  auto cleared = decode_training_job(head + R"({"throughput":null}})");
  ASSERT_TRUE(cleared.ok()) << cleared.err().to_string();
  EXPECT_FALSE(cleared->status.throughput);

  auto wrong = decode_training_job(head + R"({"throughput":{"samplesPerSecond":"fast"}}})");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.err().to_string().find("samplesPerSecond"), std::string::npos) << wrong.err().to_string();
}

TEST(decode_pod, reads_phase_requests_and_container_states) {
  auto p = decode_pod(read_golden("pod.json"));
  ASSERT_TRUE(p.ok()) << p.err().to_string();
  EXPECT_EQ(p->meta.key(), "lattice/lattice-simple1-worker-0");
  EXPECT_EQ(p->meta.deletion_timestamp, "2026-11-28T09:30:00Z");
  ASSERT_EQ(p->meta.owner_references.size(), 1u);
  EXPECT_TRUE(p->meta.owner_references[0].controller);
  EXPECT_EQ(p->meta.owner_references[0].kind, "TrainingJob");
  EXPECT_EQ(p->meta.owner_references[0].uid, "6a1c0f5e-2c4b-4f57-9b0e-2f3f1b2d7a10");
  EXPECT_EQ(p->meta.labels.at("breezeml.ai/replica-index"), "0");
  EXPECT_EQ(p->node_name, "kwok-gpu-node-3");
  EXPECT_EQ(p->requests.cpu_millis, 3600);
  EXPECT_EQ(p->requests.memory_bytes, 16 * gi + 64 * mi);
  EXPECT_EQ(p->requests.get("nvidia.com/gpu"), 1);
  EXPECT_EQ(p->ready, condition_status::false_) << "the Ready condition, among three";
  EXPECT_EQ(p->scheduled, condition_status::true_);
  EXPECT_EQ(p->phase, pod_phase::failed);
  EXPECT_EQ(p->reason, "Evicted");
  EXPECT_EQ(p->scheduled, condition_status::true_);
  ASSERT_EQ(p->container_statuses.size(), 2u);
  const auto& c0 = p->container_statuses[0];
  EXPECT_EQ(c0.name, "trainingjob");
  EXPECT_FALSE(c0.ready);
  EXPECT_EQ(c0.restart_count, 2);
  EXPECT_TRUE(c0.terminated);
  EXPECT_EQ(c0.exit_code, 137);
  EXPECT_EQ(c0.terminated_reason, "OOMKilled");
  EXPECT_TRUE(p->container_statuses[1].ready);
  EXPECT_FALSE(p->container_statuses[1].terminated);
}

TEST(decode_pod, unschedulable_pending_pod_with_limits_only) {
  auto p = decode_pod(read_golden("pod_pending.json"));
  ASSERT_TRUE(p.ok()) << p.err().to_string();
  EXPECT_EQ(p->phase, pod_phase::pending);
  EXPECT_EQ(p->scheduled, condition_status::false_);
  EXPECT_EQ(p->scheduled_reason, "Unschedulable");
  EXPECT_EQ(p->ready, condition_status::unknown) << "no Ready condition yet";
  EXPECT_EQ(p->node_name, "");
  // Requests default to limits when absent.
  EXPECT_EQ(p->requests.cpu_millis, 2000);
  EXPECT_EQ(p->requests.memory_bytes, gi);
  EXPECT_EQ(p->requests.get("nvidia.com/gpu"), 2);
}

TEST(decode_node, reads_kwok_gpu_node) {
  auto n = decode_node(read_golden("node_kwok.json"));
  ASSERT_TRUE(n.ok()) << n.err().to_string();
  EXPECT_EQ(n->meta.key(), "kwok-gpu-node-3"); // cluster-scoped
  EXPECT_EQ(n->meta.labels.at("kubernetes.io/hostname"), "kwok-gpu-node-3");
  EXPECT_TRUE(n->unschedulable);
  EXPECT_EQ(n->ready, condition_status::true_);
  ASSERT_EQ(n->taints.size(), 2u);
  EXPECT_EQ(n->taints[0].key, "kwok.x-k8s.io/node");
  EXPECT_EQ(n->taints[0].value, "fake");
  EXPECT_EQ(n->taints[0].effect, taint_effect::no_schedule);
  EXPECT_EQ(n->taints[1].effect, taint_effect::prefer_no_schedule);
  EXPECT_EQ(n->allocatable.cpu_millis, 32000);
  EXPECT_EQ(n->allocatable.memory_bytes, 256 * gi);
  EXPECT_EQ(n->allocatable.get("nvidia.com/gpu"), 8);
  EXPECT_EQ(n->allocatable.get("pods"), 110);
  EXPECT_EQ(n->allocatable.get("ephemeral-storage"), 100 * gi);
}

TEST(decode_service, reads_headless_service) {
  auto s = decode_service(read_golden("service_headless.json"));
  ASSERT_TRUE(s.ok()) << s.err().to_string();
  EXPECT_TRUE(s->headless());
  ASSERT_EQ(s->selector.size(), 2u);
  EXPECT_EQ(s->selector[0].key, "breezeml.ai/job-name");
  ASSERT_EQ(s->ports.size(), 2u);
  EXPECT_EQ(s->ports[0].name, "rendezvous");
  EXPECT_EQ(s->ports[0].port, 29500);
  EXPECT_EQ(s->ports[0].target_port, 29500);
  EXPECT_EQ(s->ports[1].target_port, 0);
  EXPECT_EQ(s->ports[1].target_port_name, "http-metrics");
}

TEST(decode_lease, reads_leader_election_lease) {
  auto l = decode_lease(read_golden("lease.json"));
  ASSERT_TRUE(l.ok()) << l.err().to_string();
  EXPECT_EQ(l->meta.key(), "lattice/lattice-operator");
  EXPECT_EQ(l->holder_identity, "lattice-operator-7d9f-abcde");
  EXPECT_EQ(l->lease_duration_seconds, 15);
  EXPECT_EQ(l->lease_transitions, 4);
  EXPECT_EQ(l->acquire_time, "2026-11-28T08:30:00.000000Z");
  EXPECT_EQ(l->renew_time, "2026-11-28T09:10:02.123456Z");
}

TEST(decode_list, returns_page_tokens_and_reports_bad_items_without_dropping_good_ones) {
  auto page = decode_list(read_golden("pod_list.json"), static_cast<pod*>(nullptr));
  ASSERT_TRUE(page.ok()) << page.err().to_string();
  EXPECT_EQ(page->resource_version, "48400");
  EXPECT_EQ(page->continue_token, "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDg0MDAsInN0YXJ0IjoicDIifQ");
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].meta.name, "p1");
  EXPECT_EQ(page->items[0].requests.cpu_millis, 1000);
  EXPECT_EQ(page->items[1].meta.name, "p2");
  ASSERT_EQ(page->undecodable.size(), 1u);
  EXPECT_EQ(page->undecodable[0].failure.object, "lattice/p-bad");
  EXPECT_EQ(page->undecodable[0].failure.field, "items[1].spec.containers[0].resources.requests.cpu");
}

// A parser grown for a big LIST page gives its buffers back at the next
// small document (codec/document.cpp); decoding stays right across the switch.
TEST(decode_list, a_big_page_and_small_documents_in_turn_decode_alike) {
  std::string items;
  for (int i = 0; i < 3000; ++i)
    items +=
        (i ? "," : "") + std::string(R"({"metadata":{"name":"p)") + std::to_string(i)
        + R"(","namespace":"a","uid":"u"},"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"1"}}}]}})";
  const std::string big = R"({"metadata":{"resourceVersion":"7"},"items":[)" + items + "]}";
  ASSERT_GT(big.size(), 256u * 1024);
  for (int round = 0; round < 2; ++round) {
    auto page = decode_list(big, static_cast<pod*>(nullptr));
    ASSERT_TRUE(page.ok()) << page.err().to_string();
    ASSERT_EQ(page->items.size(), 3000u);
    EXPECT_EQ(page->items[2999].meta.name, "p2999");
    EXPECT_EQ(page->items[2999].requests.cpu_millis, 1000);
    auto small = decode_list(read_golden("pod_list.json"), static_cast<pod*>(nullptr));
    ASSERT_TRUE(small.ok()) << small.err().to_string();
    EXPECT_EQ(small->items.size(), 2u);
  }
}

TEST(decode_list, empty_training_job_list) {
  auto page = decode_list(read_golden("training_job_list_empty.json"), static_cast<training_job*>(nullptr));
  ASSERT_TRUE(page.ok()) << page.err().to_string();
  EXPECT_TRUE(page->items.empty());
  EXPECT_EQ(page->resource_version, "50001");
  EXPECT_EQ(page->continue_token, "");
}

TEST(decode_watch_event, decodes_every_event_type) {
  std::istringstream lines(read_golden("node_watch.jsonl"));
  std::vector<watch_event<node>> events;
  for (std::string line; std::getline(lines, line);) {
    auto e = decode_watch_event(line, static_cast<node*>(nullptr));
    ASSERT_TRUE(e.ok()) << e.err().to_string();
    events.push_back(std::move(*e));
  }
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].type, watch_event_type::added);
  EXPECT_EQ(events[0].object.allocatable.get("nvidia.com/gpu"), 4);
  EXPECT_EQ(events[0].object.ready, condition_status::true_);
  EXPECT_EQ(events[1].type, watch_event_type::modified);
  EXPECT_TRUE(events[1].object.unschedulable);
  EXPECT_EQ(events[1].object.ready, condition_status::unknown);
  EXPECT_EQ(events[1].object.meta.resource_version, "2005");
  EXPECT_EQ(events[2].type, watch_event_type::deleted);
  EXPECT_EQ(events[2].object.meta.name, "kwok-gpu-node-0");
  EXPECT_EQ(events[3].type, watch_event_type::bookmark);
  EXPECT_EQ(events[3].object.meta.resource_version, "2042");
  EXPECT_EQ(events[3].object.meta.name, "");
  EXPECT_EQ(events[4].type, watch_event_type::error);
  EXPECT_EQ(events[4].status.what, error::kind::http);
  EXPECT_EQ(events[4].status.status, 410);
  EXPECT_EQ(events[4].status.reason, "Expired");
  EXPECT_EQ(events[4].status.message, "too old resource version: 2001 (2040)");
}

TEST(decode_status, turns_a_status_body_into_an_http_error) {
  error e = decode_status(read_golden("status_conflict.json"), 409);
  EXPECT_EQ(e.what, error::kind::http);
  EXPECT_EQ(e.status, 409);
  EXPECT_EQ(e.reason, "Conflict");
  EXPECT_NE(e.message.find("the object has been modified"), std::string::npos);

  error not_json = decode_status("<html>502 Bad Gateway</html>", 502);
  EXPECT_EQ(not_json.status, 502);
  EXPECT_EQ(not_json.reason, "");
  EXPECT_EQ(not_json.message, "<html>502 Bad Gateway</html>");
}

} // namespace
} // namespace lattice::k8s
