#include "k8s/client/object_client.hpp"
#include "k8s/client/rest_client.hpp"
#include "test/support/manual_clock.hpp"
#include "test/unit/k8s/transport/fake_kind.hpp"
#include "test/unit/k8s/transport/fake_transport.hpp"

#include <gtest/gtest.h>

namespace lattice::k8s {
namespace {

using namespace std::chrono_literals;
using lattice::test::manual_clock;
using test::fake_transport;

struct rest_fixture : ::testing::Test {
  std::shared_ptr<fake_transport> transport = std::make_shared<fake_transport>();
  manual_clock time;
  std::vector<client::request_record> records;
  std::shared_ptr<client::rest_client> make(double qps = 0, int burst = 1, int max_retries = 3) {
    client::rest_options options;
    options.observer = [this](const client::request_record& r) { records.push_back(r); };
    options.max_retries = max_retries;
    options.backoff = {100ms, 1000ms, 2.0, 0.5};
    options.random = [] { return 0.0; };
    options.time = &time;
    return std::make_shared<client::rest_client>(
        transport, std::make_shared<http::rate_limiter>(qps, burst, time), options);
  }
};

TEST_F(rest_fixture, too_many_requests_waits_for_retry_after_then_succeeds) {
  transport->answers = {fake_transport::status_answer(429, "TooManyRequests", "2"), fake_transport::ok("{}")};
  auto res = make()->call("GET", "/api/v1/pods");
  ASSERT_TRUE(res) << res.err().to_string();
  EXPECT_EQ(transport->requests.size(), 2u);
  ASSERT_EQ(time.sleeps().size(), 1u);
  EXPECT_EQ(time.sleeps()[0], std::chrono::duration_cast<base::clock::duration>(2s));
}

TEST_F(rest_fixture, retry_after_is_capped) {
  transport->answers = {fake_transport::status_answer(503, "ServiceUnavailable", "3600"),
                        fake_transport::ok("{}")};
  ASSERT_TRUE(make()->call("GET", "/x"));
  ASSERT_EQ(time.sleeps().size(), 1u);
  EXPECT_EQ(time.sleeps()[0], std::chrono::duration_cast<base::clock::duration>(30s));
}

TEST_F(rest_fixture, unavailable_without_retry_after_backs_off_exponentially) {
  transport->answers = {fake_transport::status_answer(503, "ServiceUnavailable"),
                        fake_transport::status_answer(503, "ServiceUnavailable"), fake_transport::ok("{}")};
  ASSERT_TRUE(make()->call("GET", "/x"));
  const std::vector<base::clock::duration> expected{100ms, 200ms};
  EXPECT_EQ(time.sleeps(), expected);
}

TEST_F(rest_fixture, transport_errors_retry_with_backoff_until_exhausted) {
  transport->fallback = [](const http::request&) { return fake_transport::transport_failure(); };
  auto res = make(0, 1, 3)->call("POST", "/x", {}, "{}", "application/json");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.err().what, error::kind::transport);
  EXPECT_NE(res.err().message.find("POST /x"), std::string::npos) << res.err().message;
  EXPECT_EQ(transport->requests.size(), 4u);
  const std::vector<base::clock::duration> expected{100ms, 200ms, 400ms};
  EXPECT_EQ(time.sleeps(), expected);
}

TEST_F(rest_fixture, exhausted_429_returns_the_error_with_retry_after) {
  transport->fallback = [](const http::request&) {
    return fake_transport::status_answer(429, "TooManyRequests", "1");
  };
  auto res = make(0, 1, 2)->call("GET", "/x");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.err().status, 429);
  EXPECT_EQ(res.err().retry_after_seconds, 1);
  EXPECT_EQ(transport->requests.size(), 3u);
}

TEST_F(rest_fixture, client_errors_are_returned_at_once_with_the_status_reason) {
  struct row {
    int status;
    std::string reason;
  };
  for (auto [status, reason] : {row{409, "Conflict"}, row{404, "NotFound"}, row{403, "Forbidden"},
                                row{422, "Invalid"}, row{410, "Gone"}}) {
    transport->requests.clear();
    transport->answers = {fake_transport::status_answer(status, reason)};
    auto res = make()->call("PUT", "/apis/g/v1/namespaces/a/things/b/status");
    ASSERT_FALSE(res);
    EXPECT_EQ(res.err().what, error::kind::http);
    EXPECT_EQ(res.err().status, status);
    EXPECT_EQ(res.err().reason, reason);
    EXPECT_NE(res.err().message.find("scripted " + reason), std::string::npos) << res.err().message;
    EXPECT_EQ(transport->requests.size(), 1u) << status << " must not be retried";
  }
  EXPECT_TRUE(time.sleeps().empty());
}

TEST_F(rest_fixture, unauthorized_re_reads_the_token_once) {
  transport->answers = {fake_transport::status_answer(401, "Unauthorized"), fake_transport::ok("{}")};
  ASSERT_TRUE(make()->call("GET", "/x"));
  EXPECT_EQ(transport->invalidations, 1);
  transport->answers = {fake_transport::status_answer(401, "Unauthorized"),
                        fake_transport::status_answer(401, "Unauthorized")};
  auto res = make()->call("GET", "/x");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.err().status, 401);
}

TEST_F(rest_fixture, every_attempt_takes_a_rate_limiter_token) {
  transport->fallback = [](const http::request&) { return fake_transport::ok("{}"); };
  auto client = make(2.0, 1);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(client->call("GET", "/x"));
  const std::vector<base::clock::duration> expected{500ms, 500ms};
  EXPECT_EQ(time.sleeps(), expected);
}

TEST_F(rest_fixture, each_attempt_reports_its_wait_for_a_token) {
  transport->fallback = [](const http::request&) { return fake_transport::ok("{}"); };
  auto client = make(4.0, 2);
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(client->call("POST", "/api/v1/namespaces/ns/pods"));
  // Two tokens in the bucket, then one every 250 ms.
  std::vector<std::chrono::nanoseconds> waits;
  for (const auto& r : records) {
    EXPECT_EQ(r.verb, "POST");
    EXPECT_EQ(r.resource, "pods");
    waits.push_back(r.throttled);
  }
  const std::vector<std::chrono::nanoseconds> expected{0ms, 0ms, 250ms, 250ms};
  EXPECT_EQ(waits, expected);
}

TEST_F(rest_fixture, after_cancel_calls_fail_at_once_without_a_request_or_a_token) {
  // Shutdown with a backlog: each queued call must fail now, not wait its
  // turn at the rate limiter (tokens borrowed from the future add up).
  transport->fallback = [](const http::request&) { return fake_transport::ok("{}"); };
  auto client = make(1.0, 1);
  ASSERT_TRUE(client->call("GET", "/x"));
  client->cancel();
  EXPECT_TRUE(client->cancelled());
  EXPECT_EQ(transport->cancels, 1) << "the transport aborts what is in flight";
  for (int i = 0; i < 1000; ++i) {
    auto res = client->call("POST", "/api/v1/namespaces/a/pods", {}, "{}", "application/json");
    ASSERT_FALSE(res);
    ASSERT_EQ(res.err().what, error::kind::cancelled);
  }
  auto watch = client->watch("/api/v1/pods", {{"watch", "1"}}, 1s);
  ASSERT_FALSE(watch);
  EXPECT_EQ(watch.err().what, error::kind::cancelled);
  EXPECT_EQ(transport->requests.size(), 1u);
  EXPECT_TRUE(transport->watch_requests.empty());
  EXPECT_TRUE(time.sleeps().empty());
}

TEST_F(rest_fixture, cancel_between_attempts_stops_the_retries) {
  std::shared_ptr<client::rest_client> client = make(0, 1, 5);
  transport->fallback = [&client](const http::request&) {
    client->cancel();
    return fake_transport::status_answer(503, "ServiceUnavailable", "30");
  };
  auto res = client->call("GET", "/x");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.err().status, 503) << "the last real answer";
  EXPECT_EQ(transport->requests.size(), 1u);
  EXPECT_TRUE(time.sleeps().empty()) << "no Retry-After wait once cancelled";
}

TEST_F(rest_fixture, query_parameters_are_encoded) {
  transport->answers = {fake_transport::ok("{}")};
  ASSERT_TRUE(make()->call("GET", "/api/v1/pods",
                           {{"fieldSelector", "spec.nodeName!="}, {"labelSelector", "a in (b,c)"}}));
  EXPECT_EQ(transport->requests[0].target,
            "/api/v1/pods?fieldSelector=spec.nodeName%21%3D&labelSelector=a%20in%20%28b%2Cc%29");
}

TEST(resource, paths_for_core_group_and_cluster_scope) {
  EXPECT_EQ(client::pods_resource().collection_path(""), "/api/v1/pods");
  EXPECT_EQ(client::pods_resource().object_path("a", "p-0"), "/api/v1/namespaces/a/pods/p-0");
  EXPECT_EQ(client::nodes_resource().object_path("ignored", "n1"), "/api/v1/nodes/n1");
  EXPECT_EQ(client::training_jobs_resource("breezeml.ai").object_path("a", "j", "status"),
            "/apis/breezeml.ai/v1/namespaces/a/trainingjobs/j/status");
  EXPECT_EQ(client::leases_resource().collection_path("kube-system"),
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases");
}

// --- typed operations over the fake kind -------------------------------------

struct thing_fixture : rest_fixture {
  client::object_client<test::thing> things{make(), {"example.com", "v1", "things", true}};
};

TEST_F(thing_fixture, get_create_replace_decode_what_the_server_stored) {
  transport->answers = {fake_transport::ok(test::thing_json("a", "x", "5", 1)),
                        fake_transport::ok(test::thing_json("a", "x", "6", 2)),
                        fake_transport::status_answer(409, "Conflict")};
  auto got = things.get("a", "x");
  ASSERT_TRUE(got) << got.err().to_string();
  EXPECT_EQ(got->value, 1);
  auto replaced = things.replace("a", "x", test::thing_json("a", "x", "5", 2));
  ASSERT_TRUE(replaced) << replaced.err().to_string();
  EXPECT_EQ(replaced->meta.resource_version, "6");
  EXPECT_EQ(transport->requests[1].method, "PUT");
  EXPECT_EQ(transport->requests[1].target, "/apis/example.com/v1/namespaces/a/things/x");
  auto stale = things.replace("a", "x", test::thing_json("a", "x", "5", 3));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.err().status, 409) << "a replace from a stale copy loses";
}

} // namespace
} // namespace lattice::k8s
