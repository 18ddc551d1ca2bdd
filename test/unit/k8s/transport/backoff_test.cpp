#include "k8s/http/backoff.hpp"

#include <gtest/gtest.h>

namespace lattice::k8s {
namespace {

using namespace std::chrono_literals;

http::backoff_policy policy(double jitter) {
  return {100ms, 1'000ms, 2.0, jitter};
}

TEST(backoff, doubles_up_to_the_cap_without_jitter) {
  http::backoff delays(policy(0.5), [] { return 0.0; });
  const std::vector<std::chrono::milliseconds> expected{100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
  for (auto want : expected)
    EXPECT_EQ(delays.next(), want);
}

TEST(backoff, jitter_shortens_by_the_random_fraction) {
  struct row {
    double random;
    std::chrono::milliseconds first;
  };
  for (auto [random, first] : {row{0.0, 100ms}, row{0.5, 75ms}, row{0.999, 50ms}}) {
    http::backoff delays(policy(0.5), [r = random] { return r; });
    EXPECT_EQ(delays.next(), first) << "random " << random;
  }
}

TEST(backoff, jittered_delay_stays_within_bounds_at_the_cap) {
  http::backoff delays(policy(1.0), http::default_random());
  for (int i = 0; i < 50; ++i) {
    auto d = delays.next();
    EXPECT_GE(d, 0ms);
    EXPECT_LE(d, 1000ms);
  }
}

TEST(backoff, reset_starts_over) {
  http::backoff delays(policy(0.0), [] { return 0.3; });
  delays.next();
  delays.next();
  EXPECT_EQ(delays.next(), 400ms);
  delays.reset();
  EXPECT_EQ(delays.next(), 100ms);
}

TEST(backoff, a_long_outage_does_not_overflow) {
  http::backoff delays(policy(0.0), [] { return 0.0; });
  for (int i = 0; i < 10'000; ++i)
    delays.next();
  EXPECT_EQ(delays.next(), 1000ms);
}

} // namespace
} // namespace lattice::k8s
