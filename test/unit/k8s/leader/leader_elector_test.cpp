// The runner over an in-memory API server: several electors share it, the
// tests drive them with tick() and a clock they move by hand.
#include "k8s/leader/leader_elector.hpp"
#include "test/support/manual_clock.hpp"
#include "test/unit/k8s/leader/fake_lease_api.hpp"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <memory>
#include <thread>
#include <vector>

namespace lattice::k8s::leader {
namespace {

using namespace std::chrono_literals;

struct elector_fixture : ::testing::Test {
  std::shared_ptr<test::fake_lease_api> api = std::make_shared<test::fake_lease_api>();
  lattice::test::manual_clock now{time_point(std::chrono::seconds(1767323045))};

  /// Every on_change call per identity, in order.
  std::map<std::string, std::vector<bool>> changes;

  std::unique_ptr<leader_elector> make(const std::string& identity,
                                       std::shared_ptr<client::write_fence> fence = nullptr) {
    elector_options o;
    o.lease_name = "lattice-operator";
    o.lease_namespace = "lattice";
    o.identity = identity;
    return std::make_unique<leader_elector>(
        test::lease_client(api), o, [this, identity](bool leading) { changes[identity].push_back(leading); },
        now, std::move(fence));
  }

  const lease& stored() const { return api->stored.value(); }
};

TEST_F(elector_fixture, first_replica_creates_the_lease_and_leads) {
  auto a = make("a");
  EXPECT_FALSE(a->leading());
  a->tick();
  EXPECT_TRUE(a->leading());
  EXPECT_EQ(a->observed_holder(), "a");
  EXPECT_EQ(changes["a"], std::vector<bool>{true});
  ASSERT_TRUE(api->stored);
  EXPECT_EQ(stored().holder_identity, "a");
  EXPECT_EQ(stored().lease_duration_seconds, 15);
  EXPECT_EQ(stored().lease_transitions, 0);
  EXPECT_EQ(stored().acquire_time, "2026-01-02T03:04:05.000000Z");
}

TEST_F(elector_fixture, renewals_keep_the_lease_and_the_standby_waits) {
  auto a = make("a");
  auto b = make("b");
  a->tick();
  b->tick();
  EXPECT_FALSE(b->leading());
  EXPECT_EQ(b->observed_holder(), "a");
  for (int i = 1; i <= 30; ++i) { // a minute of renewals every 2s
    now.advance(2s);
    a->tick();
    b->tick();
  }
  EXPECT_TRUE(a->leading());
  EXPECT_FALSE(b->leading());
  EXPECT_EQ(changes["a"], std::vector<bool>{true}) << "renewing is not a new leadership";
  EXPECT_TRUE(changes["b"].empty());
  EXPECT_EQ(stored().renew_time, "2026-01-02T03:05:05.000000Z");
  EXPECT_EQ(stored().acquire_time, "2026-01-02T03:04:05.000000Z");
  EXPECT_EQ(stored().lease_transitions, 0);
  EXPECT_EQ(api->writes, 31);
}

TEST_F(elector_fixture, crashed_leader_is_replaced_after_the_lease_duration) {
  auto a = make("a");
  auto b = make("b");
  a->tick();
  b->tick(); // b first sees a's record now
  now.advance(14s);
  b->tick();
  EXPECT_FALSE(b->leading()) << "a's lease still runs for 1s on b's clock";
  now.advance(1s);
  b->tick();
  EXPECT_TRUE(b->leading());
  EXPECT_EQ(stored().holder_identity, "b");
  EXPECT_EQ(stored().lease_transitions, 1);
  // a comes back (it was only frozen): it sees b and stops leading at once.
  a->tick();
  EXPECT_FALSE(a->leading());
  EXPECT_EQ(a->observed_holder(), "b");
  EXPECT_EQ(changes["a"], (std::vector<bool>{true, false}));
  EXPECT_EQ(stored().holder_identity, "b") << "a must not write over b";
}

TEST_F(elector_fixture, released_lease_is_taken_at_the_next_retry) {
  auto a = make("a");
  auto b = make("b");
  a->tick();
  b->tick();
  a->release_now();
  EXPECT_FALSE(a->leading());
  EXPECT_EQ(changes["a"], (std::vector<bool>{true, false}));
  EXPECT_EQ(stored().holder_identity, "");
  EXPECT_EQ(stored().lease_duration_seconds, 1);
  EXPECT_EQ(a->observed_holder(), "");
  now.advance(2s);
  b->tick();
  EXPECT_TRUE(b->leading());
  EXPECT_EQ(stored().holder_identity, "b");
  EXPECT_EQ(stored().lease_transitions, 1);
  a->release_now(); // not leading: writes nothing
  EXPECT_EQ(stored().holder_identity, "b");
}

TEST_F(elector_fixture, failing_renewals_stop_leadership_at_the_renew_deadline) {
  auto a = make("a");
  a->tick();
  api->down = true;
  for (int i = 0; i < 4; ++i) {
    now.advance(2s);
    a->tick();
    EXPECT_TRUE(a->leading()) << "after " << (i + 1) * 2 << "s without renewal";
  }
  now.advance(2s); // 10s since the last renewal
  a->tick();
  EXPECT_FALSE(a->leading());
  EXPECT_EQ(changes["a"], (std::vector<bool>{true, false}));
  api->down = false;
  now.advance(2s);
  a->tick();
  EXPECT_TRUE(a->leading()) << "the lease still names a, so a renews it";
  EXPECT_EQ(stored().lease_transitions, 0);
}

// The write fence: open only while the Lease is held and renewed in time.

TEST_F(elector_fixture, the_fence_opens_with_the_lease_until_the_renew_deadline) {
  auto fence = std::make_shared<client::write_fence>(now);
  auto a = make("a", fence);
  EXPECT_FALSE(fence->open()) << "closed before the Lease is held";
  a->tick();
  EXPECT_TRUE(fence->open());
  now.advance(2s);
  a->tick(); // renewed: open until 10s from this renewal
  now.advance(9900ms);
  EXPECT_TRUE(fence->open());
  EXPECT_TRUE(a->leading()) << "the elector has not looked yet (paused)";
  now.advance(100ms);
  EXPECT_FALSE(fence->open()) << "a paused process finds the fence closed by the clock alone";
}

TEST_F(elector_fixture, the_fence_closes_when_renewals_fail_and_when_another_holds_the_lease) {
  auto fence_a = std::make_shared<client::write_fence>(now);
  auto fence_b = std::make_shared<client::write_fence>(now);
  auto a = make("a", fence_a);
  auto b = make("b", fence_b);
  a->tick();
  b->tick();
  EXPECT_TRUE(fence_a->open());
  EXPECT_FALSE(fence_b->open()) << "the standby may not write";
  // a pauses past the lease duration: b takes over.
  now.advance(16s);
  b->tick();
  now.advance(2s);
  b->tick();
  ASSERT_TRUE(b->leading());
  EXPECT_TRUE(fence_b->open());
  EXPECT_FALSE(fence_a->open()) << "closed by its deadline before b could take over";
  a->tick(); // a resumes: it reads b's Lease
  EXPECT_FALSE(a->leading());
  EXPECT_FALSE(fence_a->open());
  EXPECT_EQ(changes["a"], (std::vector<bool>{true, false}));
}

TEST_F(elector_fixture, the_fence_closes_before_the_release_is_written) {
  auto fence = std::make_shared<client::write_fence>(now);
  auto a = make("a", fence);
  a->tick();
  ASSERT_TRUE(fence->open());
  a->release_now();
  EXPECT_FALSE(fence->open());
  EXPECT_EQ(stored().holder_identity, "");
}

TEST_F(elector_fixture, a_lost_compare_and_swap_stands_by) {
  auto a = make("a");
  auto b = make("b");
  a->tick();
  a->release_now();
  // b reads the released lease, then c writes before b's PUT lands.
  api->before_next_write = [](test::fake_lease_api& server) {
    lease taken = server.stored.value();
    taken.holder_identity = "c";
    taken.lease_duration_seconds = 15;
    server.put(taken);
  };
  b->tick();
  EXPECT_FALSE(b->leading());
  EXPECT_EQ(stored().holder_identity, "c");
  b->tick();
  EXPECT_FALSE(b->leading());
  EXPECT_EQ(b->observed_holder(), "c");
  EXPECT_TRUE(changes["b"].empty());
}

TEST_F(elector_fixture, two_racing_creates_make_one_leader) {
  auto a = make("a");
  auto b = make("b");
  // a reads "absent", then b creates the lease before a's POST.
  bool b_wrote = false;
  api->before_next_write = [&](test::fake_lease_api&) {
    b->tick();
    b_wrote = true;
  };
  a->tick();
  EXPECT_TRUE(b_wrote);
  EXPECT_TRUE(b->leading());
  EXPECT_FALSE(a->leading()) << "the POST got 409 AlreadyExists";
  EXPECT_EQ(stored().holder_identity, "b");
}

TEST_F(elector_fixture, leader_steps_down_when_someone_else_holds_the_lease) {
  auto a = make("a");
  a->tick();
  lease forced = stored();
  forced.holder_identity = "admin";
  api->put(forced);
  now.advance(2s);
  a->tick();
  EXPECT_FALSE(a->leading());
  EXPECT_EQ(a->observed_holder(), "admin");
  EXPECT_EQ(stored().holder_identity, "admin");
  EXPECT_EQ(changes["a"], (std::vector<bool>{true, false}));
}

TEST_F(elector_fixture, restarted_replica_with_the_same_identity_resumes_at_once) {
  make("a")->tick();
  auto again = make("a");
  now.advance(3s);
  again->tick();
  EXPECT_TRUE(again->leading());
  EXPECT_EQ(stored().lease_transitions, 0);
  EXPECT_EQ(stored().acquire_time, "2026-01-02T03:04:05.000000Z");
}

TEST_F(elector_fixture, deleted_lease_is_recreated_without_a_leadership_change) {
  auto a = make("a");
  a->tick();
  api->stored.reset();
  now.advance(2s);
  a->tick();
  EXPECT_TRUE(a->leading());
  EXPECT_EQ(changes["a"], std::vector<bool>{true});
  EXPECT_EQ(stored().holder_identity, "a");
}

TEST_F(elector_fixture, invalid_options_are_refused) {
  elector_options o;
  o.lease_name = "x";
  o.lease_namespace = "y";
  EXPECT_THROW(leader_elector(test::lease_client(api), o, nullptr), std::invalid_argument);
}

/// Runs `a` on a thread until it leads, stops it with `release`, joins it.
void run_and_stop(leader_elector& a, std::future<void> leading, bool release) {
  std::thread runner([&] { a.run(); });
  const bool led = leading.wait_for(60s) == std::future_status::ready;
  EXPECT_TRUE(led);
  EXPECT_TRUE(a.leading());
  a.stop(release);
  runner.join();
}

TEST_F(elector_fixture, run_until_stop_with_and_without_release) {
  for (bool release : {true, false}) {
    api->stored.reset();
    elector_options o;
    o.lease_name = "lattice-operator";
    o.lease_namespace = "lattice";
    o.identity = "a";
    o.retry_period = 1h; // run() attempts once at start, then only stop() wakes it
    o.renew_deadline = 2h;
    o.lease_duration = 3h;
    std::promise<void> started;
    std::vector<bool> seen;
    leader_elector a(test::lease_client(api), o, [&](bool leading) {
      seen.push_back(leading);
      if (leading)
        started.set_value();
    });
    run_and_stop(a, started.get_future(), release);
    EXPECT_FALSE(a.leading()) << release;
    EXPECT_EQ(seen, (std::vector<bool>{true, false})) << release;
    if (release) {
      EXPECT_EQ(stored().holder_identity, "");
      EXPECT_EQ(stored().lease_duration_seconds, 1);
    } else {
      EXPECT_EQ(stored().holder_identity, "a") << "a crashed leader's lease stays until it expires";
      EXPECT_EQ(stored().lease_duration_seconds, 10800);
    }
  }
}

TEST_F(elector_fixture, stop_before_run_makes_run_return_without_writing) {
  auto a = make("a");
  a->stop(true);
  a->run();
  EXPECT_FALSE(api->stored.has_value());
  EXPECT_TRUE(changes["a"].empty());
}

} // namespace
} // namespace lattice::k8s::leader
