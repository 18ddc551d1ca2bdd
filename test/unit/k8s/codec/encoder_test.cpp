#include "k8s/codec/decoders.hpp"
#include "k8s/codec/encoders.hpp"
#include "test/unit/k8s/codec/golden.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

namespace lattice::k8s {
namespace {

namespace json = boost::json;
using test::read_golden;

/// Golden output files hold one document followed by a newline.
std::string golden_output(const std::string& name) {
  std::string s = read_golden(name);
  while (!s.empty() && s.back() == '\n')
    s.pop_back();
  return s;
}

training_job golden_job() {
  auto job = decode_training_job(read_golden("training_job.json"));
  EXPECT_TRUE(job.ok());
  return job.ok() ? *job : training_job{};
}

TEST(encode_training_job_status, update_body_matches_golden_and_round_trips) {
  training_job job = golden_job();
  std::string body = encode_training_job_status_update(job, "breezeml.ai/v1");
  EXPECT_EQ(body, golden_output("encoded_status_update.json"));

  // Put the encoded status back into the original object and decode it.
  json::value doc = json::parse(read_golden("training_job.json"));
  doc.as_object()["status"] = json::parse(body).as_object()["status"];
  auto decoded = decode_training_job(json::serialize(doc));
  ASSERT_TRUE(decoded.ok()) << decoded.err().to_string();
  EXPECT_EQ(encode_training_job_status(decoded->status), encode_training_job_status(job.status));
  EXPECT_EQ(decoded->status.requeue_time, "2026-11-28T09:03:00Z");
  EXPECT_EQ(decoded->status.exec.conditions.at(0).reason, "TrainingJobRunning");
}

TEST(encode_training_job_status, merge_patch_clears_empty_times_with_null) {
  training_job_status s;
  s.current_size = 2;
  s.stage = "Waiting";
  s.submit_time = "2026-11-28T09:00:00Z";
  s.queued_time = "2026-11-28T09:10:00Z";
  s.cooldown_time = "2026-11-28T09:11:00Z";
  EXPECT_EQ(encode_training_job_status_patch(s, "48213"), golden_output("encoded_status_patch.json"));
}

/// The job-level conditions again at status.conditions, as `kubectl wait
/// --for=condition=X` and health checks read them.
json::array standard_conditions(const training_job_status& s) {
  return json::parse(encode_training_job_status(s)).at("conditions").as_array();
}

TEST(encode_training_job_status, mirrors_exec_conditions_as_metav1_conditions) {
  training_job_status s;
  s.exec.conditions = {
      {"Created", condition_status::true_, "TrainingJobCreated", "accepted", "2026-11-28T09:00:01Z",
       "2026-11-28T09:00:00Z", 3},
      {"Queued", condition_status::false_, "Admitted", "", "2026-11-28T09:01:01Z", "2026-11-28T09:01:00Z", 3},
      {"Running", condition_status::true_, "AllWorkersRunning", "all 2 workers are running",
       "2026-11-28T09:02:01Z", "2026-11-28T09:02:00Z", 0},
  };
  EXPECT_EQ(standard_conditions(s), json::parse(R"([
    {"type":"Created","status":"True","observedGeneration":3,"lastTransitionTime":"2026-11-28T09:00:00Z",
     "reason":"TrainingJobCreated","message":"accepted"},
    {"type":"Queued","status":"False","observedGeneration":3,"lastTransitionTime":"2026-11-28T09:01:00Z",
     "reason":"Admitted","message":""},
    {"type":"Running","status":"True","lastTransitionTime":"2026-11-28T09:02:00Z",
     "reason":"AllWorkersRunning","message":"all 2 workers are running"}])"));
}

TEST(encode_training_job_status, mirror_repeats_succeeded_as_completed) {
  // `kubectl wait --for=condition=Completed` names the final stage; the
  // spec's place keeps only Succeeded.
  training_job_status s;
  s.exec.conditions = {
      {"Running", condition_status::false_, "AllWorkersSucceeded", "done", "2026-11-28T09:05:01Z",
       "2026-11-28T09:05:00Z", 0},
      {"Succeeded", condition_status::true_, "AllWorkersSucceeded", "all 2 workers succeeded",
       "2026-11-28T09:05:01Z", "2026-11-28T09:05:00Z", 0},
  };
  EXPECT_EQ(standard_conditions(s), json::parse(R"([
    {"type":"Running","status":"False","lastTransitionTime":"2026-11-28T09:05:00Z",
     "reason":"AllWorkersSucceeded","message":"done"},
    {"type":"Succeeded","status":"True","lastTransitionTime":"2026-11-28T09:05:00Z",
     "reason":"AllWorkersSucceeded","message":"all 2 workers succeeded"},
    {"type":"Completed","status":"True","lastTransitionTime":"2026-11-28T09:05:00Z",
     "reason":"AllWorkersSucceeded","message":"all 2 workers succeeded"}])"));
  const auto exec = json::parse(encode_training_job_status(s)).at("execStatus").at("conditions").as_array();
  EXPECT_EQ(exec.size(), 2U);
}

TEST(encode_training_job_status, mirror_never_writes_what_metav1_condition_refuses) {
  // Stored conditions written by someone else: metav1.Condition requires a
  // CamelCase reason and a lastTransitionTime, or the API server refuses
  // the whole status.
  training_job_status s;
  s.exec.conditions = {
      {"Running", condition_status::true_, "", "", "2026-11-28T09:02:01Z", "", 0},
      {"Queued", condition_status::false_, "not a reason", "m", "", "2026-11-28T09:01:00Z", 0},
      {"Ghost", condition_status::unknown, "Lost", "no time at all", "", "", 0},
  };
  EXPECT_EQ(standard_conditions(s), json::parse(R"([
    {"type":"Running","status":"True","lastTransitionTime":"2026-11-28T09:02:01Z",
     "reason":"Unspecified","message":""},
    {"type":"Queued","status":"False","lastTransitionTime":"2026-11-28T09:01:00Z",
     "reason":"Unspecified","message":"m"}])"));
}

TEST(encode_training_job_status, writes_reason_gpus_and_queue_position_and_reads_them_back) {
  training_job job = golden_job();
  job.status.stage = "Waiting";
  job.status.reason = "InsufficientResources";
  job.status.message = "needs 4 x {nvidia.com/gpu: 8} on any node; largest placement possible now: 2";
  job.status.gpus_held = 0;
  job.status.gpus_wanted = 32;
  job.status.queue_position = 3;
  const auto status = json::parse(encode_training_job_status(job.status));
  EXPECT_EQ(status.at("reason").as_string(), "InsufficientResources");
  EXPECT_EQ(status.at("message").as_string(), job.status.message);
  EXPECT_EQ(status.at("gpus"), json::parse(R"({"held":0,"wanted":32})"));
  EXPECT_EQ(status.at("queuePosition").as_int64(), 3);

  json::value doc = json::parse(read_golden("training_job.json"));
  doc.as_object()["status"] = status;
  auto decoded = decode_training_job(json::serialize(doc));
  ASSERT_TRUE(decoded.ok()) << decoded.err().to_string();
  EXPECT_EQ(encode_training_job_status(decoded->status), encode_training_job_status(job.status));
}

TEST(encode_training_job_status, writes_the_measured_throughput_to_four_significant_digits) {
  training_job_status s;
  s.stage = "Running";
  s.throughput = throughput_status{1234.5678, 4, 2, "2026-12-01T10:00:00Z"};
  const auto status = json::parse(encode_training_job_status(s));
  EXPECT_EQ(
      status.at("throughput"),
      json::parse(R"({"samplesPerSecond":1235,"workers":4,"nodes":2,"measuredAt":"2026-12-01T10:00:00Z"})"));
  s.throughput->samples_per_second = 0.012345;
  EXPECT_DOUBLE_EQ(
      json::parse(encode_training_job_status(s)).at("throughput").at("samplesPerSecond").to_number<double>(),
      0.01235);
}

TEST(encode_training_job_status, merge_patch_clears_a_position_that_went) {
  training_job_status s;
  s.stage = "Running";
  s.gpus_held = 8;
  s.gpus_wanted = 8;
  const auto patch = json::parse(encode_training_job_status_patch(s, "")).at("status");
  EXPECT_TRUE(patch.at("queuePosition").is_null()) << "a job admitted leaves the queue";
  EXPECT_TRUE(patch.at("reason").is_null());
  EXPECT_EQ(patch.at("gpus"), json::parse(R"({"held":8,"wanted":8})"));
}

TEST(merge_patch, builds_nested_objects_and_nulls) {
  merge_patch p;
  p.set("spec.runPolicy.suspend", true);
  p.set("spec.priority", std::int64_t{7});
  p.set_at({"metadata", "labels", "breezeml.ai/job-name"}, "\"j\"");
  p.remove("metadata.annotations.stale");
  p.set("metadata.annotations.note", "say \"hi\"");
  EXPECT_EQ(
      p.encode(),
      R"({"spec":{"runPolicy":{"suspend":true},"priority":7},"metadata":{"labels":{"breezeml.ai/job-name":"j"},"annotations":{"stale":null,"note":"say \"hi\""}}})");
  // A later set on a prefix replaces the subtree.
  p.set("spec", "gone");
  EXPECT_EQ(p.encode().rfind(R"({"spec":"gone",)", 0), 0u);
}

pod_from_template_input worker_input(const training_job& job) {
  pod_from_template_input in;
  in.template_json = job.spec.template_json;
  in.name = "lattice-simple1-worker-1";
  in.namespace_ = "lattice";
  in.labels = {{"breezeml.ai/job-name", "lattice-simple1"}, {"breezeml.ai/replica-index", "1"}};
  in.owner = owner_ref{"breezeml.ai/v1", "TrainingJob", "lattice-simple1", job.meta.uid, true};
  in.env = {{"RANK", "1"}, {"WORLD_SIZE", "3"}};
  in.pin_node = "kwok-gpu-node-3";
  in.hostname = "lattice-simple1-worker-1";
  in.subdomain = "lattice-simple1";
  in.restart_policy = "Never";
  return in;
}

TEST(encode_pod_from_template, matches_golden_and_decodes_back) {
  training_job job = golden_job();
  auto body = encode_pod_from_template(worker_input(job));
  ASSERT_TRUE(body.ok()) << body.err().to_string();
  EXPECT_EQ(*body, golden_output("encoded_pod.json"));

  auto decoded = decode_pod(*body);
  ASSERT_TRUE(decoded.ok()) << decoded.err().to_string();
  EXPECT_EQ(decoded->meta.key(), "lattice/lattice-simple1-worker-1");
  EXPECT_EQ(decoded->requests, job.spec.template_info.requests);
  EXPECT_EQ(decoded->meta.labels.at("model"), "resnet50"); // from the template
  EXPECT_EQ(decoded->meta.labels.at("breezeml.ai/replica-index"), "1");
  ASSERT_EQ(decoded->meta.owner_references.size(), 1u);
  EXPECT_TRUE(decoded->meta.owner_references[0].controller);

  // The pin is ANDed into the template's own required affinity term.
  json::value pod = json::parse(*body);
  const auto& terms =
      pod.at_pointer(
             "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
          .as_array();
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_EQ(terms[0].at("matchExpressions").as_array().size(), 2u); // the template's, untouched
  const auto& fields = terms[0].at("matchFields").as_array();
  ASSERT_EQ(fields.size(), 1u);
  EXPECT_EQ(fields[0].at("key").as_string(), "metadata.name");
  EXPECT_EQ(fields[0].at("values").as_array()[0].as_string(), "kwok-gpu-node-3");
}

TEST(encode_pod_from_template, replaces_same_named_env_and_creates_affinity) {
  pod_from_template_input in;
  in.template_json =
      R"({"spec":{"containers":[{"name":"c","env":[{"name":"RANK","value":"9"},{"name":"KEEP","value":"k"}]}]}})";
  in.name = "p";
  in.namespace_ = "ns";
  in.env = {{"RANK", "0"}};
  in.pin_node = "n1";
  auto body = encode_pod_from_template(in);
  ASSERT_TRUE(body.ok()) << body.err().to_string();
  EXPECT_EQ(
      *body,
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{"containers":[{"name":"c","env":[{"name":"KEEP","value":"k"},{"name":"RANK","value":"0"}]}],"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.name","operator":"In","values":["n1"]}]}]}}}}})");
}

TEST(encode_pod_from_template, binds_to_the_pinned_node_only_when_asked_and_keeps_the_affinity) {
  pod_from_template_input in;
  in.template_json = R"({"spec":{"containers":[{"name":"c"}]}})";
  in.name = "p";
  in.namespace_ = "ns";
  in.pin_node = "n1";
  auto pinned = encode_pod_from_template(in);
  ASSERT_TRUE(pinned.ok()) << pinned.err().to_string();
  EXPECT_EQ(json::parse(*pinned).at("spec").as_object().count("nodeName"), 0u) << "kube-scheduler binds it";

  in.bind_to_pin_node = true;
  auto bound = encode_pod_from_template(in);
  ASSERT_TRUE(bound.ok()) << bound.err().to_string();
  EXPECT_EQ(
      *bound,
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{"containers":[{"name":"c"}],"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.name","operator":"In","values":["n1"]}]}]}}},"nodeName":"n1"}})");
}

TEST(encode_pod_from_template, bad_templates_name_the_pod_and_field) {
  struct bad {
    const char* json;
    const char* field;
    const char* message;
  };
  const bad cases[] = {
      {"{", "template", "malformed pod template JSON"},
      {"[]", "template", "expected object"},
      {R"({"metadata":{}})", "template.spec", "required field missing"},
      {R"({"spec":{}})", "template.spec.containers", "required field missing"},
      {R"({"spec":{"containers":[]}})", "template.spec.containers", "at least one container"},
      {R"({"spec":{"containers":[1]}})", "template.spec.containers[0]", "expected object"},
      {R"({"metadata":{"labels":[]},"spec":{"containers":[{"name":"c"}]}})", "template.metadata.labels",
       "expected object"},
      {R"({"metadata":{"annotations":{"a":1}},"spec":{"containers":[{"name":"c"}]}})",
       "template.metadata.annotations[a]", "expected string"},
      {R"({"spec":{"containers":[{"name":"c","env":{}}]}})", "template.spec.containers[0].env",
       "expected array"},
      {R"({"spec":{"affinity":{"nodeAffinity":7},"containers":[{"name":"c"}]}})",
       "template.spec.affinity.nodeAffinity", "expected object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    pod_from_template_input in;
    in.template_json = c.json;
    in.name = "w-0";
    in.namespace_ = "ns";
    in.env = {{"A", "1"}};
    in.pin_node = "n";
    auto body = encode_pod_from_template(in);
    ASSERT_FALSE(body.ok());
    EXPECT_EQ(body.err().what, error::kind::decode);
    EXPECT_EQ(body.err().object, "ns/w-0");
    EXPECT_EQ(body.err().field, c.field);
    EXPECT_NE(body.err().message.find(c.message), std::string::npos) << body.err().message;
  }
}

TEST(encode_service, matches_golden_and_round_trips) {
  service svc;
  svc.meta.name = "lattice-simple1";
  svc.meta.namespace_ = "lattice";
  svc.meta.labels = {{"breezeml.ai/job-name", "lattice-simple1"}};
  svc.meta.owner_references = {owner_ref{"breezeml.ai/v1", "TrainingJob", "lattice-simple1", "uid-1", true}};
  svc.cluster_ip = "None";
  svc.selector = {{"breezeml.ai/job-name", "lattice-simple1"}, {"breezeml.ai/replica-index", "0"}};
  svc.ports = {service_port{"rendezvous", "TCP", 29500, 29500, ""},
               service_port{"metrics", "TCP", 8080, 0, "http"}};
  std::string body = encode_service(svc);
  EXPECT_EQ(body, golden_output("encoded_service.json"));
  auto back = decode_service(body);
  ASSERT_TRUE(back.ok()) << back.err().to_string();
  EXPECT_TRUE(back->headless());
  EXPECT_EQ(back->meta.key(), "lattice/lattice-simple1");
  EXPECT_EQ(encode_service(*back), body);
}

TEST(encode_event, matches_golden) {
  event ev;
  ev.name = "lattice-simple1.17f3a2b4c5d6e7f8";
  ev.namespace_ = "lattice";
  ev.involved_object = {"breezeml.ai/v1", "TrainingJob", "lattice", "lattice-simple1", "uid-1", "48213"};
  ev.reason = "Requeued";
  ev.message = "pod lattice-simple1-worker-3 stayed Pending for 2m0s; cooling down until 09:20:00Z";
  ev.type = "Warning";
  ev.source_component = "lattice-operator";
  ev.first_timestamp = "2026-11-28T09:03:00Z";
  ev.last_timestamp = "2026-11-28T09:03:00Z";
  ev.count = 1;
  EXPECT_EQ(encode_event(ev), golden_output("encoded_event.json"));
}

TEST(encode_lease, matches_golden_and_round_trips_escaped_strings) {
  auto original = decode_lease(read_golden("lease.json"));
  ASSERT_TRUE(original.ok());
  std::string body = encode_lease(*original);
  EXPECT_EQ(body, golden_output("encoded_lease.json"));
  auto back = decode_lease(body);
  ASSERT_TRUE(back.ok()) << back.err().to_string();
  EXPECT_EQ(back->holder_identity, original->holder_identity);
  EXPECT_EQ(back->renew_time, original->renew_time);
  EXPECT_EQ(back->meta.resource_version, "5120");

  // Quotes, backslashes, control characters and invalid UTF-8 still give a
  // document the decoder accepts; invalid bytes become U+FFFD.
  lease odd = *original;
  odd.holder_identity = "a\"b\\c\n\x01 \xc3\xa9 \xff end";
  auto odd_back = decode_lease(encode_lease(odd));
  ASSERT_TRUE(odd_back.ok()) << odd_back.err().to_string();
  EXPECT_EQ(odd_back->holder_identity, "a\"b\\c\n\x01 \xc3\xa9 \xef\xbf\xbd end");
}

TEST(encode_delete_options, writes_preconditions_and_propagation) {
  delete_options o;
  EXPECT_EQ(encode_delete_options(o), R"({"apiVersion":"v1","kind":"DeleteOptions"})");
  o.precondition_uid = "uid-1";
  o.precondition_resource_version = "42";
  o.propagation = propagation_policy::foreground;
  o.grace_period_seconds = 0;
  EXPECT_EQ(
      encode_delete_options(o),
      R"({"apiVersion":"v1","kind":"DeleteOptions","preconditions":{"uid":"uid-1","resourceVersion":"42"},"propagationPolicy":"Foreground","gracePeriodSeconds":0})");
}

} // namespace
} // namespace lattice::k8s
