// Fitting a job's scaling from its throughput reports: exact on clean data,
// never super-linear, stale and impossible reports ignored, order-free.
#include "builders.hpp"
#include "scheduling/scaling.hpp"

#include <gtest/gtest.h>

namespace lattice::scheduling::testing {
namespace {

/// Reports of a job whose seconds per sample are 0.8/n + 0.05 (several
/// workers) + 0.1 (several nodes).
std::vector<throughput_sample> clean_reports() {
  std::vector<throughput_sample> out;
  for (auto [n, k] : std::vector<std::pair<int, int>>{{1, 1}, {2, 1}, {4, 1}, {8, 2}, {16, 4}}) {
    double per_sample = 0.8 / n + (n > 1 ? 0.05 : 0) + (k > 1 ? 0.1 : 0);
    out.push_back({n, k, 1.0 / per_sample, at(900)});
  }
  return out;
}

TEST(fit_scaling, recovers_the_model_from_clean_reports) {
  auto m = fit_scaling(clean_reports(), at(1000), milliseconds{3'600'000});
  ASSERT_TRUE(m);
  EXPECT_NEAR(m->compute, 0.8, 1e-6);
  EXPECT_NEAR(m->intra, 0.05, 1e-6);
  EXPECT_NEAR(m->inter, 0.1, 1e-6);
  EXPECT_NEAR(m->rate(8, 2), 1.0 / (0.1 + 0.05 + 0.1), 1e-6);
}

TEST(fit_scaling, report_order_does_not_matter) {
  auto reports = clean_reports();
  auto a = fit_scaling(reports, at(1000), milliseconds{3'600'000});
  std::reverse(reports.begin(), reports.end());
  auto b = fit_scaling(reports, at(1000), milliseconds{3'600'000});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->compute, b->compute);
  EXPECT_EQ(a->intra, b->intra);
  EXPECT_EQ(a->inter, b->inter);
}

TEST(fit_scaling, super_linear_claims_fit_as_linear_at_best) {
  // 100 samples/s on one worker, 1,000 on two: ten times faster is fitted,
  // but the model cannot promise more than twice.
  auto m = fit_scaling({{1, 1, 100, at(900)}, {2, 1, 1000, at(900)}}, at(1000), milliseconds{3'600'000});
  ASSERT_TRUE(m);
  for (int n = 2; n <= 64; n *= 2)
    EXPECT_LE(m->rate(n, 1), n * m->rate(1, 1) * (1 + 1e-9)) << n;
}

TEST(fit_scaling, stale_and_impossible_reports_are_ignored) {
  std::vector<throughput_sample> reports = {
      {4, 1, 400, at(-10'000)}, // older than an hour
      {2, 3, 300, at(900)},     // more nodes than workers
      {2, 1, -5, at(900)},      // not a rate
      {0, 1, 100, at(900)},     // no workers
  };
  EXPECT_FALSE(fit_scaling(reports, at(1000), milliseconds{3'600'000}));
  reports.push_back({1, 1, 50, at(990)});
  auto m = fit_scaling(reports, at(1000), milliseconds{3'600'000});
  ASSERT_TRUE(m);
  // Only the one-worker report is left: linear through it.
  EXPECT_NEAR(m->rate(1, 1), 50, 1e-9);
  EXPECT_NEAR(m->rate(4, 1), 200, 1e-9);
}

TEST(fit_scaling, newest_report_per_size_wins) {
  auto m = fit_scaling({{1, 1, 10, at(100)}, {1, 1, 40, at(900)}}, at(1000), milliseconds{3'600'000});
  ASSERT_TRUE(m);
  EXPECT_NEAR(m->rate(1, 1), 40, 1e-9);
}

} // namespace
} // namespace lattice::scheduling::testing
