// Shutdown of the API writes under load: a backlog of writes against a
// slow API server must not hold the process (the actor system waits for
// the write dispatcher and every gateway). Real detached actors, so a real actor system; the API
// server is a fake transport.
#include "actors/gateway.hpp"
#include "actors/write_dispatcher.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

namespace lattice::actors {
namespace {

using namespace std::chrono_literals;

/// An API server that takes `latency` per request; cancel() ends the one in
/// flight at once, as the real transport does.
class slow_transport final : public k8s::http::transport {
public:
  explicit slow_transport(std::chrono::milliseconds latency) : latency_(latency) {}

  k8s::result<k8s::http::response> round_trip(const k8s::http::request&, std::chrono::milliseconds) override {
    std::unique_lock<std::mutex> lock(mutex_);
    ++requests_;
    wake_.notify_all();
    if (wake_.wait_for(lock, latency_, [this] { return cancelled_; })) {
      k8s::error e;
      e.what = k8s::error::kind::cancelled;
      e.message = "cancelled";
      return e;
    }
    k8s::http::response r;
    r.status = 201;
    return r;
  }
  k8s::result<stream_or_response> open_stream(const k8s::http::request&, std::chrono::milliseconds,
                                              std::chrono::milliseconds) override {
    return k8s::error{};
  }
  void cancel() override {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    wake_.notify_all();
  }

  void wait_for_requests(int n) {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [&] { return requests_ >= n; });
  }
  int requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

private:
  std::chrono::milliseconds latency_;
  std::mutex mutex_;
  std::condition_variable wake_;
  int requests_ = 0;
  bool cancelled_ = false;
};

protocol::api_call create_pod(int i) {
  protocol::api_call c;
  c.verb = protocol::api_verb::create_pod;
  c.namespace_ = "lattice";
  c.name = "job-" + std::to_string(i) + "-worker-0";
  c.body = R"({"kind":"Pod"})";
  return c;
}

TEST(gateway_shutdown, a_cancelled_client_drops_the_backlog_so_the_writes_stop_within_a_bound) {
  constexpr int gateways_n = 2;
  constexpr int backlog = 400; // 200 per gateway x 100 ms: 20 s if it were sent
  auto transport = std::make_shared<slow_transport>(100ms);
  auto rest = std::make_shared<k8s::client::rest_client>(transport, nullptr);
  std::chrono::steady_clock::time_point start;
  {
    caf::actor_system_config cfg;
    caf::actor_system sys{cfg};
    auto gateways = spawn_gateways(sys, {rest, "breezeml.ai", nullptr}, gateways_n);
    auto writes = spawn_write_dispatcher(sys, gateways);
    for (int i = 0; i < backlog; ++i)
      caf::anon_send(writes, create_pod(i));
    transport->wait_for_requests(gateways_n); // one write in flight on each
    // What run_operator does after releasing the Lease.
    start = std::chrono::steady_clock::now();
    rest->cancel();
    caf::anon_send_exit(writes, caf::exit_reason::user_shutdown);
    for (auto& g : gateways)
      caf::anon_send_exit(g, caf::exit_reason::user_shutdown);
  } // ~actor_system waits for the dispatcher and both gateways
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  EXPECT_LT(took.count(), 3000) << "ms to stop the dispatcher and the gateways";
  EXPECT_LT(transport->requests(), 2 * gateways_n) << "queued writes are dropped, not sent";
}

// A job actor tells a dropped write from a failed one by `cancelled`: it
// neither logs nor counts it (thousands of them at a loaded shutdown).
TEST(gateway_shutdown, a_call_after_cancel_answers_cancelled_without_a_request) {
  auto transport = std::make_shared<slow_transport>(0ms);
  auto rest = std::make_shared<k8s::client::rest_client>(transport, nullptr);
  rest->cancel();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto gateways = spawn_gateways(sys, {rest, "breezeml.ai", nullptr}, 1);
  caf::scoped_actor self{sys};
  bool answered = false;
  self->request(gateways[0], caf::infinite, create_pod(1))
      .receive(
          [&](const protocol::api_result& r) {
            answered = true;
            EXPECT_FALSE(r.ok);
            EXPECT_TRUE(r.cancelled);
          },
          [&](const caf::error& e) { FAIL() << caf::to_string(e); });
  EXPECT_TRUE(answered);
  EXPECT_EQ(transport->requests(), 0);
  caf::anon_send_exit(gateways[0], caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace lattice::actors
