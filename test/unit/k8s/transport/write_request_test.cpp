#include "k8s/client/write_request.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

// to_http_request: the pure mapping from a write to the HTTP request the
// gateways send, for every write_verb.

namespace lattice::k8s::client {
namespace {

namespace json = boost::json;
using api_call = k8s::write;
using api_verb = k8s::write_verb;

api_call make(api_verb verb, std::string name = "resnet-worker-0", std::string body = R"({"kind":"X"})") {
  api_call c;
  c.verb = verb;
  c.namespace_ = "lattice";
  c.name = std::move(name);
  c.body = std::move(body);
  return c;
}

struct mapping_case {
  std::string name;
  api_verb verb;
  std::string object_name;
  std::string method;
  std::string path;
  std::string content_type;
  std::string resource;
};

class to_http_request_verbs : public ::testing::TestWithParam<mapping_case> {};

TEST_P(to_http_request_verbs, method_path_content_type_and_resource) {
  const auto& c = GetParam();
  const auto req = to_http_request(make(c.verb, c.object_name), "breezeml.ai");
  EXPECT_EQ(req.method, c.method);
  EXPECT_EQ(req.path, c.path);
  EXPECT_EQ(req.content_type, c.content_type);
  EXPECT_EQ(req.resource, c.resource);
}

INSTANTIATE_TEST_SUITE_P(
    verbs, to_http_request_verbs,
    ::testing::Values(mapping_case{"create_pod", api_verb::create_pod, "resnet-worker-0", "POST",
                                   "/api/v1/namespaces/lattice/pods", "application/json", "pods"},
                      mapping_case{"delete_pod", api_verb::delete_pod, "resnet-worker-0", "DELETE",
                                   "/api/v1/namespaces/lattice/pods/resnet-worker-0", "application/json",
                                   "pods"},
                      mapping_case{"create_service", api_verb::create_service, "resnet-workers", "POST",
                                   "/api/v1/namespaces/lattice/services", "application/json", "services"},
                      mapping_case{"patch_job_status", api_verb::patch_job_status, "resnet", "PATCH",
                                   "/apis/breezeml.ai/v1/namespaces/lattice/trainingjobs/resnet/status",
                                   "application/merge-patch+json", "trainingjobs"},
                      mapping_case{"patch_job", api_verb::patch_job, "resnet", "PATCH",
                                   "/apis/breezeml.ai/v1/namespaces/lattice/trainingjobs/resnet",
                                   "application/merge-patch+json", "trainingjobs"},
                      mapping_case{"delete_job", api_verb::delete_job, "resnet", "DELETE",
                                   "/apis/breezeml.ai/v1/namespaces/lattice/trainingjobs/resnet",
                                   "application/json", "trainingjobs"},
                      mapping_case{"create_event", api_verb::create_event, "resnet.17", "POST",
                                   "/api/v1/namespaces/lattice/events", "application/json", "events"}),
    [](const auto& info) { return info.param.name; });

TEST(to_http_request, creates_and_patches_send_the_body_unchanged) {
  for (auto verb : {api_verb::create_pod, api_verb::create_service, api_verb::patch_job_status,
                    api_verb::patch_job, api_verb::create_event}) {
    const auto req = to_http_request(make(verb, "x", R"({"a":1})"), "breezeml.ai");
    EXPECT_EQ(req.body, R"({"a":1})") << k8s::to_string(verb);
  }
}

TEST(to_http_request, the_configured_group_names_the_training_job_resource) {
  const auto req = to_http_request(make(api_verb::patch_job_status, "resnet"), "ml.example.com");
  EXPECT_EQ(req.path, "/apis/ml.example.com/v1/namespaces/lattice/trainingjobs/resnet/status");
}

TEST(to_http_request, delete_pod_sends_delete_options_with_the_uid_precondition) {
  auto call = make(api_verb::delete_pod, "resnet-worker-0", "");
  call.uid = "pod-uid-7";
  const auto body = json::parse(to_http_request(call, "breezeml.ai").body).as_object();
  EXPECT_EQ(body.at("kind").as_string(), "DeleteOptions");
  EXPECT_EQ(body.at("apiVersion").as_string(), "v1");
  EXPECT_EQ(body.at("preconditions").at("uid").as_string(), "pod-uid-7");
  EXPECT_FALSE(body.contains("gracePeriodSeconds")) << "a normal delete keeps the pod's grace period";
  EXPECT_FALSE(body.contains("propagationPolicy"));
}

TEST(to_http_request, forced_delete_sends_grace_period_zero) {
  auto call = make(api_verb::delete_pod, "resnet-worker-0", "");
  call.uid = "pod-uid-7";
  call.grace_period_seconds = 0;
  const auto body = json::parse(to_http_request(call, "breezeml.ai").body).as_object();
  ASSERT_TRUE(body.contains("gracePeriodSeconds"));
  EXPECT_EQ(body.at("gracePeriodSeconds").to_number<std::int64_t>(), 0);
  EXPECT_EQ(body.at("preconditions").at("uid").as_string(), "pod-uid-7");
}

TEST(to_http_request, delete_job_propagates_in_the_background) {
  auto call = make(api_verb::delete_job, "resnet", "");
  call.uid = "job-uid-1";
  const auto body = json::parse(to_http_request(call, "breezeml.ai").body).as_object();
  EXPECT_EQ(body.at("propagationPolicy").as_string(), "Background");
  EXPECT_EQ(body.at("preconditions").at("uid").as_string(), "job-uid-1");
  EXPECT_FALSE(body.contains("gracePeriodSeconds"));
}

TEST(to_http_request, delete_without_uid_has_no_preconditions) {
  const auto body =
      json::parse(to_http_request(make(api_verb::delete_pod, "resnet-worker-0", ""), "breezeml.ai").body)
          .as_object();
  EXPECT_FALSE(body.contains("preconditions"));
}

TEST(to_http_request, names_are_url_encoded_in_paths) {
  const auto req = to_http_request(make(api_verb::delete_pod, "a b"), "breezeml.ai");
  EXPECT_EQ(req.path, "/api/v1/namespaces/lattice/pods/a%20b");
}

} // namespace
} // namespace lattice::k8s::client
