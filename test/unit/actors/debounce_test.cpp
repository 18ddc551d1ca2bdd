#include "actors/debounce.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace lattice::actors {
namespace {

using namespace std::chrono_literals;
using verdict = debounce::verdict;

const debounce::clock_point t0{std::chrono::seconds{1000}};

TEST(Debounce, FirstChangeArmsOneTimerAndLaterChangesFold) {
  debounce d{200ms, 1s};
  auto a = d.on_change(t0);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->at, t0 + 200ms);
  EXPECT_FALSE(d.on_change(t0 + 10ms).has_value());
  EXPECT_FALSE(d.on_change(t0 + 20ms).has_value());
  EXPECT_TRUE(d.pending());
}

TEST(Debounce, TimerRearmsWhileChangesKeepComing) {
  debounce d{200ms, 1s};
  auto a = *d.on_change(t0);
  d.on_change(t0 + 150ms);
  EXPECT_EQ(d.on_timer(a.generation, t0 + 200ms), verdict::rearm);
  EXPECT_EQ(d.next().at, t0 + 350ms);
  EXPECT_NE(d.next().generation, a.generation);
  EXPECT_EQ(d.on_timer(d.next().generation, t0 + 350ms), verdict::plan);
  EXPECT_FALSE(d.pending());
}

TEST(Debounce, MaxDelayCapsTheWindow) {
  debounce d{200ms, 500ms};
  auto a = *d.on_change(t0);
  d.on_change(t0 + 190ms);
  ASSERT_EQ(d.on_timer(a.generation, t0 + 200ms), verdict::rearm);
  d.on_change(t0 + 380ms);
  ASSERT_EQ(d.on_timer(d.next().generation, t0 + 390ms), verdict::rearm);
  EXPECT_EQ(d.next().at, t0 + 500ms); // not 580ms: capped by the first change + max delay
  EXPECT_EQ(d.on_timer(d.next().generation, t0 + 500ms), verdict::plan);
}

TEST(Debounce, StaleAndUnexpectedTimersAreIgnored) {
  debounce d{200ms, 1s};
  EXPECT_EQ(d.on_timer(0, t0), verdict::ignore); // nothing pending
  auto a = *d.on_change(t0);
  EXPECT_EQ(d.on_timer(a.generation + 7, t0 + 200ms), verdict::ignore);
  EXPECT_EQ(d.on_timer(a.generation, t0 + 200ms), verdict::plan);
  EXPECT_EQ(d.on_timer(a.generation, t0 + 300ms), verdict::ignore); // duplicate after the plan
}

TEST(Debounce, CancelMakesEveryArmedTimerStale) {
  debounce d{200ms, 1s};
  auto a = *d.on_change(t0);
  d.cancel();
  EXPECT_FALSE(d.pending());
  EXPECT_EQ(d.on_timer(a.generation, t0 + 200ms), verdict::ignore);
  auto b = *d.on_change(t0 + 300ms); // a fresh window after the cancel
  EXPECT_NE(b.generation, a.generation);
  EXPECT_EQ(d.on_timer(b.generation, t0 + 500ms), verdict::plan);
}

TEST(Debounce, ZeroWindowPlansAtOnce) {
  debounce d{0ms, 0ms};
  auto a = *d.on_change(t0);
  EXPECT_EQ(a.at, t0);
  EXPECT_EQ(d.on_timer(a.generation, t0), verdict::plan);
}

} // namespace
} // namespace lattice::actors
