#include "scheduling/requeue.hpp"

#include <gtest/gtest.h>

namespace lattice::scheduling {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

struct cooldown_case {
  int32_t failures;
  milliseconds expected;
};

class cooldown : public ::testing::TestWithParam<cooldown_case> {};

TEST_P(cooldown, doubles_per_failure_up_to_the_cap) {
  EXPECT_EQ(cooldown_after_failures(GetParam().failures, seconds{60}, minutes{15}), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(base_60s_cap_15m, cooldown,
                         ::testing::Values(cooldown_case{0, seconds{60}}, cooldown_case{1, seconds{60}},
                                           cooldown_case{2, seconds{120}}, cooldown_case{3, seconds{240}},
                                           cooldown_case{4, seconds{480}}, cooldown_case{5, minutes{15}},
                                           cooldown_case{6, minutes{15}},
                                           cooldown_case{1000000, minutes{15}}));

TEST(cooldown_edges, cap_below_base_and_zero_base) {
  EXPECT_EQ(cooldown_after_failures(3, seconds{60}, seconds{30}), seconds{30});
  EXPECT_EQ(cooldown_after_failures(3, seconds{0}, seconds{30}), seconds{0});
  // 2^69 ms does not fit in 64 bits: capped, no overflow.
  EXPECT_EQ(cooldown_after_failures(70, milliseconds{1}, milliseconds::max()), milliseconds::max());
  EXPECT_EQ(cooldown_after_failures(62, milliseconds{1}, milliseconds::max()),
            milliseconds{int64_t{1} << 61});
}

TEST(schedule_failure, requeues_at_back_with_growing_cooldown) {
  requeue_config cfg;
  time_point now{seconds{1'000'000}};
  auto first = on_schedule_failure(now, 0, cfg);
  EXPECT_EQ(first.schedule_failures, 1);
  EXPECT_EQ(first.queued_time, now);
  EXPECT_EQ(first.cooldown_time, now + seconds{60});
  auto third = on_schedule_failure(now, 2, cfg);
  EXPECT_EQ(third.cooldown_time, now + seconds{240});
  EXPECT_EQ(requeue_deadline(now, cfg), now + minutes{2});
}

} // namespace
} // namespace lattice::scheduling
