// Leader election against the local API server: two replicas on threads
// compete for one Lease with short timings (3s / 2s / 500ms).
#include "k8s/client/kinds.hpp"
#include "k8s/leader/leader_elector.hpp"
#include "test/integration/k8s/cluster_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace lattice::k8s {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using it::kubectl;

constexpr auto lease_duration = 3000ms;
constexpr auto renew_deadline = 2000ms;
constexpr auto retry_period = 500ms;
const char* const lease_name = "lattice-leader-it";

/// One operator replica: its own API client, an elector running on a thread
/// and every leadership change it reported.
class replica {
public:
  replica(const std::string& ns, const std::string& identity) : identity_(identity) {
    leader::elector_options o;
    o.lease_name = lease_name;
    o.lease_namespace = ns;
    o.identity = identity;
    o.lease_duration = lease_duration;
    o.renew_deadline = renew_deadline;
    o.retry_period = retry_period;
    elector_ = std::make_unique<leader::leader_elector>(client::lease_client(it::admin_client()), o,
                                                        [this](bool leading) {
                                                          std::lock_guard<std::mutex> lock(mutex_);
                                                          changes_.push_back(leading);
                                                        });
    thread_ = std::thread([this] { elector_->run(); });
  }

  ~replica() { stop(false); }

  /// Stops the elector and waits for run() to return (release: hand over).
  void stop(bool release) {
    if (!thread_.joinable())
      return;
    elector_->stop(release);
    thread_.join();
  }

  bool leading() const { return elector_->leading(); }
  std::string observed_holder() const { return elector_->observed_holder(); }
  const std::string& identity() const { return identity_; }
  std::vector<bool> changes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return changes_;
  }

private:
  std::string identity_;
  std::unique_ptr<leader::leader_elector> elector_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<bool> changes_;
};

struct leader_election : ::testing::Test {
  it::test_namespace ns{"lattice-leader"};

  std::string lease_field(const std::string& jsonpath) {
    return kubectl(std::string("get lease ") + lease_name + " -n " + ns.name() + " -o jsonpath={" + jsonpath
                   + "}");
  }

  /// Starts a and b, waits until exactly one leads and checks, over a few
  /// renewals, that the other never does. Returns {leader, standby}.
  std::pair<replica*, replica*> elect(replica& a, replica& b) {
    EXPECT_TRUE(it::eventually([&] { return a.leading() || b.leading(); }, 10s)) << "nobody leads";
    replica* leader = a.leading() ? &a : &b;
    replica* standby = leader == &a ? &b : &a;
    const auto until = clock_type::now() + 4 * retry_period;
    while (clock_type::now() < until) {
      EXPECT_FALSE(a.leading() && b.leading()) << "two leaders";
      EXPECT_TRUE(leader->leading()) << leader->identity() << " lost the lease while renewing";
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(lease_field(".spec.holderIdentity"), leader->identity());
    EXPECT_EQ(lease_field(".spec.leaseTransitions"), "0");
    EXPECT_EQ(lease_field(".spec.leaseDurationSeconds"), "3");
    EXPECT_EQ(standby->observed_holder(), leader->identity());
    EXPECT_EQ(leader->changes(), std::vector<bool>{true});
    EXPECT_TRUE(standby->changes().empty());
    return {leader, standby};
  }
};

TEST_F(leader_election, released_lease_is_taken_over_within_a_retry_period) {
  replica a(ns.name(), "a");
  replica b(ns.name(), "b");
  auto [leader, standby] = elect(a, b);
  const auto released_at = clock_type::now();
  leader->stop(true);
  EXPECT_EQ(leader->changes(), (std::vector<bool>{true, false}));
  ASSERT_TRUE(it::eventually([&] { return standby->leading(); }, retry_period + 1s))
      << standby->identity() << " did not take the released lease within retry_period + 1s";
  const auto took = clock_type::now() - released_at;
  std::cout << "handover after release: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << "ms\n";
  EXPECT_EQ(lease_field(".spec.holderIdentity"), standby->identity());
  EXPECT_EQ(lease_field(".spec.leaseTransitions"), "1");
  EXPECT_EQ(lease_field(".spec.leaseDurationSeconds"), "3");
  EXPECT_EQ(standby->changes(), std::vector<bool>{true});
}

TEST_F(leader_election, crashed_leader_is_replaced_after_the_lease_duration) {
  replica a(ns.name(), "a");
  replica b(ns.name(), "b");
  auto [leader, standby] = elect(a, b);
  const auto crashed_at = clock_type::now();
  leader->stop(false); // stops renewing, leaves the lease naming it
  EXPECT_EQ(lease_field(".spec.holderIdentity"), leader->identity());
  ASSERT_TRUE(it::eventually([&] { return standby->leading(); }, lease_duration + retry_period + 2s))
      << standby->identity() << " did not take the expired lease";
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - crashed_at);
  std::cout << "handover after a crash: " << took.count() << "ms\n";
  // The standby waits lease_duration from its last sighting of a renewal,
  // which came at most about one retry_period before the crash.
  EXPECT_GE(took, lease_duration - 2 * retry_period) << "taken over before the lease expired";
  EXPECT_EQ(lease_field(".spec.holderIdentity"), standby->identity());
  EXPECT_EQ(lease_field(".spec.leaseTransitions"), "1");
  EXPECT_EQ(standby->changes(), std::vector<bool>{true});
}

TEST_F(leader_election, replica_joining_late_stands_by_and_releases_nothing) {
  replica a(ns.name(), "a");
  ASSERT_TRUE(it::eventually([&] { return a.leading(); }, 10s));
  replica b(ns.name(), "b");
  ASSERT_TRUE(it::eventually([&] { return b.observed_holder() == "a"; }, 10s));
  b.stop(true); // a standby's release must not touch the leader's lease
  const auto until = clock_type::now() + 2 * retry_period;
  while (clock_type::now() < until) {
    EXPECT_TRUE(a.leading());
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(lease_field(".spec.holderIdentity"), "a");
  EXPECT_TRUE(b.changes().empty());
}

} // namespace
} // namespace lattice::k8s
