#include "base/time.hpp"

#include <gtest/gtest.h>

namespace lattice::base {
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

/// 2026-01-02T03:04:05Z.
const time_point t0 = time_point(std::chrono::seconds(1767323045));

TEST(rfc3339_format, gives_fraction_digits_truncated_as_the_lease_micro_time_wants) {
  using namespace std::chrono_literals;
  EXPECT_EQ(format_rfc3339(t0, 6), "2026-01-02T03:04:05.000000Z");
  EXPECT_EQ(format_rfc3339(t0 + 123456us + 999ns, 6), "2026-01-02T03:04:05.123456Z");
  EXPECT_EQ(format_rfc3339(t0 + 123456789ns, 9), "2026-01-02T03:04:05.123456789Z");
  EXPECT_EQ(format_rfc3339(t0 + 999ms, 3), "2026-01-02T03:04:05.999Z");
  EXPECT_EQ(format_rfc3339(time_point{}, 6), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_rfc3339(time_point(std::chrono::seconds(951782400)), 6), "2000-02-29T00:00:00.000000Z");
  EXPECT_EQ(format_rfc3339(time_point{} - 1s, 6), "1969-12-31T23:59:59.000000Z");
  EXPECT_EQ(format_rfc3339(time_point{} - 1ms, 3), "1969-12-31T23:59:59.999Z") << "floored before 1970";
}

TEST(rfc3339_parse, reads_what_it_formats_and_what_the_api_server_sends) {
  using namespace std::chrono_literals;
  for (auto t : {t0, t0 + 1us, t0 + 999999us, t0 + 86400s * 365, time_point(std::chrono::seconds(951782400))})
    EXPECT_EQ(parse_rfc3339(format_rfc3339(t, 6)), t) << format_rfc3339(t, 6);
  EXPECT_EQ(parse_rfc3339("2026-01-02T03:04:05.5Z"), t0 + 500ms);
  EXPECT_EQ(parse_rfc3339("2026-01-01T22:34:05.000000-04:30"), t0);
  for (const char* bad :
       {"2026-01-32T03:04:05Z", "2026-01-02T03:60:00Z", "2026-1-02T03:04:05Z", "x026-01-02T03:04:05Z"})
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
}

} // namespace
} // namespace lattice::base
