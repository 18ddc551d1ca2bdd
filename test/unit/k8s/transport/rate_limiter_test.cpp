#include "k8s/http/rate_limiter.hpp"
#include "test/support/manual_clock.hpp"

#include <gtest/gtest.h>

namespace lattice::k8s {
namespace {

using namespace std::chrono_literals;
using lattice::test::manual_clock;

TEST(rate_limiter, burst_is_available_at_once_then_paced_at_qps) {
  manual_clock time;
  http::rate_limiter limiter(10.0, 3, time);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(limiter.reserve(), base::clock::duration::zero()) << "token " << i;
  // The 4th token is 1/qps away, the 5th 2/qps: callers queue up.
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(limiter.reserve()), 100ms);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(limiter.reserve()), 200ms);
}

TEST(rate_limiter, acquire_sleeps_through_the_clock) {
  manual_clock time;
  http::rate_limiter limiter(5.0, 1, time);
  limiter.acquire();
  EXPECT_TRUE(time.sleeps().empty());
  limiter.acquire();
  ASSERT_EQ(time.sleeps().size(), 1u);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(time.sleeps()[0]), 200ms);
}

TEST(rate_limiter, long_run_rate_is_qps) {
  manual_clock time;
  http::rate_limiter limiter(50.0, 100, time);
  const auto start = time.steady();
  for (int i = 0; i < 600; ++i)
    limiter.acquire();
  // 100 from the burst, 500 more at 50/s = 10 s.
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(time.steady() - start), 10'000ms);
}

TEST(rate_limiter, refills_but_never_above_burst) {
  manual_clock time;
  http::rate_limiter limiter(2.0, 2, time);
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
  time.advance(500ms);
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
  time.advance(1h);
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_TRUE(limiter.try_acquire());
  EXPECT_FALSE(limiter.try_acquire());
}

TEST(rate_limiter, zero_qps_means_unlimited) {
  manual_clock time;
  http::rate_limiter limiter(0.0, 1, time);
  for (int i = 0; i < 1000; ++i)
    limiter.acquire();
  EXPECT_TRUE(time.sleeps().empty());
}

} // namespace
} // namespace lattice::k8s
