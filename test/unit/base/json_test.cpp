#include "base/json.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

namespace lattice::base {
namespace {

struct escape_case {
  std::string input;
  std::string quoted;
};

class json_quoted_case : public ::testing::TestWithParam<escape_case> {};

TEST_P(json_quoted_case, is_valid_json_for_any_bytes) {
  const auto& c = GetParam();
  const auto out = json_quoted(c.input);
  EXPECT_EQ(out, c.quoted);
  boost::json::error_code ec;
  const auto parsed = boost::json::parse(out, ec);
  ASSERT_FALSE(ec) << out << ": " << ec.message();
  EXPECT_TRUE(parsed.is_string());
}

INSTANTIATE_TEST_SUITE_P(
    cases, json_quoted_case,
    ::testing::Values(escape_case{"", "\"\""}, escape_case{"plain text", "\"plain text\""},
                      escape_case{"a \"quote\" and a \\", R"("a \"quote\" and a \\")"},
                      escape_case{"line\nbreak\ttab\rcr\bbs\ffeed", R"("line\nbreak\ttab\rcr\bbs\ffeed")"},
                      escape_case{std::string("nul\0x", 5), R"("nul\u0000x")"},
                      escape_case{"\x01\x1f\x7f", R"("\u0001\u001f\u007f")"},
                      // Valid UTF-8 is kept: 2, 3 and 4 byte sequences.
                      escape_case{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80",
                                  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80\""},
                      // Invalid UTF-8: each offending byte becomes U+FFFD.
                      escape_case{"\x80", "\"\xef\xbf\xbd\""},                 // stray continuation byte
                      escape_case{"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""}, // overlong '/'
                      escape_case{"\xed\xa0\x80",
                                  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, // UTF-16 surrogate
                      escape_case{"\xf4\x90\x80\x80",
                                  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""}, // past U+10FFFF
                      escape_case{"ab\xe2\x82", "\"ab\xef\xbf\xbd\xef\xbf\xbd\""})); // truncated at the end

TEST(append_json_escaped, appends_without_quotes) {
  std::string out = "x=";
  append_json_escaped(out, "\"y\"");
  EXPECT_EQ(out, R"(x=\"y\")");
}

} // namespace
} // namespace lattice::base
