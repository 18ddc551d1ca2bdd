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

TEST(expectations, expect_then_satisfy) {
  expectations e(10s);
  EXPECT_TRUE(e.empty());
  e.expect("resnet-worker-0", t0);
  e.expect("resnet-worker-1", t0);
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

TEST(expectations, expire_drops_only_those_past_their_timeout) {
  expectations e(10s);
  e.expect("a", t0);
  e.expect("b", t0 + 5s);
  EXPECT_EQ(e.expire(t0 + 9s), 0u);
  EXPECT_EQ(e.size(), 2u);
  EXPECT_EQ(e.expire(t0 + 10s), 1u) << "due exactly at the timeout";
  EXPECT_FALSE(e.pending("a"));
  EXPECT_TRUE(e.pending("b"));
  EXPECT_EQ(e.expire(t0 + 14s), 0u);
  EXPECT_EQ(e.expire(t0 + 1h), 1u);
  EXPECT_TRUE(e.empty());
}

TEST(expectations, expecting_again_restarts_the_timeout) {
  expectations e(10s);
  e.expect("a", t0);
  e.expect("a", t0 + 8s);
  EXPECT_EQ(e.size(), 1u);
  EXPECT_EQ(e.expire(t0 + 10s), 0u);
  EXPECT_EQ(e.expire(t0 + 18s), 1u);
}

TEST(expectations, default_timeout_is_thirty_seconds) {
  expectations e;
  e.expect("a", t0);
  EXPECT_EQ(e.expire(t0 + 29s), 0u);
  EXPECT_EQ(e.expire(t0 + 30s), 1u);
}

TEST(expectations, names_lists_what_is_pending_sorted) {
  expectations e(10s);
  e.expect("resnet-worker-1", t0);
  e.expect("resnet-rendezvous", t0);
  e.expect("resnet-worker-0", t0);
  EXPECT_EQ(e.names(), (std::set<std::string>{"resnet-rendezvous", "resnet-worker-0", "resnet-worker-1"}));
  e.expire(t0 + 10s);
  EXPECT_TRUE(e.names().empty());
}

} // namespace
} // namespace lattice::lifecycle
