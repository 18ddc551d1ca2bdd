// The verbs' argument handling and errors that need no cluster.
#include "plugin/cluster_reader.hpp"
#include "plugin/verbs.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

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

} // namespace
} // namespace lattice::plugin
