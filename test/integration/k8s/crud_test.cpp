// The operator's writes against the local API server, through the one
// write path it uses (k8s::write -> send_write): every verb, preconditions,
// and the decoders on what the server stored; the Lease's typed client with
// optimistic concurrency; keep-alive, RBAC and TLS errors.
#include "k8s/client/kinds.hpp"
#include "k8s/client/write_request.hpp"
#include "k8s/codec/decoders.hpp"
#include "k8s/codec/encoders.hpp"
#include "k8s/http/tls_transport.hpp"
#include "test/integration/k8s/cluster_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace lattice::k8s {
namespace {

using it::kubectl;

#define ASSERT_OK(r) ASSERT_TRUE(r) << (r).err().to_string()

struct crud : ::testing::Test {
  static void SetUpTestSuite() { std::cout << "TrainingJob CRD: " << it::ensure_training_job_crd() << "\n"; }
  it::test_namespace ns{"lattice-crud"};
  std::shared_ptr<client::rest_client> rest = it::admin_client();

  /// Sends `w` the way the operator's gateways do.
  status send(const k8s::write& w) { return client::send_write(*rest, w, it::test_group); }

  k8s::write make(write_verb verb, std::string name, std::string body = {}, std::string uid = {}) {
    k8s::write w;
    w.verb = verb;
    w.namespace_ = ns.name();
    w.name = std::move(name);
    w.body = std::move(body);
    w.uid = std::move(uid);
    return w;
  }

  result<std::string> get(const client::resource& res, const std::string& name) {
    return rest->call("GET", res.object_path(ns.name(), name));
  }
};

TEST_F(crud, training_job_patch_annotations_patch_status_delete_with_uid_precondition) {
  // The TrainingJob itself comes from the user: created here as kubectl would.
  auto posted = rest->call("POST", client::training_jobs_resource(it::test_group).collection_path(ns.name()),
                           {}, it::training_job_body(ns.name(), "job-a"), client::json_content_type);
  ASSERT_OK(posted);
  auto created = decode_training_job(*posted);
  ASSERT_OK(created);
  EXPECT_EQ(created->spec.max_size, 2);
  EXPECT_EQ(created->spec.priority, 3);
  EXPECT_EQ(created->spec.template_info.requests.get("nvidia.com/gpu"), 1) << "requests default to limits";

  ASSERT_OK(
      send(make(write_verb::patch_job, "job-a", R"({"metadata":{"annotations":{"lattice.test/a":"1"}}})")));
  ASSERT_OK(
      send(make(write_verb::patch_job_status, "job-a",
                R"({"status":{"stage":"Waiting","currentSize":0,"submitTime":"2026-01-02T03:04:05Z"}})")));
  auto got = get(client::training_jobs_resource(it::test_group), "job-a");
  ASSERT_OK(got);
  auto job = decode_training_job(*got);
  ASSERT_OK(job);
  EXPECT_EQ(job->meta.annotations.at("lattice.test/a"), "1");
  EXPECT_EQ(job->status.stage, "Waiting");
  EXPECT_EQ(kubectl("get " + it::training_jobs_kubectl() + " job-a -n " + ns.name()
                    + " -o jsonpath={.status.stage}"),
            "Waiting");

  auto refused = send(make(write_verb::delete_job, "job-a", {}, "00000000-0000-0000-0000-000000000000"));
  ASSERT_FALSE(refused) << "another incarnation's uid must not delete this job";
  EXPECT_EQ(refused.err().status, 409);
  ASSERT_OK(send(make(write_verb::delete_job, "job-a", {}, created->meta.uid)));
  EXPECT_TRUE(it::eventually(
      [&] {
        auto gone = get(client::training_jobs_resource(it::test_group), "job-a");
        return !gone && gone.err().status == 404;
      },
      std::chrono::seconds(10)));
}

TEST_F(crud, pods_create_and_delete_with_uid_precondition) {
  ASSERT_OK(send(make(write_verb::create_pod, "p-0", it::gated_pod_body(ns.name(), "p-0", "crud"))));
  auto got = get(client::pods_resource(), "p-0");
  ASSERT_OK(got);
  auto pod = decode_pod(*got);
  ASSERT_OK(pod);
  EXPECT_EQ(pod->requests.cpu_millis, 10);
  auto again = send(make(write_verb::create_pod, "p-0", it::gated_pod_body(ns.name(), "p-0", "crud")));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.err().status, 409) << "a create of a pod that exists is refused, not duplicated";

  auto refused = send(make(write_verb::delete_pod, "p-0", {}, "00000000-0000-0000-0000-000000000000"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.err().status, 409);
  auto forced = make(write_verb::delete_pod, "p-0", {}, pod->meta.uid);
  forced.grace_period_seconds = 0;
  ASSERT_OK(send(forced));
  EXPECT_TRUE(it::eventually(
      [&] {
        auto gone = get(client::pods_resource(), "p-0");
        return !gone && gone.err().status == 404;
      },
      std::chrono::seconds(10)));
}

TEST_F(crud, services_create) {
  service svc;
  svc.meta.name = "workers";
  svc.meta.namespace_ = ns.name();
  svc.cluster_ip = "None";
  svc.selector = {{"lattice.test/set", "x"}};
  svc.ports = {service_port{"rdzv", "TCP", 29500, 29500, ""}};
  ASSERT_OK(send(make(write_verb::create_service, "workers", encode_service(svc))));
  auto got = get(client::services_resource(), "workers");
  ASSERT_OK(got);
  auto stored = decode_service(*got);
  ASSERT_OK(stored);
  EXPECT_TRUE(stored->headless());
  ASSERT_EQ(stored->ports.size(), 1u);
  EXPECT_EQ(stored->ports[0].port, 29500);
}

TEST_F(crud, events_create) {
  event ev;
  ev.name = "job-a.it1";
  ev.namespace_ = ns.name();
  ev.involved_object = {std::string(it::test_group) + "/v1", "TrainingJob", ns.name(), "job-a", "uid-1", ""};
  ev.reason = "Scaled";
  ev.message = "scaled to 2 workers \"quoted\"";
  ev.type = "Normal";
  ev.source_component = "lattice-operator";
  ev.first_timestamp = ev.last_timestamp = "2026-01-02T03:04:05Z";
  ASSERT_OK(send(make(write_verb::create_event, ev.name, encode_event(ev))));
  EXPECT_EQ(kubectl("get events -n " + ns.name()
                    + " --field-selector reason=Scaled -o jsonpath={.items[0].message}"),
            ev.message);
}

TEST_F(crud, nodes_decode_what_the_server_stores) {
  const std::string name = "lattice-it-node-" + ns.name();
  auto created = rest->call(
      "POST", client::nodes_resource().collection_path(""), {},
      R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")" + name
          + R"(","labels":{"lattice.test/it":"yes"}},"spec":{"unschedulable":true,"taints":[{"key":"lattice.test/t","value":"v","effect":"NoSchedule"}]}})",
      client::json_content_type);
  ASSERT_OK(created);
  auto status = rest->call(
      "PATCH", client::nodes_resource().object_path("", name, "status"), {},
      R"({"status":{"allocatable":{"cpu":"4","memory":"8Gi","nvidia.com/gpu":"8"},"capacity":{"cpu":"4","memory":"8Gi","nvidia.com/gpu":"8"}}})",
      client::merge_patch_content_type);
  ASSERT_OK(status);
  auto stored = decode_node(*status);
  ASSERT_OK(stored);
  EXPECT_TRUE(stored->unschedulable);
  // The API server may add node.kubernetes.io/unschedulable itself.
  const bool has_ours = std::any_of(stored->taints.begin(), stored->taints.end(), [](const taint& t) {
    return t.key == "lattice.test/t" && t.value == "v" && t.effect == taint_effect::no_schedule;
  });
  EXPECT_TRUE(has_ours);
  EXPECT_EQ(stored->allocatable.cpu_millis, 4000);
  EXPECT_EQ(stored->allocatable.get("nvidia.com/gpu"), 8);
  ASSERT_OK(rest->call("DELETE", client::nodes_resource().object_path("", name)));
}

TEST_F(crud, leases_create_replace_with_optimistic_concurrency) {
  auto leases = client::lease_client(rest);
  lease l;
  l.meta.name = "it-lease";
  l.meta.namespace_ = ns.name();
  l.holder_identity = "a";
  l.lease_duration_seconds = 15;
  l.renew_time = "2026-01-02T03:04:05.000000Z";
  auto created = leases.create(ns.name(), encode_lease(l));
  ASSERT_OK(created);
  EXPECT_EQ(created->holder_identity, "a");
  auto renewed = created.value();
  renewed.renew_time = "2026-01-02T03:04:15.000000Z";
  renewed.lease_transitions = 1;
  auto updated = leases.replace(ns.name(), "it-lease", encode_lease(renewed));
  ASSERT_OK(updated);
  EXPECT_EQ(updated->lease_transitions, 1);
  // Writing again from the stale copy loses: that is how two leaders are avoided.
  auto stale = leases.replace(ns.name(), "it-lease", encode_lease(renewed));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.err().status, 409);
  auto got = leases.get(ns.name(), "it-lease");
  ASSERT_OK(got);
  EXPECT_EQ(got->meta.resource_version, updated->meta.resource_version);
}

TEST_F(crud, keep_alive_reuses_one_connection) {
  auto transport = http::tls_transport::create(it::admin_cluster());
  ASSERT_OK(transport);
  client::rest_client client(transport.value(), nullptr);
  for (int i = 0; i < 20; ++i)
    ASSERT_OK(client.call("GET", "/api/v1/namespaces/" + ns.name()));
  EXPECT_EQ(transport.value()->connections_opened(), 1u);
}

TEST_F(crud, a_token_without_rights_gets_a_clear_forbidden_error) {
  kubectl("create serviceaccount nobody -n " + ns.name());
  std::string token = kubectl("create token nobody -n " + ns.name());
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r'))
    token.pop_back();
  auto cluster = it::admin_cluster();
  cluster.client_cert_pem.clear();
  cluster.client_key_pem.clear();
  cluster.token = std::make_shared<auth::static_token>(token);
  auto weak = it::make_client(cluster);
  auto listed = weak->call("GET", client::pods_resource().collection_path(ns.name()));
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.err().what, error::kind::http);
  EXPECT_EQ(listed.err().status, 403);
  EXPECT_EQ(listed.err().reason, "Forbidden");
  const auto text = listed.err().to_string();
  EXPECT_NE(text.find("system:serviceaccount:" + ns.name() + ":nobody"), std::string::npos) << text;
  EXPECT_NE(text.find("cannot list resource \"pods\""), std::string::npos) << text;
}

TEST_F(crud, tls_verification_rejects_a_wrong_ca) {
  auto cluster = it::admin_cluster();
  // Any valid CA that did not sign the server certificate: the client cert's own.
  cluster.ca_pem = cluster.client_cert_pem;
  auto transport = http::tls_transport::create(cluster);
  ASSERT_OK(transport);
  client::rest_options options;
  options.max_retries = 0;
  client::rest_client client(transport.value(), nullptr, options);
  auto res = client.call("GET", "/version");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.err().what, error::kind::transport);
  EXPECT_NE(res.err().message.find("TLS handshake"), std::string::npos) << res.err().message;
}

} // namespace
} // namespace lattice::k8s
