// The verbs' argument handling and errors that need no cluster.
#include "plugin/cluster_reader.hpp"
#include "plugin/verbs.hpp"
#include "scheduling/builders.hpp"
#include "snapshot_json/snapshot_json.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace lattice::plugin {
namespace {

using ::testing::HasSubstr;

struct outcome {
  int code;
  std::string out;
  std::string err;
};

outcome call(std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = run(args, out, err, false);
  return {code, out.str(), err.str()};
}

TEST(Verbs, HelpOnEveryVerb) {
  for (std::string verb : {"queue", "why", "simulate", "top", "snapshot"}) {
    auto r = call({verb, "--help"});
    EXPECT_EQ(r.code, exit_ok) << verb;
    EXPECT_THAT(r.out, HasSubstr("kubectl lattice " + verb)) << verb;
    EXPECT_THAT(r.out, HasSubstr("Exit codes")) << verb;
  }
  auto top = call({"-h"});
  EXPECT_EQ(top.code, exit_ok);
  EXPECT_THAT(top.out, HasSubstr("Verbs:"));
}

TEST(Verbs, UsageErrorsExitTwoOnStderr) {
  auto none = call({});
  EXPECT_EQ(none.code, exit_usage);
  EXPECT_TRUE(none.out.empty());
  EXPECT_THAT(none.err, HasSubstr("Verbs:"));
  EXPECT_EQ(call({"nope"}).code, exit_usage);
  auto flag = call({"queue", "--bogus"});
  EXPECT_EQ(flag.code, exit_usage);
  EXPECT_THAT(flag.err, HasSubstr("unknown flag --bogus"));
  EXPECT_THAT(call({"queue", "-o", "xml"}).err, HasSubstr("--output xml: expected table, json or yaml"));
  EXPECT_EQ(call({"queue", "-n"}).code, exit_usage);
  EXPECT_EQ(call({"top", "extra"}).code, exit_usage);
}

TEST(Verbs, AnUnusableKubeconfigExitsOne) {
  auto r = call({"queue", "--kubeconfig", "/nonexistent/kubeconfig"});
  EXPECT_EQ(r.code, exit_failure);
  EXPECT_THAT(r.err, HasSubstr("cannot use kubeconfig /nonexistent/kubeconfig"));
}

/// A snapshot document on disk: two 4-GPU nodes, one cordoned; a running
/// job holding the other, a waiting one that needs both.
class OfflineVerbs : public ::testing::Test {
protected:
  void SetUp() override {
    using namespace scheduling::testing;
    snapshot_json::planner_input input;
    input.snapshot.nodes = {make_node("n0").gpus(4).label("pool", "a"),
                            make_node("n1").gpus(4).label("pool", "a").cordoned()};
    input.snapshot.jobs = {make_job("run").ns("ml").submitted(0).size(4).gpus(1).running_on("n0", 4),
                           make_job("wait").ns("ml").submitted(10).size(2).gpus(2)};
    input.now = at(1000);
    // One file per test: CTest runs each test case as its own process, in parallel.
    path_ = ::testing::TempDir() + "plugin-offline-snapshot-"
            + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-"
            + std::to_string(::getpid()) + ".json";
    std::ofstream(path_) << snapshot_json::encode_input(input);
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string path_;
};

TEST_F(OfflineVerbs, QueueFromASnapshotDocument) {
  auto r = call({"queue", "-A", "--snapshot", path_, "-o", "json"});
  ASSERT_EQ(r.code, exit_ok) << r.err;
  auto doc = boost::json::parse(r.out);
  EXPECT_EQ(doc.at("plannerSettings"), boost::json::value("the snapshot document " + path_));
  const auto& jobs = doc.at("jobs").as_array();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[1].at("name"), "wait");
  EXPECT_EQ(jobs[1].at("plannedStage"), "Waiting");
  EXPECT_EQ(jobs[1].at("gpusWanted"), 4);
  const auto& changes = jobs[1].at("toChange").as_array();
  EXPECT_NE(std::find(changes.begin(), changes.end(),
                      boost::json::value("it would be admitted now if n1 (cordoned) took workers again")),
            changes.end())
      << r.out;
  auto table = call({"queue", "-n", "ml", "--snapshot", path_});
  EXPECT_THAT(table.out, HasSubstr("What would have to change:\n  wait:\n"));
}

TEST_F(OfflineVerbs, WhySimulateTopAndSnapshot) {
  auto why = call({"why", "wait", "-n", "ml", "--snapshot", path_});
  ASSERT_EQ(why.code, exit_ok) << why.err;
  EXPECT_THAT(why.out,
              HasSubstr("Estimated start: unknown (unknown: no running job has an activeDeadlineSeconds)"));
  EXPECT_EQ(call({"why", "absent", "-n", "ml", "--snapshot", path_}).code, exit_not_found);

  std::string job = "kind: TrainingJob\napiVersion: breezeml.ai/v1\nmetadata: {name: small}\n"
                    "spec:\n  minSize: 1\n  maxSize: 1\n  replicaSpecs:\n    template:\n      spec:\n"
                    "        containers:\n        - name: w\n          image: x\n"
                    "          resources: {limits: {nvidia.com/gpu: 4}}\n";
  const auto job_path = ::testing::TempDir() + "plugin-offline-job.yaml";
  std::ofstream(job_path) << job;
  auto sim =
      call({"simulate", "-f", job_path, "-n", "ml", "--priority", "9", "--snapshot", path_, "-o", "json"});
  ASSERT_EQ(sim.code, exit_ok) << sim.err;
  auto s = boost::json::parse(sim.out);
  EXPECT_EQ(s.at("admitted"), true);
  EXPECT_EQ(s.at("workers").as_array()[0].at("node"), "n0");
  EXPECT_EQ(s.at("affected").as_array()[0].at("job"), "ml/run");
  EXPECT_EQ(s.at("affected").as_array()[0].at("preempted"), true);
  auto waits = call({"simulate", "-f", job_path, "-n", "ml", "--snapshot", path_, "--exit-code"});
  EXPECT_EQ(waits.code, exit_would_wait) << waits.out << waits.err;
  EXPECT_EQ(call({"simulate", "-f", job_path, "--priority", "high", "--snapshot", path_}).code, exit_usage);
  std::remove(job_path.c_str());

  auto top = call({"top", "--node-group-label", "pool", "--snapshot", path_, "-o", "yaml"});
  ASSERT_EQ(top.code, exit_ok) << top.err;
  EXPECT_THAT(top.out, HasSubstr("  - group: \"a\"\n    nodes: 2\n    usableNodes: 1\n    allocatable: 8\n"
                                 "    allocated: 4\n    idle: 0\n"));

  auto snap = call({"snapshot", "--snapshot", path_});
  ASSERT_EQ(snap.code, exit_ok);
  std::ifstream in(path_);
  std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(boost::json::parse(snap.out), boost::json::parse(original));
}

TEST_F(OfflineVerbs, AnswersSayWhichApiGroupTheyRead) {
  auto empty = call({"queue", "-n", "elsewhere", "--snapshot", path_});
  ASSERT_EQ(empty.code, exit_ok) << empty.err;
  EXPECT_THAT(empty.out, HasSubstr("No TrainingJobs of API group breezeml.ai wait or run in namespace "
                                   "elsewhere (another group: --group).\n"));
  for (std::string verb : {"queue", "top"}) {
    auto other = call({verb, "-n", "ml", "--group", "ml.example.com", "--snapshot", path_, "-o", "json"});
    ASSERT_EQ(other.code, exit_ok) << other.err;
    EXPECT_EQ(boost::json::parse(other.out).at("apiGroup"), "ml.example.com") << verb;
  }
  auto why = call({"why", "wait", "-n", "ml", "--snapshot", path_, "-o", "json"});
  ASSERT_EQ(why.code, exit_ok) << why.err;
  EXPECT_EQ(boost::json::parse(why.out).at("apiGroup"), "breezeml.ai");
}

TEST_F(OfflineVerbs, SimulateRefusesAManifestOfAnotherApiGroup) {
  std::string job = "kind: TrainingJob\napiVersion: ml.example.com/v1\nmetadata: {name: small}\n"
                    "spec:\n  minSize: 1\n  maxSize: 1\n  replicaSpecs:\n    template:\n      spec:\n"
                    "        containers:\n        - name: w\n          image: x\n"
                    "          resources: {limits: {nvidia.com/gpu: 4}}\n";
  const auto job_path = ::testing::TempDir() + "plugin-offline-other-group-job.yaml";
  std::ofstream(job_path) << job;
  auto refused = call({"simulate", "-f", job_path, "-n", "ml", "--snapshot", path_});
  EXPECT_EQ(refused.code, exit_usage);
  EXPECT_THAT(refused.err, HasSubstr(job_path
                                     + ": apiVersion ml.example.com/v1 is not of the API group this "
                                       "reads (breezeml.ai); for that group's queue pass --group "
                                       "ml.example.com"));
  auto in_group = call({"simulate", "-f", job_path, "-n", "ml", "--group", "ml.example.com", "--snapshot",
                        path_, "-o", "json"});
  EXPECT_EQ(in_group.code, exit_ok) << in_group.err;
  EXPECT_EQ(boost::json::parse(in_group.out).at("apiGroup"), "ml.example.com");
  std::remove(job_path.c_str());
}

} // namespace
} // namespace lattice::plugin
