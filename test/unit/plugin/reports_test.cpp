#include "plugin/cluster_summary.hpp"
#include "plugin/history.hpp"
#include "plugin/render.hpp"
#include "plugin/report_output.hpp"
#include "plugin/yaml_json.hpp"
#include "scheduling/builders.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lattice::plugin {
namespace {

using namespace scheduling::testing;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(Summary, GpusPerGroupJobsPerStageAndOldestWait) {
  scheduling::snapshot snap;
  snap.nodes = {make_node("a0").gpus(8).label("pool", "a").used(gpu, 1),
                make_node("a1").gpus(8).label("pool", "a").cordoned(), make_node("x").gpus(4)};
  snap.jobs = {make_job("r").submitted(0).size(3).gpus(2).running({"a0", "a0", "x"}),
               make_job("w1").submitted(50).size(1), make_job("w2").submitted(20).queued(40).size(1)};
  auto s = summarise(snap, {}, "pool", {{"Running", 1}, {"Waiting", 2}, {"Completed", 4}});
  ASSERT_EQ(s.groups.size(), 2u);
  EXPECT_EQ(s.groups[0].group, "<none>");
  EXPECT_EQ(s.groups[0].allocated, 2);
  EXPECT_EQ(s.groups[0].idle, 2);
  const auto& a = s.groups[1];
  EXPECT_EQ(a.group, "a");
  EXPECT_EQ(a.nodes, 2);
  EXPECT_EQ(a.usable_nodes, 1);
  EXPECT_EQ(a.allocatable, 16);
  EXPECT_EQ(a.allocated, 5);
  // The cordoned node's 8 GPUs are not idle: nothing new goes there.
  EXPECT_EQ(a.idle, 3);
  EXPECT_EQ(s.queue_length, 2);
  EXPECT_EQ(s.oldest_waiting, "default/w2");
  EXPECT_EQ(*s.oldest_queued_time, at(40));
  EXPECT_EQ(s.jobs_per_stage.at("Completed"), 4);
  auto text = summary_text(s, gpu, at(100));
  EXPECT_THAT(text, HasSubstr("oldest default/w2, waiting 60s"));
}

history_input entry(std::string time, std::string source, std::string what, std::string message,
                    int32_t count = 1) {
  return {std::move(time), std::move(source), std::move(what), std::move(message), count, "Normal"};
}

TEST(History, EventsAndConditionsMergedOldestFirstWithoutDuplicates) {
  std::vector<history_input> conditions{
      entry("2026-11-28T10:05:00Z", "condition", "Running=True", "Admitted: admitted with 4 workers"),
      entry("2026-11-28T10:01:00Z", "condition", "Created=True", "created")};
  std::vector<history_input> events{
      entry("2026-11-28T10:05:00Z", "event", "Admitted", "admitted with 4 workers"),
      entry("2026-11-28T10:09:00Z", "event", "Preempted", "by team/urgent", 2)};
  auto h = job_history(conditions, events);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].what, "Created=True");
  EXPECT_EQ(h[1].what, "Admitted");
  EXPECT_EQ(h[2].what, "Preempted");
  EXPECT_THAT(history_text(h), HasSubstr("Preempted (x2)"));
}

TEST(Render, TableColumnsAlignWithoutTrailingBlanks) {
  table t{{"name", "gpus"}, {{"a", "12"}, {"longer-name", "3"}}};
  EXPECT_EQ(format_table(t), "NAME          GPUS\na             12\nlonger-name   3\n");
}

TEST(Render, ColoursOnlyWhenEnabledAndNotOnPadding) {
  EXPECT_EQ(paint("Running   ", colour::green, false), "Running   ");
  EXPECT_EQ(paint("Running   ", colour::green, true), "\x1b[32mRunning\x1b[0m   ");
  EXPECT_THAT(queue_text({}, false, at(0), true), Not(HasSubstr("\x1b")));
}

TEST(Render, Ages) {
  EXPECT_EQ(format_age(at(0), at(45)), "45s");
  EXPECT_EQ(format_age(at(0), at(600)), "10m");
  EXPECT_EQ(format_age(at(0), at(3 * 3600 + 240)), "3h4m");
  EXPECT_EQ(format_age(at(0), at(53 * 3600)), "2d5h");
}

TEST(Render, YamlOfNestedValuesReadsBackAsTheSameJson) {
  boost::json::value v = boost::json::parse(
      R"({"jobs":[{"name":"a","toChange":["x: y","z"],"empty":[]},{"name":"b","n":3,"ok":true}],"note":null})");
  auto text = to_yaml(v);
  EXPECT_EQ(text, "jobs:\n  - name: \"a\"\n    toChange:\n      - \"x: y\"\n      - \"z\"\n    empty: []\n"
                  "  - name: \"b\"\n    n: 3\n    ok: true\nnote: null\n");
  auto back = parse_yaml(text);
  ASSERT_EQ(back.documents.size(), 1u);
  EXPECT_EQ(back.documents[0], v);
}

TEST(YamlInput, TypesOfPlainAndQuotedScalars) {
  auto docs = parse_yaml("a: 3\nb: '3'\nc: true\nd: 1.5\ne: ~\nf: text\n---\nkind: Other\n");
  ASSERT_TRUE(docs.error.empty());
  ASSERT_EQ(docs.documents.size(), 2u);
  EXPECT_EQ(docs.documents[0], boost::json::parse(R"({"a":3,"b":"3","c":true,"d":1.5,"e":null,"f":"text"})"));
}

TEST(YamlInput, SyntaxErrorsAreReported) {
  auto docs = parse_yaml("a: [1, 2\n");
  EXPECT_TRUE(docs.documents.empty());
  EXPECT_THAT(docs.error, HasSubstr("line"));
}

TEST(Output, EstimateColumn) {
  EXPECT_EQ(estimate_text({at(60), "x"}, "Waiting"), "2026-11-28T10:01:00Z");
  EXPECT_EQ(estimate_text({std::nullopt, "unknown: y"}, "Waiting"), "unknown");
  EXPECT_EQ(estimate_text({at(0), "admitted now"}, "Running"), "now");
}

} // namespace
} // namespace lattice::plugin
