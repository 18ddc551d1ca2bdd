#include "k8s/quantity.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace lattice::k8s {
namespace {

struct quantity_case {
  const char* text;
  std::int64_t value; ///< Value(): whole units, rounded away from zero
  std::int64_t milli; ///< MilliValue()
};

// Expected values follow k8s.io/apimachinery resource.Quantity (Value and
// MilliValue round up away from zero).
const quantity_case valid_cases[] = {
    {"0", 0, 0},
    {"500m", 1, 500},
    {"2", 2, 2000},
    {"1.5", 2, 1500},
    {"0.5m", 1, 1},
    {"100n", 1, 1},
    {"250u", 1, 1},
    {"1.000001", 2, 1001},
    {"4Gi", 4294967296, 4294967296000},
    {"1.5Gi", 1610612736, 1610612736000},
    {"123Mi", 128974848, 128974848000},
    {"129M", 129000000, 129000000000},
    {"128974848", 128974848, 128974848000},
    {"1e3", 1000, 1000000},
    {"1E3", 1000, 1000000},
    {"1e-3", 1, 1},
    {"1.5e+2", 150, 150000},
    {"12k", 12000, 12000000},
    {"1Ki", 1024, 1024000},
    {"+.5Ki", 512, 512000},
    {"1.G", 1000000000, 1000000000000},
    {"007", 7, 7000},
    {"0.0", 0, 0},
    {"0Mi", 0, 0},
    {"-1.5", -2, -1500},
    {"-500m", -1, -500},
    {"1E", 1000000000000000000, 0}, // milli overflows: checked below
    {"7Ei", 8070450532247928832, 0},
    {"9223372036854775807", INT64_MAX, 0},
    {"1e-1000", 1, 1},
    {"0e1000000000000", 0, 0},
    {"0.000000000000000000000000000000000000000000000000000000000001Ei", 1, 1},
    {"8191.9999Pi", 9223371924264785124, 0},
    // 65 significant digits (more than the 40 kept): the dropped tail still rounds up.
    {"12.345678901234567890123456789012345678901234567890123456789012345", 13, 12346},
};

TEST(quantity, parses_values_like_apimachinery) {
  for (const auto& c : valid_cases) {
    SCOPED_TRACE(c.text);
    auto value = parse_quantity_value(c.text);
    ASSERT_TRUE(value.ok()) << value.err().to_string();
    EXPECT_EQ(*value, c.value);
    if (c.milli != 0 || c.value == 0) {
      auto milli = parse_quantity_milli(c.text);
      ASSERT_TRUE(milli.ok()) << milli.err().to_string();
      EXPECT_EQ(*milli, c.milli);
    }
  }
}

TEST(quantity, cpu_is_kept_in_millicores_and_everything_else_in_units) {
  EXPECT_EQ(*parse_resource_quantity("cpu", "250m"), 250);
  EXPECT_EQ(*parse_resource_quantity("cpu", "2"), 2000);
  EXPECT_EQ(*parse_resource_quantity("memory", "1Ki"), 1024);
  EXPECT_EQ(*parse_resource_quantity("nvidia.com/gpu", "8"), 8);
}

struct bad_case {
  const char* text;
  const char* reason; ///< substring of the message
};

const bad_case bad_cases[] = {
    {"", "empty"},
    {"abc", "unexpected characters"},
    {"1 Gi", "unexpected characters"},
    {"1Kb", "unexpected characters"},
    {"1.2.3", "unexpected characters"},
    {"--1", "unknown suffix"}, // like Go: the second sign starts an exponent-less suffix
    {"1K", "unknown suffix"},
    {"1ki", "unknown suffix"},
    {"1e", "unknown suffix"},
    {"1e99999999999999999999", "unknown suffix"},
    {"10E", "too large"},
    {"8Ei", "too large"},
    {"9223372036854775808", "too large"},
    {"1e1000", "too large"},
    {"123456789012345678901234567890123456789012345678901234567890123456789", "too large"},
    {"999999999999999999999999999999999999999999999999999999999999Ei", "too large"},
    {"18446744073709551616Ei", "too large"},
    {"8191.99999999999999999999999999999999999999Pi", "too large"}, // rounds up to 2^63
};

TEST(quantity, rejects_malformed_and_overflowing_text) {
  for (const auto& c : bad_cases) {
    SCOPED_TRACE(c.text);
    auto value = parse_quantity_value(c.text);
    ASSERT_FALSE(value.ok());
    EXPECT_EQ(value.err().what, error::kind::decode);
    EXPECT_NE(value.err().message.find(c.reason), std::string::npos) << value.err().message;
    EXPECT_NE(value.err().message.find(std::string("\"") + c.text + "\""), std::string::npos);
  }
}

TEST(quantity, milli_value_overflows_before_the_value_does) {
  EXPECT_TRUE(parse_quantity_value("1E").ok());
  auto milli = parse_quantity_milli("1E");
  ASSERT_FALSE(milli.ok());
  EXPECT_NE(milli.err().message.find("too large"), std::string::npos);
  EXPECT_FALSE(parse_quantity_milli("9223372036854775807").ok());
  EXPECT_EQ(*parse_quantity_milli("9223372036854775"), 9223372036854775000);
}

} // namespace
} // namespace lattice::k8s
