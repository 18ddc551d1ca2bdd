#include "k8s/http/line_splitter.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace lattice::k8s {
namespace {

std::vector<std::string> split(const std::vector<std::string>& chunks) {
  http::line_splitter splitter;
  std::vector<std::string> lines;
  for (const auto& chunk : chunks) {
    splitter.feed(chunk);
    while (auto line = splitter.next())
      lines.push_back(*line);
  }
  return lines;
}

TEST(line_splitter, joins_lines_cut_across_chunks) {
  struct row {
    std::vector<std::string> chunks;
    std::vector<std::string> lines;
  };
  const std::vector<row> rows{
      {{"{\"a\":1}\n"}, {"{\"a\":1}"}},
      {{"{\"a\"", ":1}\n{\"b\"", ":2}\n"}, {"{\"a\":1}", "{\"b\":2}"}},
      {{"x\r\n", "\n", "y\n"}, {"x", "y"}},
      {{"partial"}, {}},
      {{"a\nb\nc"}, {"a", "b"}},
  };
  for (const auto& r : rows)
    EXPECT_EQ(split(r.chunks), r.lines);
}

TEST(line_splitter, keeps_the_unterminated_tail_buffered) {
  http::line_splitter splitter;
  splitter.feed("one\ntwo");
  EXPECT_EQ(splitter.next(), std::optional<std::string>("one"));
  EXPECT_EQ(splitter.next(), std::nullopt);
  EXPECT_EQ(splitter.buffered(), 3u);
  splitter.feed("\n");
  EXPECT_EQ(splitter.next(), std::optional<std::string>("two"));
}

} // namespace
} // namespace lattice::k8s
