#include "actors/decision_filter.hpp"

#include <gtest/gtest.h>

namespace lattice::actors {
namespace {

using scheduling::job_decision;

job_decision waiting(std::string reason) {
  job_decision d;
  d.namespace_ = "ns";
  d.name = "a";
  d.reason = std::move(reason);
  return d;
}

TEST(DecisionFilter, SendsFirstDecisionThenOnlyNews) {
  struct step {
    const char* what;
    job_decision decision;
    bool sent;
  };
  auto changed = waiting("at maxSize");
  changed.changed = true;
  auto added = waiting("at maxSize");
  added.added = {{0, "n1"}};
  auto removed = waiting("at maxSize");
  removed.removed = {{1, "n2"}};
  const step steps[] = {
      {"first decision is always sent", waiting("no node fits"), true},
      {"same reason, nothing else: not sent", waiting("no node fits"), false},
      {"new reason", waiting("at maxSize"), true},
      {"same again", waiting("at maxSize"), false},
      {"stage or size changed", changed, true},
      {"pods to add", added, true},
      {"pods to remove", removed, true},
      {"quiet again", waiting("at maxSize"), false},
  };
  decision_filter f;
  for (const auto& s : steps)
    EXPECT_EQ(f.should_send(s.decision), s.sent) << s.what;
}

TEST(DecisionFilter, ForgetAndClearResendTheNextDecision) {
  decision_filter f;
  ASSERT_TRUE(f.should_send(waiting("r")));
  ASSERT_FALSE(f.should_send(waiting("r")));
  f.forget("ns/a");
  EXPECT_TRUE(f.should_send(waiting("r")));
  f.clear();
  EXPECT_TRUE(f.should_send(waiting("r")));
}

} // namespace
} // namespace lattice::actors
