#include "lifecycle/events.hpp"
#include "test/support/builders.hpp"

#include <gtest/gtest.h>

namespace lattice::lifecycle {
namespace {

using std::chrono::milliseconds;

TEST(events, admitted) {
  EXPECT_EQ(admitted_event(2, 2, 4),
            (event_text{"Admitted", "admitted with 2 workers (min 2, max 4)", "Normal"}));
  EXPECT_EQ(admitted_event(1, 1, 1).message, "admitted with 1 worker (min 1, max 1)");
}

TEST(events, scaled) {
  EXPECT_EQ(scaled_event(2, 4, "free GPUs on node-b"),
            (event_text{"Scaled", "scaled from 2 to 4 workers: free GPUs on node-b", "Normal"}));
  EXPECT_EQ(scaled_event(4, 3, "").message, "scaled from 4 to 3 workers");
}

TEST(events, moved) {
  EXPECT_EQ(moved_event(2, "node-c"),
            (event_text{"Moved",
                        "moved from 2 nodes onto node-c: one node runs it faster than several; its workers "
                        "restart from their last checkpoint",
                        "Normal"}));
}

TEST(events, preempted) {
  EXPECT_EQ(preempted_event("ml/bert", 3),
            (event_text{"Preempted", "preempted by ml/bert (priority 3); workers stopped, back in the queue",
                        "Warning"}));
}

TEST(events, stopped_without_a_preemptor_says_why) {
  EXPECT_EQ(
      stopped_event("cannot keep minSize after losing workers"),
      (event_text{"Preempted", "cannot keep minSize after losing workers; workers stopped, back in the queue",
                  "Warning"}));
}

TEST(events, requeued) {
  const auto e =
      requeued_event("resnet-worker-1", milliseconds(120'000), test::at("2026-11-28T10:03:00Z"), 1);
  EXPECT_EQ(e,
            (event_text{"Requeued",
                        "worker pod resnet-worker-1 stayed Pending for 2m; back in the queue, cooldown until "
                        "2026-11-28T10:03:00Z (schedule failure 1)",
                        "Warning"}));
}

TEST(events, completed_failed_invalid) {
  EXPECT_EQ(completed_event("all 2 workers succeeded"),
            (event_text{"Completed", "all 2 workers succeeded", "Normal"}));
  EXPECT_EQ(failed_event("DeadlineExceeded", "ran too long"),
            (event_text{"Failed", "DeadlineExceeded: ran too long", "Warning"}));
  EXPECT_EQ(
      invalid_event({{"spec.minSize", "must be at least 1 (got 0)"}}),
      (event_text{
          "Invalid",
          "invalid spec, the job will not run until it is fixed: spec.minSize: must be at least 1 (got 0)",
          "Warning"}));
}

struct duration_case {
  long long ms;
  std::string text;
};

class format_duration_cases : public ::testing::TestWithParam<duration_case> {};

TEST_P(format_duration_cases, reads_like_a_human_wrote_it) {
  EXPECT_EQ(format_duration(milliseconds(GetParam().ms)), GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(cases, format_duration_cases,
                         ::testing::Values(duration_case{0, "0s"}, duration_case{999, "0s"},
                                           duration_case{45'000, "45s"}, duration_case{120'000, "2m"},
                                           duration_case{150'000, "2m30s"}, duration_case{3'900'000, "1h5m"},
                                           duration_case{3'600'001, "1h"}, duration_case{-5'000, "0s"}));

} // namespace
} // namespace lattice::lifecycle
