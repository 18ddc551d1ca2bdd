#include "k8s/codec/decoders.hpp"
#include "test/unit/k8s/codec/golden.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lattice::k8s {
namespace {

enum class kind { job, pod, node, service, lease, pod_watch, job_list };

/// Runs the decoder for `k` and returns its error (or a marker when it succeeded).
error decode_failure(kind k, std::string_view json) {
  auto pick = [](const auto& r) {
    if (r.ok())
      return decode_error("SUCCEEDED", "", "decoder accepted the input");
    return r.err();
  };
  switch (k) {
  case kind::job:
    return pick(decode_training_job(json));
  case kind::pod:
    return pick(decode_pod(json));
  case kind::node:
    return pick(decode_node(json));
  case kind::service:
    return pick(decode_service(json));
  case kind::lease:
    return pick(decode_lease(json));
  case kind::pod_watch: {
    // A refused object in a sound envelope comes back as an undecodable event.
    auto event = decode_watch_event(json, static_cast<pod*>(nullptr));
    if (event && event->undecodable)
      return event->failure;
    return pick(std::move(event));
  }
  case kind::job_list:
    return pick(decode_list(json, static_cast<training_job*>(nullptr)));
  }
  return decode_error("", "", "");
}

struct malformed_case {
  const char* name;
  kind what;
  std::string json;
  const char* object;
  const char* field;
  const char* message; ///< substring
};

// A valid TrainingJob body around `spec_fields` (inserted before replicaSpecs).
std::string job_with(const std::string& spec_fields, const std::string& container = R"({"name":"c"})",
                     const std::string& template_spec_extra = "") {
  return R"({"metadata":{"name":"j","namespace":"ns"},"spec":{)" + spec_fields
         + R"("replicaSpecs":{"template":{"spec":{)" + template_spec_extra + R"("containers":[)" + container
         + "]}}}}}";
}

const std::string containers_path = "spec.replicaSpecs.template.spec.containers";

const std::vector<malformed_case> cases = {
    {"wrong type for an integer", kind::job, job_with(R"("minSize":"2",)"), "ns/j", "spec.minSize",
     "expected integer, got string"},
    {"integer beyond its limit", kind::job, job_with(R"("maxSize":99999999999,)"), "ns/j", "spec.maxSize",
     "must be between 1 and 10000 (got 99999999999)"},
    {"integer beyond int64", kind::job,
     R"({"metadata":{"name":"j","namespace":"ns","generation":18446744073709551615},"spec":{}})", "ns/j",
     "metadata.generation", "out of 64-bit range"},
    {"fraction where an integer belongs", kind::job, job_with(R"("priority":1.5,)"), "ns/j", "spec.priority",
     "expected integer, got number"},
    {"number beyond double range", kind::job, job_with(R"("priority":1e400,)"), "<unknown>", "",
     "malformed JSON"},
    {"wrong type for a boolean", kind::job, job_with(R"("injectLattice":"yes",)"), "ns/j",
     "spec.injectLattice", "expected boolean, got string"},
    {"spec missing", kind::job, R"({"metadata":{"name":"j","namespace":"ns"}})", "ns/j", "spec",
     "required field missing"},
    {"spec of the wrong type", kind::job, R"({"metadata":{"name":"j","namespace":"ns"},"spec":[]})", "ns/j",
     "spec", "expected object, got array"},
    {"template missing", kind::job,
     R"({"metadata":{"name":"j","namespace":"ns"},"spec":{"replicaSpecs":{}}})", "ns/j",
     "spec.replicaSpecs.template", "required field missing"},
    {"metadata missing", kind::job, R"({"spec":{}})", "<unknown>", "metadata", "required field missing"},
    {"name missing", kind::job, R"({"metadata":{"namespace":"ns"},"spec":{}})", "<unknown>", "metadata.name",
     "required field missing"},
    {"name of the wrong type", kind::job, R"({"metadata":{"name":42},"spec":{}})", "<unknown>",
     "metadata.name", "expected string, got integer"},
    {"label value of the wrong type", kind::job,
     R"({"metadata":{"name":"j","namespace":"ns","labels":{"app":1}}})", "ns/j", "metadata.labels.app",
     "expected string, got integer"},
    {"owner references of the wrong type", kind::pod,
     R"({"metadata":{"name":"p","namespace":"ns","ownerReferences":{}}})", "ns/p", "metadata.ownerReferences",
     "expected array, got object"},
    {"bad quantity", kind::job,
     job_with("", R"({"name":"c","resources":{"requests":{"nvidia.com/gpu":"one"}}})"), "ns/j",
     "spec.replicaSpecs.template.spec.containers[0].resources.requests[nvidia.com/gpu]",
     "invalid quantity \"one\""},
    {"quantity of the wrong type", kind::job,
     job_with("", R"({"name":"c","resources":{"limits":{"cpu":true}}})"), "ns/j",
     "spec.replicaSpecs.template.spec.containers[0].resources.limits.cpu",
     "expected quantity (string or number), got boolean"},
    {"negative quantity", kind::job, job_with("", R"({"name":"c","resources":{"requests":{"cpu":"-1"}}})"),
     "ns/j", "spec.replicaSpecs.template.spec.containers[0].resources.requests.cpu", "negative quantity"},
    {"overflowing quantity", kind::job,
     job_with("", R"({"name":"c","resources":{"requests":{"memory":"1e30"}}})"), "ns/j",
     "spec.replicaSpecs.template.spec.containers[0].resources.requests.memory", "too large"},
    {"container without a name", kind::job, job_with("", R"({"image":"x"})"), "ns/j",
     "spec.replicaSpecs.template.spec.containers[0].name", "required field missing"},
    {"command of the wrong type", kind::job, job_with("", R"({"name":"c","command":"python"})"), "ns/j",
     "spec.replicaSpecs.template.spec.containers[0].command", "expected array, got string"},
    {"unknown toleration operator", kind::job,
     job_with("", R"({"name":"c"})", R"("tolerations":[{"key":"k","operator":"Maybe"}],)"), "ns/j",
     "spec.replicaSpecs.template.spec.tolerations[0].operator", "unknown toleration operator \"Maybe\""},
    {"unknown affinity operator", kind::job,
     job_with(
         "", R"({"name":"c"})",
         R"("affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"Near"}]}]}}},)"),
     "ns/j",
     "spec.replicaSpecs.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
     "nodeSelectorTerms[0].matchExpressions[0].operator",
     "unknown operator \"Near\""},
    {"node selector value of the wrong type", kind::job,
     job_with("", R"({"name":"c"})", R"("nodeSelector":{"kubernetes.io/os":["linux"]},)"), "ns/j",
     "spec.replicaSpecs.template.spec.nodeSelector[kubernetes.io/os]", "expected string, got array"},
    {"unknown condition status", kind::job,
     R"({"metadata":{"name":"j","namespace":"ns"},"status":{"execStatus":{"conditions":[{"type":"Running","status":"Yes"}]}}})",
     "ns/j", "status.execStatus.conditions[0].status", "unknown condition status \"Yes\""},
    {"condition without a type", kind::job,
     R"({"metadata":{"name":"j","namespace":"ns"},"status":{"execStatus":{"conditions":[{"status":"True"}]}}})",
     "ns/j", "status.execStatus.conditions[0].type", "required field missing"},
    {"replica status count of the wrong type", kind::job,
     R"({"metadata":{"name":"j","namespace":"ns"},"status":{"execStatus":{"replicaStatuses":{"Worker":{"active":"3"}}}}})",
     "ns/j", "status.execStatus.replicaStatuses.Worker.active", "expected integer, got string"},
    {"pod containers of the wrong type", kind::pod,
     R"({"metadata":{"name":"p","namespace":"ns"},"spec":{"containers":{}}})", "ns/p", "spec.containers",
     "expected array, got object"},
    {"pod restart count of the wrong type", kind::pod,
     R"({"metadata":{"name":"p","namespace":"ns"},"status":{"containerStatuses":[{"name":"c","restartCount":"2"}]}})",
     "ns/p", "status.containerStatuses[0].restartCount", "expected integer, got string"},
    {"pod exit code beyond int32", kind::pod,
     R"({"metadata":{"name":"p","namespace":"ns"},"status":{"containerStatuses":[{"name":"c","state":{"terminated":{"exitCode":4294967296}}}]}})",
     "ns/p", "status.containerStatuses[0].state.terminated.exitCode", "out of 32-bit range"},
    {"pod requests that overflow when summed", kind::pod,
     R"({"metadata":{"name":"p","namespace":"ns"},"spec":{"containers":[{"name":"a","resources":{"requests":{"memory":"5E"}}},{"name":"b","resources":{"requests":{"memory":"5E"}}}]}})",
     "ns/p", "spec.containers[1]", "overflows"},
    {"node taint without effect", kind::node, R"({"metadata":{"name":"n"},"spec":{"taints":[{"key":"k"}]}})",
     "n", "spec.taints[0].effect", "required field missing"},
    {"node allocatable with a bad suffix", kind::node,
     R"({"metadata":{"name":"n"},"status":{"allocatable":{"memory":"8Gb"}}})", "n",
     "status.allocatable.memory", "invalid quantity \"8Gb\""},
    {"node unschedulable of the wrong type", kind::node,
     R"({"metadata":{"name":"n"},"spec":{"unschedulable":1}})", "n", "spec.unschedulable",
     "expected boolean, got integer"},
    {"service port missing", kind::service,
     R"({"metadata":{"name":"s","namespace":"ns"},"spec":{"ports":[{"name":"x"}]}})", "ns/s",
     "spec.ports[0].port", "required field missing"},
    {"lease duration of the wrong type", kind::lease,
     R"({"metadata":{"name":"l","namespace":"ns"},"spec":{"leaseDurationSeconds":1.5}})", "ns/l",
     "spec.leaseDurationSeconds", "expected integer, got number"},
    {"document is an array", kind::pod, "[]", "<unknown>", "", "expected object, got array"},
    {"truncated document", kind::pod, R"({"metadata":{"name":"p","namespace":"ns"},"spec":{"contai)",
     "<unknown>", "", "malformed JSON"},
    {"empty input", kind::pod, "", "<unknown>", "", "malformed JSON"},
    {"invalid UTF-8", kind::pod, "{\"metadata\":{\"name\":\"p\xff\"}}", "<unknown>", "", "malformed JSON"},
    {"watch event of unknown type", kind::pod_watch, R"({"type":"SNAPSHOT","object":{}})", "<unknown>",
     "type", "unknown watch event type \"SNAPSHOT\""},
    {"watch event without type", kind::pod_watch, R"({"object":{}})", "<unknown>", "type",
     "required field missing"},
    {"watch event without object", kind::pod_watch, R"({"type":"ADDED"})", "<unknown>", "object",
     "required field missing"},
    {"watch event with a bad object", kind::pod_watch,
     R"({"type":"MODIFIED","object":{"metadata":{"name":"p","namespace":"ns"},"spec":{"nodeName":7}}})",
     "ns/p", "object.spec.nodeName", "expected string, got integer"},
    {"watch error with a bad code", kind::pod_watch, R"({"type":"ERROR","object":{"code":"410"}})",
     "<unknown>", "object.code", "expected integer, got string"},
    {"list items of the wrong type", kind::job_list, R"({"metadata":{"resourceVersion":"1"},"items":{}})",
     "<list>", "items", "expected array, got object"},
    {"list without items", kind::job_list, R"({"metadata":{"resourceVersion":"1"}})", "<list>", "items",
     "required field missing"},
    {"list resourceVersion of the wrong type", kind::job_list,
     R"({"metadata":{"resourceVersion":1},"items":[]})", "<list>", "metadata.resourceVersion",
     "expected string, got integer"},
};

TEST(decode_malformed, names_the_object_and_field) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    error e = decode_failure(c.what, c.json);
    EXPECT_EQ(e.what, error::kind::decode);
    EXPECT_EQ(e.object, c.object);
    EXPECT_EQ(e.field, c.field);
    EXPECT_NE(e.message.find(c.message), std::string::npos) << e.message;
  }
}

TEST(decode_malformed, every_truncation_of_every_golden_document_fails_cleanly) {
  const std::pair<const char*, kind> files[] = {
      {"training_job.json", kind::job}, {"training_job_minimal.json", kind::job},
      {"pod.json", kind::pod},          {"pod_pending.json", kind::pod},
      {"node_kwok.json", kind::node},   {"service_headless.json", kind::service},
      {"lease.json", kind::lease},      {"training_job_list_empty.json", kind::job_list},
  };
  for (const auto& [file, k] : files) {
    std::string json = test::read_golden(file);
    while (!json.empty() && (json.back() == '\n' || json.back() == ' '))
      json.pop_back();
    ASSERT_EQ(decode_failure(k, json).object, "SUCCEEDED") << file;
    for (std::size_t len = 0; len < json.size(); ++len) {
      error e = decode_failure(k, std::string_view(json).substr(0, len));
      ASSERT_EQ(e.what, error::kind::decode) << file << " truncated to " << len;
      ASSERT_NE(e.object, "SUCCEEDED") << file << " truncated to " << len;
    }
  }
}

TEST(decode_malformed, a_bad_item_in_a_list_is_reported_with_its_own_name) {
  std::string body = R"({"metadata":{"resourceVersion":"9"},"items":[)" + job_with(R"("minSize":"x",)") + ","
                     + job_with("") + "]}";
  auto page = decode_list(body, static_cast<training_job*>(nullptr));
  ASSERT_TRUE(page.ok()) << page.err().to_string();
  ASSERT_EQ(page->items.size(), 1u);
  ASSERT_EQ(page->undecodable.size(), 1u);
  EXPECT_EQ(page->undecodable[0].failure.object, "ns/j");
  EXPECT_EQ(page->undecodable[0].failure.field, "items[0].spec.minSize");
}

TEST(decode_malformed, a_refused_item_keeps_its_metadata) {
  const std::string bad = R"({"metadata":{"name":"j","namespace":"ns","uid":"u1","resourceVersion":"7",)"
                          R"("generation":3},"spec":{"minSize":"x"}})";
  auto page = decode_list(R"({"metadata":{"resourceVersion":"9"},"items":[)" + bad + "]}",
                          static_cast<training_job*>(nullptr));
  ASSERT_TRUE(page.ok()) << page.err().to_string();
  ASSERT_EQ(page->undecodable.size(), 1u);
  const auto& meta = page->undecodable[0].object.meta;
  EXPECT_EQ(meta.key(), "ns/j");
  EXPECT_EQ(meta.uid, "u1");
  EXPECT_EQ(meta.resource_version, "7");
  EXPECT_EQ(meta.generation, 3);
}

TEST(decode_malformed, a_refused_object_in_a_watch_event_comes_back_with_its_metadata) {
  const std::string line =
      R"({"type":"MODIFIED","object":{"metadata":{"name":"j","namespace":"ns","uid":"u1",)"
      R"("resourceVersion":"7","generation":3},"spec":{"priority":3000000000},)"
      R"("status":{"stage":"Running","currentSize":2}}})";
  auto event = decode_watch_event(line, static_cast<training_job*>(nullptr));
  ASSERT_TRUE(event.ok()) << event.err().to_string();
  EXPECT_TRUE(event->undecodable);
  EXPECT_EQ(event->type, watch_event_type::modified);
  EXPECT_EQ(event->object.meta.key(), "ns/j");
  EXPECT_EQ(event->object.meta.uid, "u1");
  EXPECT_EQ(event->object.meta.resource_version, "7");
  EXPECT_EQ(event->object.meta.generation, 3);
  EXPECT_EQ(event->failure.object, "ns/j");
  EXPECT_EQ(event->failure.field, "object.spec.priority");
  // The status the operator wrote is kept (nothing of it is lost).
  EXPECT_EQ(event->object.status.stage, "Running");
  EXPECT_EQ(event->object.status.current_size, 2);
}

TEST(decode_malformed, a_watch_event_whose_metadata_is_unreadable_fails) {
  const std::string line = R"({"type":"ADDED","object":{"metadata":{"name":7},"spec":{}}})";
  auto event = decode_watch_event(line, static_cast<training_job*>(nullptr));
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.err().field, "object.metadata.name");
}

} // namespace
} // namespace lattice::k8s
