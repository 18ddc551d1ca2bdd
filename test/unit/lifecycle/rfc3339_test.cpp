#include "lifecycle/rfc3339.hpp"

#include <gtest/gtest.h>

namespace lattice::lifecycle {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct parse_case {
  std::string text;
  /// Milliseconds since the epoch; -1 = must be rejected.
  long long epoch_ms;
};

class rfc3339_parse : public ::testing::TestWithParam<parse_case> {};

TEST_P(rfc3339_parse, gives_the_instant_or_nullopt) {
  const auto parsed = parse_rfc3339(GetParam().text);
  if (GetParam().epoch_ms < 0) {
    EXPECT_FALSE(parsed.has_value()) << GetParam().text;
    return;
  }
  ASSERT_TRUE(parsed.has_value()) << GetParam().text;
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(parsed->time_since_epoch()).count(),
            GetParam().epoch_ms);
}

INSTANTIATE_TEST_SUITE_P(
    cases, rfc3339_parse,
    ::testing::Values(parse_case{"1970-01-01T00:00:00Z", 0},
                      parse_case{"2026-11-28T10:00:00Z", 1795860000000},
                      parse_case{"2026-11-28T10:00:00.250Z", 1795860000250},
                      parse_case{"2026-11-28T10:00:00.123456789Z", 1795860000123},
                      parse_case{"2026-11-28t10:00:00z", 1795860000000},
                      parse_case{"2026-11-28T12:00:00+02:00", 1795860000000},
                      parse_case{"2026-11-28T07:30:00-02:30", 1795860000000},
                      parse_case{"2024-02-29T00:00:00Z", 1709164800000}, parse_case{"", -1},
                      parse_case{"2026-11-28", -1}, parse_case{"2026-11-28T10:00:00", -1},
                      parse_case{"2026-11-28T10:00:00Zjunk", -1}, parse_case{"2026-13-01T00:00:00Z", -1},
                      parse_case{"2025-02-29T00:00:00Z", -1}, parse_case{"2026-11-28T24:00:00Z", -1},
                      parse_case{"2026-11-28T10:00:00.Z", -1}, parse_case{"2026-11-28 10:00:00Z", -1},
                      parse_case{"2026-11-28T10:00:00+0200", -1}, parse_case{"null", -1}));

TEST(rfc3339_format, is_utc_with_second_precision_and_round_trips) {
  const auto t = *parse_rfc3339("2026-11-28T10:05:07.900Z");
  EXPECT_EQ(format_rfc3339(t), "2026-11-28T10:05:07Z");
  EXPECT_EQ(*parse_rfc3339(format_rfc3339(t)), t - milliseconds(900));
}

TEST(parse_optional_time, treats_empty_and_malformed_as_absent) {
  EXPECT_FALSE(parse_optional_time("").has_value());
  EXPECT_FALSE(parse_optional_time("yesterday").has_value());
  EXPECT_TRUE(parse_optional_time("2026-11-28T10:00:00Z").has_value());
}

} // namespace
} // namespace lattice::lifecycle
