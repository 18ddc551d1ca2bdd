#include "observability/json_log.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <string>
#include <vector>

namespace lattice::observability {
namespace {

/// A logger writing into a string stream with the JSON formatter.
struct captured_logger {
  captured_logger() : sink(std::make_shared<spdlog::sinks::ostream_sink_mt>(out)), logger("lattice", sink) {
    logger.set_formatter(std::make_unique<json_formatter>());
    logger.set_level(spdlog::level::trace);
  }
  std::vector<boost::json::object> lines() const {
    std::vector<boost::json::object> parsed;
    std::istringstream in(out.str());
    std::string line;
    while (std::getline(in, line))
      parsed.push_back(boost::json::parse(line).as_object()); // throws if not JSON
    return parsed;
  }
  std::ostringstream out;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink;
  spdlog::logger logger;
};

TEST(json_log, messages_with_special_characters_round_trip) {
  const std::vector<std::string> messages{
      "plain",
      "with \"quotes\" and \\backslash\\",
      "two\nlines\r\tand tab",
      "control \x01\x1f\x7f bytes",
      "unicode: caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80",
      "{\"looks\":\"like json\"}",
  };
  captured_logger log;
  for (const auto& m : messages)
    log.logger.info("{}", m);
  auto lines = log.lines();
  ASSERT_EQ(lines.size(), messages.size()) << log.out.str();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(lines[i].at("msg").as_string(), messages[i]);
    EXPECT_EQ(lines[i].at("level").as_string(), "info");
    EXPECT_EQ(lines[i].at("logger").as_string(), "lattice");
    EXPECT_FALSE(lines[i].contains("object"));
  }
}

TEST(json_log, invalid_utf8_is_replaced_and_line_stays_valid) {
  captured_logger log;
  log.logger.warn("bad \xC3 byte \xFF end \xED\xA0\x80");
  auto lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("msg").as_string(),
            "bad \xEF\xBF\xBD byte \xEF\xBF\xBD end \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(lines[0].at("level").as_string(), "warning");
}

TEST(json_log, timestamp_is_utc_iso8601_with_microseconds) {
  captured_logger log;
  log.logger.error("x");
  auto ts = std::string(log.lines().at(0).at("ts").as_string());
  ASSERT_EQ(ts.size(), 27u) << ts; // 2026-11-28T11:12:07.123456Z
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(ts[19], '.');
  EXPECT_EQ(ts.back(), 'Z');
}

TEST(json_log, object_scope_adds_namespace_and_name_to_every_line_inside) {
  captured_logger log;
  log.logger.info("before");
  {
    auto scope = log_object("team-a", "resnet");
    log.logger.info("one");
    {
      log_fields_scope inner({{"object", "team-a/other"}, {"pod", "resnet-worker-0"}});
      log.logger.info("two");
    }
    log.logger.info("three");
  }
  log.logger.info("after");
  auto lines = log.lines();
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_FALSE(lines[0].contains("object"));
  EXPECT_EQ(lines[1].at("object").as_string(), "team-a/resnet");
  EXPECT_EQ(lines[2].at("object").as_string(), "team-a/other");
  EXPECT_EQ(lines[2].at("pod").as_string(), "resnet-worker-0");
  EXPECT_EQ(lines[3].at("object").as_string(), "team-a/resnet");
  EXPECT_FALSE(lines[3].contains("pod"));
  EXPECT_FALSE(lines[4].contains("object"));
}

TEST(json_log, text_formatter_prefixes_the_object) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("lattice", sink);
  logger.set_formatter(make_text_formatter("%l %*%v"));
  logger.info("plain");
  {
    auto scope = log_object("ns", "job");
    logger.info("about job");
  }
  EXPECT_EQ(out.str(), "info plain\ninfo [ns/job] about job\n");
}

} // namespace
} // namespace lattice::observability
