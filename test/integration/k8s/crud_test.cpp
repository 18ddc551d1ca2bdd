// CRUD, status updates, conflicts, paging, keep-alive and RBAC errors
// against the local API server, for every kind the operator uses.
#include "k8s/client/kinds.hpp"
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
  client::kind_clients kinds{it::admin_client(), it::test_group};
};

TEST_F(crud, training_job_create_get_list_patch_status_delete) {
  auto created = kinds.training_jobs.create(ns.name(), it::training_job_body(ns.name(), "job-a"));
  ASSERT_OK(created);
  EXPECT_EQ(created->spec.max_size, 2);
  EXPECT_EQ(created->spec.priority, 3);
  EXPECT_EQ(created->spec.template_info.requests.get("nvidia.com/gpu"), 1) << "requests default to limits";

  auto got = kinds.training_jobs.get(ns.name(), "job-a");
  ASSERT_OK(got);
  EXPECT_EQ(got->meta.uid, created->meta.uid);

  auto patched =
      kinds.training_jobs.merge_patch(ns.name(), "job-a", R"({"metadata":{"labels":{"team":"x"}}})");
  ASSERT_OK(patched);
  EXPECT_EQ(patched->meta.labels.at("team"), "x");

  auto updated = kinds.update_training_job_status(ns.name(), "job-a", [](training_job& job) {
    job.status.stage = "Waiting";
    job.status.current_size = 0;
    job.status.submit_time = "2026-01-02T03:04:05Z";
    return true;
  });
  ASSERT_OK(updated);
  EXPECT_EQ(updated->status.stage, "Waiting");
  EXPECT_EQ(kubectl("get " + it::training_jobs_kubectl() + " job-a -n " + ns.name()
                    + " -o jsonpath={.status.stage}"),
            "Waiting");

  auto listed = kinds.training_jobs.list(ns.name());
  ASSERT_OK(listed);
  ASSERT_EQ(listed->items.size(), 1u);

  delete_options options;
  options.precondition_uid = created->meta.uid;
  ASSERT_OK(kinds.training_jobs.remove(ns.name(), "job-a", options));
  auto gone = kinds.training_jobs.get(ns.name(), "job-a");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.err().status, 404);
}

TEST_F(crud, status_update_conflict_is_retried_and_wins) {
  ASSERT_OK(kinds.training_jobs.create(ns.name(), it::training_job_body(ns.name(), "job-c")));
  int attempts = 0;
  auto updated = kinds.update_training_job_status(ns.name(), "job-c", [&](training_job& job) {
    if (++attempts == 1) {
      // Another writer changes the object between our read and our write.
      kubectl("patch " + it::training_jobs_kubectl() + " job-c -n " + ns.name()
              + R"( --type merge -p '{"metadata":{"labels":{"other":"writer"}}}')");
    }
    job.status.stage = "Running";
    job.status.current_size = 2;
    return true;
  });
  ASSERT_OK(updated);
  EXPECT_EQ(attempts, 2) << "the first PUT must have hit 409 and been retried";
  EXPECT_EQ(updated->status.current_size, 2);
  EXPECT_EQ(updated->meta.labels.at("other"), "writer") << "the other writer's change survives";

  // A stale resourceVersion on a plain update_status is returned as 409.
  auto stale = updated.value();
  stale.meta.resource_version = "1";
  auto conflict = kinds.training_jobs.update_status(
      ns.name(), "job-c", encode_training_job_status_update(stale, kinds.training_job_api_version));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.err().status, 409);
  EXPECT_EQ(conflict.err().reason, "Conflict");
}

TEST_F(crud, pods_create_list_paged_patch_status_delete_with_preconditions) {
  for (const auto* name : {"p-0", "p-1", "p-2"})
    ASSERT_OK(kinds.pods.create(ns.name(), it::gated_pod_body(ns.name(), name, "paged")));
  client::list_options options;
  options.label_selector = "lattice.test/set=paged";
  options.limit = 2;
  auto first = kinds.pods.list(ns.name(), options);
  ASSERT_OK(first);
  EXPECT_EQ(first->items.size(), 2u);
  EXPECT_FALSE(first->continue_token.empty());
  auto all = kinds.pods.list_all(ns.name(), options);
  ASSERT_OK(all);
  EXPECT_EQ(all->items.size(), 3u);
  EXPECT_EQ(all->items[0].requests.cpu_millis, 10);

  auto patched = kinds.pods.merge_patch(ns.name(), "p-0", R"({"metadata":{"annotations":{"a":"b"}}})");
  ASSERT_OK(patched);
  EXPECT_EQ(patched->meta.annotations.at("a"), "b");
  auto status = kinds.pods.merge_patch(
      ns.name(), "p-0",
      R"({"status":{"conditions":[{"type":"lattice.test/Checked","status":"True","lastTransitionTime":"2026-01-02T03:04:05Z"}]}})",
      "status");
  ASSERT_OK(status);
  EXPECT_NE(kubectl("get pod p-0 -n " + ns.name() + " -o jsonpath={.status.conditions[*].type}")
                .find("lattice.test/Checked"),
            std::string::npos);

  delete_options wrong;
  wrong.precondition_uid = "00000000-0000-0000-0000-000000000000";
  auto refused = kinds.pods.remove(ns.name(), "p-1", wrong);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.err().status, 409);
  delete_options right;
  right.precondition_resource_version = patched->meta.resource_version == status->meta.resource_version
                                            ? patched->meta.resource_version
                                            : status->meta.resource_version;
  right.propagation = propagation_policy::background;
  right.grace_period_seconds = 0;
  ASSERT_OK(kinds.pods.remove(ns.name(), "p-0", right));
}

TEST_F(crud, services_create_get_patch_status_delete) {
  service svc;
  svc.meta.name = "workers";
  svc.meta.namespace_ = ns.name();
  svc.cluster_ip = "None";
  svc.selector = {{"lattice.test/set", "x"}};
  svc.ports = {service_port{"rdzv", "TCP", 29500, 29500, ""}};
  auto created = kinds.services.create(ns.name(), encode_service(svc));
  ASSERT_OK(created);
  EXPECT_TRUE(created->headless());
  ASSERT_EQ(created->ports.size(), 1u);
  EXPECT_EQ(created->ports[0].port, 29500);
  auto got = kinds.services.get(ns.name(), "workers");
  ASSERT_OK(got);
  auto patched = kinds.services.merge_patch(ns.name(), "workers", R"({"metadata":{"labels":{"k":"v"}}})");
  ASSERT_OK(patched);
  EXPECT_EQ(patched->meta.labels.at("k"), "v");
  auto status = kinds.services.merge_patch(
      ns.name(), "workers",
      R"({"status":{"conditions":[{"type":"lattice.test/Ok","status":"True","reason":"Test","message":"m","lastTransitionTime":"2026-01-02T03:04:05Z"}]}})",
      "status");
  ASSERT_OK(status);
  ASSERT_OK(kinds.services.remove(ns.name(), "workers"));
}

TEST_F(crud, nodes_create_get_list_patch_status_delete) {
  const std::string name = "lattice-it-node-" + ns.name();
  auto created = kinds.nodes.create(
      "",
      R"({"apiVersion":"v1","kind":"Node","metadata":{"name":")" + name
          + R"(","labels":{"lattice.test/it":"yes"}},"spec":{"unschedulable":true,"taints":[{"key":"lattice.test/t","value":"v","effect":"NoSchedule"}]}})");
  ASSERT_OK(created);
  EXPECT_TRUE(created->unschedulable);
  // The API server may add node.kubernetes.io/unschedulable itself.
  const bool has_ours = std::any_of(created->taints.begin(), created->taints.end(), [](const taint& t) {
    return t.key == "lattice.test/t" && t.value == "v" && t.effect == taint_effect::no_schedule;
  });
  EXPECT_TRUE(has_ours);
  auto status = kinds.nodes.merge_patch(
      "", name,
      R"({"status":{"allocatable":{"cpu":"4","memory":"8Gi","nvidia.com/gpu":"8"},"capacity":{"cpu":"4","memory":"8Gi","nvidia.com/gpu":"8"}}})",
      "status");
  ASSERT_OK(status);
  EXPECT_EQ(status->allocatable.cpu_millis, 4000);
  EXPECT_EQ(status->allocatable.get("nvidia.com/gpu"), 8);
  client::list_options options;
  options.label_selector = "lattice.test/it=yes";
  auto listed = kinds.nodes.list("", options);
  ASSERT_OK(listed);
  EXPECT_GE(listed->items.size(), 1u);
  ASSERT_OK(kinds.nodes.remove("", name));
}

TEST_F(crud, leases_create_update_with_optimistic_concurrency_delete) {
  lease l;
  l.meta.name = "it-lease";
  l.meta.namespace_ = ns.name();
  l.holder_identity = "a";
  l.lease_duration_seconds = 15;
  l.renew_time = "2026-01-02T03:04:05.000000Z";
  auto created = kinds.leases.create(ns.name(), encode_lease(l));
  ASSERT_OK(created);
  EXPECT_EQ(created->holder_identity, "a");
  auto renewed = created.value();
  renewed.renew_time = "2026-01-02T03:04:15.000000Z";
  renewed.lease_transitions = 1;
  auto updated = kinds.leases.replace(ns.name(), "it-lease", encode_lease(renewed));
  ASSERT_OK(updated);
  EXPECT_EQ(updated->lease_transitions, 1);
  // Writing again from the stale copy loses: that is how two leaders are avoided.
  auto stale = kinds.leases.replace(ns.name(), "it-lease", encode_lease(renewed));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.err().status, 409);
  ASSERT_OK(kinds.leases.remove(ns.name(), "it-lease"));
}

TEST_F(crud, events_create_list_delete) {
  event ev;
  ev.name = "job-a.it1";
  ev.namespace_ = ns.name();
  ev.involved_object = {std::string(it::test_group) + "/v1", "TrainingJob", ns.name(), "job-a", "uid-1", ""};
  ev.reason = "Scaled";
  ev.message = "scaled to 2 workers \"quoted\"";
  ev.type = "Normal";
  ev.source_component = "lattice-operator";
  ev.first_timestamp = ev.last_timestamp = "2026-01-02T03:04:05Z";
  ASSERT_OK(kinds.create_event(ev));
  EXPECT_EQ(kubectl("get events -n " + ns.name()
                    + " --field-selector reason=Scaled -o jsonpath={.items[0].message}"),
            ev.message);
  auto deleted = kinds.rest->call("DELETE", client::events_resource().object_path(ns.name(), ev.name));
  ASSERT_OK(deleted);
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
  client::kind_clients weak(it::make_client(cluster), it::test_group);
  auto listed = weak.pods.list(ns.name());
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
