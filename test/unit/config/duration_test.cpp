#include "config/duration.hpp"

#include <gtest/gtest.h>

namespace lattice::config {
namespace {

using std::chrono::milliseconds;

TEST(parse_duration, accepts_units_and_bare_seconds) {
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("90s"), milliseconds(90'000));
  EXPECT_EQ(parse_duration("90"), milliseconds(90'000));
  EXPECT_EQ(parse_duration("5m"), milliseconds(300'000));
  EXPECT_EQ(parse_duration("2h"), milliseconds(7'200'000));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
}

TEST(parse_duration, rejects_malformed_text) {
  for (const char* bad : {"", "s", "-5s", "5 s", "5sec", "1.5s", "abc", "5d", "99999999999999999999h"})
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
}

TEST(format_duration, uses_the_largest_exact_unit) {
  EXPECT_EQ(format_duration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(format_duration(milliseconds(90'000)), "90s");
  EXPECT_EQ(format_duration(milliseconds(300'000)), "5m");
  EXPECT_EQ(format_duration(milliseconds(7'200'000)), "2h");
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
}

} // namespace
} // namespace lattice::config
