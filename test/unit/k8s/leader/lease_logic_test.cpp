#include "k8s/codec/encoders.hpp"
#include "k8s/leader/lease_logic.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lattice::k8s::leader {
namespace {

using namespace std::chrono_literals;

/// 2026-01-02T03:04:05Z.
const time_point t0 = time_point(std::chrono::seconds(1767323045));

elector_options options_for(const std::string& identity) {
  elector_options o;
  o.lease_name = "lattice-operator";
  o.lease_namespace = "lattice";
  o.identity = identity;
  return o;
}

/// A stored Lease as the API server would return it.
lease stored(const std::string& holder, std::int32_t duration_s = 15, std::int32_t transitions = 0,
             const std::string& renew = "2026-01-02T03:04:05.000000Z") {
  lease l;
  l.meta.name = "lattice-operator";
  l.meta.namespace_ = "lattice";
  l.meta.uid = "uid-1";
  l.meta.resource_version = "42";
  l.holder_identity = holder;
  l.lease_duration_seconds = duration_s;
  l.acquire_time = "2026-01-01T00:00:00.000000Z";
  l.renew_time = renew;
  l.lease_transitions = transitions;
  return l;
}

TEST(lease_logic, whole_seconds_rounds_up_to_at_least_one) {
  EXPECT_EQ(whole_seconds(15000ms), 15);
  EXPECT_EQ(whole_seconds(1500ms), 2);
  EXPECT_EQ(whole_seconds(1ms), 1);
  EXPECT_EQ(whole_seconds(0ms), 1);
}

TEST(lease_logic, check_options_table) {
  struct row {
    const char* name;
    std::function<void(elector_options&)> change;
    const char* problem; // substring, "" when valid
  };
  const std::vector<row> rows = {
      {"defaults", [](elector_options&) {}, ""},
      {"short test timings",
       [](elector_options& o) {
         o.lease_duration = 3s;
         o.renew_deadline = 2s;
         o.retry_period = 500ms;
       },
       ""},
      {"no name", [](elector_options& o) { o.lease_name.clear(); }, "lease name"},
      {"no namespace", [](elector_options& o) { o.lease_namespace.clear(); }, "namespace"},
      {"no identity", [](elector_options& o) { o.identity.clear(); }, "identity"},
      {"zero retry", [](elector_options& o) { o.retry_period = 0ms; }, "retry period"},
      {"deadline not above retry", [](elector_options& o) { o.renew_deadline = o.retry_period; },
       "renew deadline"},
      {"duration not above deadline", [](elector_options& o) { o.lease_duration = o.renew_deadline; },
       "lease duration"},
  };
  for (const auto& r : rows) {
    auto o = options_for("a");
    r.change(o);
    const auto problem = check_options(o);
    if (std::string(r.problem).empty())
      EXPECT_EQ(problem, "") << r.name;
    else
      EXPECT_NE(problem.find(r.problem), std::string::npos) << r.name << ": " << problem;
  }
}

TEST(lease_logic, absent_lease_is_created_naming_us) {
  auto d = decide(std::nullopt, std::nullopt, options_for("a"), t0);
  EXPECT_EQ(d.action, lease_action::create);
  EXPECT_FALSE(d.record.has_value());
  const auto& l = d.to_write;
  EXPECT_EQ(l.meta.name, "lattice-operator");
  EXPECT_EQ(l.meta.namespace_, "lattice");
  EXPECT_EQ(l.meta.resource_version, "") << "a create must not carry a resourceVersion";
  EXPECT_EQ(l.holder_identity, "a");
  EXPECT_EQ(l.lease_duration_seconds, 15);
  EXPECT_EQ(l.acquire_time, "2026-01-02T03:04:05.000000Z");
  EXPECT_EQ(l.renew_time, "2026-01-02T03:04:05.000000Z");
  EXPECT_EQ(l.lease_transitions, 0);
}

TEST(lease_logic, our_lease_is_renewed_keeping_acquire_time_and_transitions) {
  auto d = decide(stored("a", 15, 4), std::nullopt, options_for("a"), t0 + 2s);
  EXPECT_EQ(d.action, lease_action::renew);
  EXPECT_EQ(d.to_write.holder_identity, "a");
  EXPECT_EQ(d.to_write.acquire_time, "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(d.to_write.renew_time, "2026-01-02T03:04:07.000000Z");
  EXPECT_EQ(d.to_write.lease_transitions, 4);
  EXPECT_EQ(d.to_write.meta.resource_version, "42") << "the PUT is a compare-and-swap";
  EXPECT_EQ(d.to_write.meta.uid, "uid-1");
  const auto body = encode_lease(d.to_write);
  EXPECT_NE(body.find(R"("resourceVersion":"42")"), std::string::npos) << body;
}

TEST(lease_logic, released_lease_is_taken_over_at_once) {
  auto d = decide(stored("", 1, 4), std::nullopt, options_for("b"), t0);
  EXPECT_EQ(d.action, lease_action::take_over);
  EXPECT_EQ(d.to_write.holder_identity, "b");
  EXPECT_EQ(d.to_write.lease_duration_seconds, 15);
  EXPECT_EQ(d.to_write.acquire_time, "2026-01-02T03:04:05.000000Z");
  EXPECT_EQ(d.to_write.renew_time, "2026-01-02T03:04:05.000000Z");
  EXPECT_EQ(d.to_write.lease_transitions, 5) << "a holder change counts a transition";
  EXPECT_EQ(d.to_write.meta.resource_version, "42");
}

TEST(lease_logic, another_holder_is_waited_out_on_our_own_clock) {
  const auto o = options_for("b");
  // The holder's renewTime is an hour old (its clock may be off): it does
  // not count; the lease protects its holder for 15s from when we saw it.
  const auto held = stored("a", 15, 2, "2026-01-02T02:04:05.000000Z");
  auto first = decide(held, std::nullopt, o, t0);
  EXPECT_EQ(first.action, lease_action::stand_by);
  ASSERT_TRUE(first.record.has_value());
  EXPECT_EQ(first.record->seen_at, t0);
  EXPECT_EQ(first.record->holder, "a");
  EXPECT_EQ(expiry(*first.record, o), t0 + 15s);

  auto later = decide(held, first.record, o, t0 + 14999ms);
  EXPECT_EQ(later.action, lease_action::stand_by);
  EXPECT_EQ(later.record->seen_at, t0) << "an unchanged record keeps its first sighting";

  auto expired = decide(held, later.record, o, t0 + 15s);
  EXPECT_EQ(expired.action, lease_action::take_over);
  EXPECT_EQ(expired.to_write.holder_identity, "b");
  EXPECT_EQ(expired.to_write.lease_transitions, 3);
}

TEST(lease_logic, a_renewal_restarts_the_wait) {
  const auto o = options_for("b");
  auto first = decide(stored("a", 15, 0, "2026-01-02T03:04:05.000000Z"), std::nullopt, o, t0);
  auto renewed = decide(stored("a", 15, 0, "2026-01-02T03:04:15.000000Z"), first.record, o, t0 + 10s);
  EXPECT_EQ(renewed.action, lease_action::stand_by);
  EXPECT_EQ(renewed.record->seen_at, t0 + 10s);
  auto still = decide(stored("a", 15, 0, "2026-01-02T03:04:15.000000Z"), renewed.record, o, t0 + 20s);
  EXPECT_EQ(still.action, lease_action::stand_by)
      << "15s from the renewal we saw, not from the first sighting";
  auto expired = decide(stored("a", 15, 0, "2026-01-02T03:04:15.000000Z"), still.record, o, t0 + 25s);
  EXPECT_EQ(expired.action, lease_action::take_over);
}

TEST(lease_logic, the_holders_lease_duration_counts_not_ours) {
  auto o = options_for("b");
  const auto held = stored("a", 30);
  auto first = decide(held, std::nullopt, o, t0);
  EXPECT_EQ(decide(held, first.record, o, t0 + 20s).action, lease_action::stand_by);
  EXPECT_EQ(decide(held, first.record, o, t0 + 30s).action, lease_action::take_over);
  // Without leaseDurationSeconds our own duration applies.
  const auto bare = stored("a", 0);
  auto seen = decide(bare, std::nullopt, o, t0);
  EXPECT_EQ(decide(bare, seen.record, o, t0 + 14s).action, lease_action::stand_by);
  EXPECT_EQ(decide(bare, seen.record, o, t0 + 15s).action, lease_action::take_over);
}

TEST(lease_logic, observe_resets_on_any_change) {
  const auto base = stored("a", 15, 1);
  auto r = observe(base, std::nullopt, t0);
  std::vector<lease> changed(5, base);
  changed[0].holder_identity = "c";
  changed[1].acquire_time = "2026-01-02T00:00:00.000000Z";
  changed[2].renew_time = "2026-01-02T03:04:06.000000Z";
  changed[3].lease_duration_seconds = 16;
  changed[4].lease_transitions = 2;
  for (std::size_t i = 0; i < changed.size(); ++i)
    EXPECT_EQ(observe(changed[i], r, t0 + 5s).seen_at, t0 + 5s) << i;
  auto other_version = base;
  other_version.meta.resource_version = "43";
  EXPECT_EQ(observe(other_version, r, t0 + 5s).seen_at, t0) << "only the record counts, like client-go";
}

TEST(lease_logic, released_gives_up_holder_and_keeps_the_compare_and_swap) {
  auto l = released(stored("a", 15, 3), t0);
  EXPECT_EQ(l.holder_identity, "");
  EXPECT_EQ(l.lease_duration_seconds, 1);
  EXPECT_EQ(l.lease_transitions, 3);
  EXPECT_EQ(l.renew_time, "2026-01-02T03:04:05.000000Z");
  EXPECT_EQ(l.meta.resource_version, "42");
  const auto body = encode_lease(l);
  EXPECT_EQ(body.find("holderIdentity"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("leaseDurationSeconds":1)"), std::string::npos) << body;
}

TEST(lease_logic, action_names) {
  EXPECT_STREQ(to_string(lease_action::create), "create");
  EXPECT_STREQ(to_string(lease_action::take_over), "take over");
  EXPECT_STREQ(to_string(lease_action::renew), "renew");
  EXPECT_STREQ(to_string(lease_action::stand_by), "stand by");
}

} // namespace
} // namespace lattice::k8s::leader
