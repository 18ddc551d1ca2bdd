#include "lifecycle/throughput_report.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace lattice::lifecycle {
namespace {

using namespace std::chrono_literals;

const base::time_point t0 = *base::parse_rfc3339("2026-12-01T10:00:00Z");

double unix_seconds(base::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::string body(double rate, int workers, double at) {
  return R"({"generation":3,"workers":)" + std::to_string(workers) + R"(,"report":{"generation":3,"workers":)"
         + std::to_string(workers) + R"(,"processes":8,"samplesPerSecond":)" + std::to_string(rate)
         + R"(,"windowSeconds":60.0,"measuredAt":)" + std::to_string(at) + "}}";
}

agent_report decoded(const std::string& text) {
  auto d = decode_agent_report(text);
  EXPECT_TRUE(std::holds_alternative<std::optional<agent_report>>(d)) << std::get<std::string>(d);
  auto r = std::get<std::optional<agent_report>>(d);
  EXPECT_TRUE(r.has_value());
  return r.value_or(agent_report{});
}

report_context context(std::int32_t workers = 4, std::int32_t nodes = 2) {
  report_context c;
  c.now = t0;
  c.max_age = 1h;
  c.workers = workers;
  c.nodes = nodes;
  c.placed_since = t0 - 10min;
  return c;
}

TEST(throughput_report, decodes_the_agents_document) {
  auto r = decoded(body(412.5, 4, unix_seconds(t0 - 30s)));
  EXPECT_EQ(r.generation, 3);
  EXPECT_EQ(r.workers, 4);
  EXPECT_EQ(r.processes, 8);
  EXPECT_DOUBLE_EQ(r.samples_per_second, 412.5);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(t0 - r.measured_at), 30s);
}

TEST(throughput_report, a_warming_agent_has_no_report) {
  auto d = decode_agent_report(R"({"generation":2,"workers":3,"report":null})");
  ASSERT_TRUE(std::holds_alternative<std::optional<agent_report>>(d));
  EXPECT_FALSE(std::get<std::optional<agent_report>>(d).has_value());
}

TEST(throughput_report, malformed_documents_are_errors) {
  for (const char* text : {"", "[]", "{}", R"({"report":5})", R"({"report":{"workers":2}})",
                           R"({"report":{"workers":-1,"samplesPerSecond":1,"measuredAt":1}})",
                           R"({"report":{"workers":2.5,"samplesPerSecond":1,"measuredAt":1}})",
                           R"({"report":{"workers":2,"samplesPerSecond":"fast","measuredAt":1}})",
                           R"({"report":{"workers":2,"samplesPerSecond":1,"measuredAt":1e300}})"})
    EXPECT_TRUE(std::holds_alternative<std::string>(decode_agent_report(text))) << text;
}

TEST(throughput_report, a_sound_report_becomes_a_sample_with_the_placements_nodes) {
  auto r = decoded(body(400, 4, unix_seconds(t0 - 30s)));
  auto s = accept_report(r, context(4, 2));
  ASSERT_TRUE(std::holds_alternative<scheduling::throughput_sample>(s)) << std::get<std::string>(s);
  const auto& sample = std::get<scheduling::throughput_sample>(s);
  EXPECT_EQ(sample.workers, 4);
  EXPECT_EQ(sample.nodes, 2);
  EXPECT_DOUBLE_EQ(sample.samples_per_second, 400);
  EXPECT_EQ(sample.measured_at, r.measured_at);
}

TEST(throughput_report, rates_that_are_not_positive_and_finite_are_ignored) {
  auto r = decoded(body(400, 4, unix_seconds(t0 - 30s)));
  for (double rate : {0.0, -3.0, std::nan(""), HUGE_VAL}) {
    r.samples_per_second = rate;
    EXPECT_TRUE(std::holds_alternative<std::string>(accept_report(r, context()))) << rate;
  }
}

TEST(throughput_report, a_report_at_another_size_is_ignored) {
  auto r = decoded(body(400, 3, unix_seconds(t0 - 30s)));
  auto s = accept_report(r, context(4, 2));
  ASSERT_TRUE(std::holds_alternative<std::string>(s));
  EXPECT_EQ(std::get<std::string>(s), "measured at 3 workers, the job runs 4");
}

TEST(throughput_report, more_nodes_than_workers_is_ignored) {
  auto r = decoded(body(400, 2, unix_seconds(t0 - 30s)));
  EXPECT_TRUE(std::holds_alternative<std::string>(accept_report(r, context(2, 3))));
  EXPECT_TRUE(std::holds_alternative<std::string>(accept_report(r, context(2, 0))));
}

TEST(throughput_report, stale_and_older_placement_reports_are_ignored) {
  auto old = decoded(body(400, 4, unix_seconds(t0 - 2h)));
  auto c = context();
  c.placed_since.reset();
  EXPECT_EQ(std::get<std::string>(accept_report(old, c)), "older than the maximum age");
  auto before = decoded(body(400, 4, unix_seconds(t0 - 11min)));
  EXPECT_EQ(std::get<std::string>(accept_report(before, context())), "measured before the current placement");
}

TEST(throughput_report, clock_skew_is_tolerated_up_to_a_minute) {
  auto ahead = decoded(body(400, 4, unix_seconds(t0 + 20s)));
  auto s = accept_report(ahead, context());
  ASSERT_TRUE(std::holds_alternative<scheduling::throughput_sample>(s));
  EXPECT_EQ(std::get<scheduling::throughput_sample>(s).measured_at, t0); // capped at now
  auto future = decoded(body(400, 4, unix_seconds(t0 + 5min)));
  EXPECT_EQ(std::get<std::string>(accept_report(future, context())), "measured in the future");
}

scheduling::throughput_sample sample(int workers, int nodes, double rate, base::time_point at) {
  return {workers, nodes, rate, at};
}

TEST(throughput_report, keeps_the_newest_sample_per_workers_and_nodes) {
  std::vector<scheduling::throughput_sample> kept;
  EXPECT_TRUE(keep_sample(kept, sample(2, 1, 100, t0 - 5min), t0, 1h));
  EXPECT_TRUE(keep_sample(kept, sample(4, 2, 180, t0 - 4min), t0, 1h));
  EXPECT_TRUE(keep_sample(kept, sample(2, 1, 110, t0 - 1min), t0, 1h));
  EXPECT_FALSE(keep_sample(kept, sample(2, 1, 90, t0 - 3min), t0, 1h)); // older than the one kept
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0], sample(2, 1, 110, t0 - 1min));
  EXPECT_EQ(kept[1], sample(4, 2, 180, t0 - 4min));
}

TEST(throughput_report, drops_expired_samples_and_bounds_the_list) {
  std::vector<scheduling::throughput_sample> kept{sample(8, 2, 500, t0 - 2h)};
  EXPECT_TRUE(keep_sample(kept, sample(2, 1, 100, t0), t0, 1h));
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].workers, 2);
  for (int w = 1; w <= static_cast<int>(max_kept_samples) + 5; ++w)
    keep_sample(kept, sample(w, 1, 10.0 * w, t0 - std::chrono::seconds(100 - w)), t0, 1h);
  EXPECT_EQ(kept.size(), max_kept_samples);
  // The oldest went: the highest worker counts (measured last) stay.
  EXPECT_TRUE(std::any_of(kept.begin(), kept.end(),
                          [](const auto& s) { return s.workers == static_cast<int>(max_kept_samples) + 5; }));
  EXPECT_FALSE(std::any_of(kept.begin(), kept.end(), [](const auto& s) { return s.workers == 3; }));
}

} // namespace
} // namespace lattice::lifecycle
