// The `plan` verb: arguments, exit codes, one document or a stream.
#include "snapshot_json/plan_command.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

namespace lattice::snapshot_json {
namespace {

namespace json = boost::json;

const char* const one_node_one_job = R"({"now": "2026-11-28T10:01:00Z",
  "nodes": [{"name": "n1", "allocatable": {"nvidia.com/gpu": 4}}],
  "jobs": [{"name": "a", "minSize": 1, "maxSize": 4, "workerResources": {"nvidia.com/gpu": 1},
            "submitTime": "2026-11-28T10:00:00Z"}]})";

struct result {
  int code;
  std::string out, err;
};

result run(std::vector<std::string> args, const std::string& input) {
  std::istringstream in(input);
  std::ostringstream out, err;
  int code = run_plan_command(args, in, out, err, "test");
  return {code, out.str(), err.str()};
}

TEST(plan_command, prints_the_plan_of_a_document) {
  auto r = run({"--snapshot", "-"}, one_node_one_job);
  ASSERT_EQ(r.code, 0) << r.err;
  auto doc = json::parse(r.out).as_object();
  EXPECT_EQ(doc.at("jobs").as_array()[0].at("size").as_int64(), 4);
}

TEST(plan_command, text_output_names_each_job) {
  auto r = run({"--snapshot", "-", "--output", "text"}, one_node_one_job);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("default/a\tRunning\t4\t+4/-0\tat maxSize"), std::string::npos) << r.out;
}

TEST(plan_command, now_flag_wins_over_the_document) {
  // Two minutes into a 3-minute rescale interval the running job keeps its size.
  std::string doc = R"({"now": "2026-11-28T10:10:00Z",
    "nodes": [{"name": "n1", "allocatable": {"nvidia.com/gpu": 4}}],
    "jobs": [{"name": "a", "maxSize": 4, "workerResources": {"nvidia.com/gpu": 1}, "stage": "Running",
              "submitTime": "2026-11-28T10:00:00Z", "lastResizeTime": "2026-11-28T10:00:00Z",
              "workers": [{"index": 0, "node": "n1"}]}]})";
  auto later = run({"--snapshot", "-"}, doc);
  auto sooner = run({"--snapshot", "-", "--now", "2026-11-28T10:02:00Z"}, doc);
  ASSERT_EQ(later.code, 0) << later.err;
  ASSERT_EQ(sooner.code, 0) << sooner.err;
  EXPECT_EQ(json::parse(later.out).at("jobs").as_array()[0].at("size").as_int64(), 4);
  EXPECT_EQ(json::parse(sooner.out).at("jobs").as_array()[0].at("size").as_int64(), 1);
}

TEST(plan_command, stream_answers_every_line_even_a_bad_one) {
  std::string one = one_node_one_job;
  one.erase(std::remove(one.begin(), one.end(), '\n'), one.end());
  auto r = run({"--stream"}, one + "\n{\"jobs\": 3}\n" + one + "\n");
  EXPECT_EQ(r.code, 1);
  std::istringstream lines(r.out);
  std::string line;
  std::vector<json::value> docs;
  while (std::getline(lines, line))
    docs.push_back(json::parse(line));
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_TRUE(docs[0].as_object().contains("jobs"));
  EXPECT_NE(std::string(docs[1].at("error").as_string()).find("jobs: expected an array"), std::string::npos);
  EXPECT_TRUE(docs[2].as_object().contains("jobs"));
}

TEST(plan_command, bad_arguments_and_files) {
  EXPECT_EQ(run({}, "").code, 2);
  EXPECT_EQ(run({"--snapshot", "-", "--stream"}, "").code, 2);
  EXPECT_EQ(run({"--snapshot"}, "").code, 2);
  EXPECT_EQ(run({"--snapshot", "-", "--now", "noon"}, "").code, 2);
  EXPECT_EQ(run({"--snapshot", "/nonexistent/snap.json"}, "").code, 1);
  auto bad = run({"--snapshot", "-"}, "{\"jobs\": [{\"name\": \"x\"}]}");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("jobs[0].submitTime: required"), std::string::npos) << bad.err;
  EXPECT_EQ(run({"--help"}, "").code, 0);
}

} // namespace
} // namespace lattice::snapshot_json
