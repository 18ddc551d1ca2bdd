// The write fence on the gateways' path: send_write sends nothing while the
// fence is closed, whether it was never opened, closed, or its deadline
// passed (a process resumed after a pause finds it closed by the clock);
// a write retrying when the deadline passes is not retried.
#include "k8s/client/make_client.hpp"
#include "k8s/client/write_fence.hpp"
#include "k8s/client/write_request.hpp"
#include "test/support/manual_clock.hpp"
#include "test/unit/k8s/transport/fake_transport.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace lattice::k8s {
namespace {

using namespace std::chrono_literals;
using lattice::test::manual_clock;
using test::fake_transport;

struct fence_fixture : ::testing::Test {
  std::shared_ptr<fake_transport> transport = std::make_shared<fake_transport>();
  manual_clock time;
  std::shared_ptr<client::write_fence> fence = std::make_shared<client::write_fence>(time);
  std::shared_ptr<client::rest_client> rest;

  fence_fixture() {
    client::rest_options options;
    options.max_retries = 3;
    options.backoff = {1000ms, 4000ms, 2.0, 0.0};
    options.random = [] { return 0.0; };
    options.time = &time;
    rest = std::make_shared<client::rest_client>(transport, nullptr, options);
  }

  status send() {
    k8s::write w;
    w.verb = write_verb::patch_job_status;
    w.namespace_ = "lattice";
    w.name = "resnet";
    w.body = R"({"status":{}})";
    return client::send_write(*rest, w, "breezeml.ai", fence);
  }
};

TEST_F(fence_fixture, a_fence_never_opened_sends_nothing) {
  auto sent = send();
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.err().what, error::kind::cancelled);
  EXPECT_NE(sent.err().message.find("fenced"), std::string::npos) << sent.err().message;
  EXPECT_TRUE(transport->requests.empty());
}

TEST_F(fence_fixture, writes_go_until_the_deadline_and_none_after_it) {
  transport->fallback = [](const http::request&) { return fake_transport::ok("{}"); };
  fence->open_until(time.steady() + 7s);
  EXPECT_TRUE(send());
  time.advance(6900ms);
  EXPECT_TRUE(send());
  time.advance(100ms); // the renew deadline passed without a renewal (a pause, a slow API server)
  auto late = send();
  ASSERT_FALSE(late);
  EXPECT_EQ(late.err().what, error::kind::cancelled);
  EXPECT_EQ(transport->requests.size(), 2u);
}

TEST_F(fence_fixture, close_stops_writes_at_once_and_open_for_good_never_expires) {
  transport->fallback = [](const http::request&) { return fake_transport::ok("{}"); };
  fence->open_for_good();
  time.advance(24h);
  EXPECT_TRUE(send());
  fence->close();
  EXPECT_FALSE(send());
  EXPECT_EQ(transport->requests.size(), 1u);
}

TEST_F(fence_fixture, a_write_retrying_past_the_deadline_is_not_retried) {
  transport->fallback = [](const http::request&) { return fake_transport::transport_failure(); };
  fence->open_until(time.steady() + 2500ms);
  auto sent = send(); // attempts at 0s and 1s; the retry due at 3s finds the fence closed
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.err().what, error::kind::cancelled);
  EXPECT_EQ(transport->requests.size(), 2u);
}

TEST_F(fence_fixture, the_transport_is_asked_right_before_the_bytes_leave) {
  transport->fallback = [](const http::request&) { return fake_transport::ok("{}"); };
  fence->open_for_good();
  EXPECT_TRUE(send());
  ASSERT_EQ(transport->requests.size(), 1u);
  const auto& may_send = transport->requests.front().may_send;
  ASSERT_TRUE(may_send) << "the request carries the fence to the connection";
  EXPECT_TRUE(may_send());
  fence->close();
  EXPECT_FALSE(may_send());
}

TEST(operator_user_agent, names_the_version_and_the_replica) {
  EXPECT_EQ(client::operator_user_agent("0.1.0", "lattice-operator-7d9f-x2x4k"),
            "lattice-operator/0.1.0 (lattice-operator-7d9f-x2x4k)");
}

} // namespace
} // namespace lattice::k8s
