#include "lifecycle/expectations.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

namespace lattice::lifecycle {
namespace {

using namespace std::chrono_literals;
using clock_point = expectations::clock::time_point;

const clock_point t0{std::chrono::hours(1)};

/// expect() then answered(): what a successful API call does.
void expect_answered(expectations& e, const std::string& name, clock_point at) {
  e.expect(name);
  e.answered(name, at);
}

TEST(expectations, expect_then_satisfy) {
  expectations e(10s);
  EXPECT_TRUE(e.empty());
  e.expect("resnet-worker-0");
  e.expect("resnet-worker-1");
  EXPECT_TRUE(e.pending("resnet-worker-0"));
  EXPECT_FALSE(e.pending("resnet-worker-2"));
  EXPECT_EQ(e.size(), 2u);
  e.satisfy("resnet-worker-0");
  EXPECT_FALSE(e.pending("resnet-worker-0"));
  EXPECT_EQ(e.size(), 1u);
  e.satisfy("never-expected"); // harmless
  EXPECT_EQ(e.size(), 1u);
  e.satisfy("resnet-worker-1");
  EXPECT_TRUE(e.empty());
}

TEST(expectations, an_unanswered_call_never_expires) {
  // A busy API server may answer after the timeout: retrying then would
  // duplicate a call that is still queued.
  expectations e(10s);
  e.expect("a");
  EXPECT_EQ(e.expire(t0 + 24h), 0u);
  EXPECT_TRUE(e.pending("a"));
}

TEST(expectations, the_timeout_runs_from_the_answer) {
  expectations e(10s);
  expect_answered(e, "a", t0);
  expect_answered(e, "b", t0 + 5s);
  EXPECT_EQ(e.expire(t0 + 9s), 0u);
  EXPECT_EQ(e.size(), 2u);
  EXPECT_EQ(e.expire(t0 + 10s), 1u) << "due exactly at the timeout";
  EXPECT_FALSE(e.pending("a"));
  EXPECT_TRUE(e.pending("b"));
  EXPECT_EQ(e.expire(t0 + 14s), 0u);
  EXPECT_EQ(e.expire(t0 + 1h), 1u);
  EXPECT_TRUE(e.empty());
}

TEST(expectations, an_answer_after_the_watch_satisfied_it_adds_nothing) {
  expectations e(10s);
  e.expect("a");
  e.satisfy("a"); // the watch showed the pod before the reply came
  e.answered("a", t0);
  EXPECT_TRUE(e.empty());
}

TEST(expectations, default_timeout_is_thirty_seconds) {
  expectations e;
  expect_answered(e, "a", t0);
  EXPECT_EQ(e.expire(t0 + 29s), 0u);
  EXPECT_EQ(e.expire(t0 + 30s), 1u);
}

TEST(expectations, names_lists_what_is_pending_sorted) {
  expectations e(10s);
  expect_answered(e, "resnet-worker-1", t0);
  expect_answered(e, "resnet-rendezvous", t0);
  expect_answered(e, "resnet-worker-0", t0);
  EXPECT_EQ(e.names(), (std::set<std::string>{"resnet-rendezvous", "resnet-worker-0", "resnet-worker-1"}));
  e.expire(t0 + 10s);
  EXPECT_TRUE(e.names().empty());
}

} // namespace
} // namespace lattice::lifecycle
