#include "lifecycle/conditions.hpp"
#include "lifecycle/status_fields.hpp"
#include "lifecycle/status_write.hpp"

#include <gtest/gtest.h>

namespace lattice::lifecycle {
namespace {

/// A waiting job's status as the job actor keeps it.
k8s::training_job_status waiting_status() {
  const auto t0 = *base::parse_rfc3339("2026-11-28T09:00:00Z");
  job_status typed;
  initialize_status(typed, t0, t0);
  auto s = to_api(typed);
  set_condition(s.exec,
                {condition_type::queued, k8s::condition_status::true_, "Waiting",
                 "needs 4 x {nvidia.com/gpu: 8}; largest placement possible now: 0"},
                "2026-11-28T09:00:00Z", 1);
  s.exec.replica_statuses.push_back({"Worker", 0, 0, 0});
  return s;
}

status_write_urgency after(const k8s::training_job_status& written, const k8s::training_job_status& now) {
  return classify_status_change(sign_status(written), sign_status(now));
}

TEST(status_write, nothing_written_yet_goes_out_now) {
  EXPECT_EQ(classify_status_change({}, sign_status(waiting_status())), status_write_urgency::now);
}

TEST(status_write, signatures_are_never_zero) {
  const auto sig = sign_status(k8s::training_job_status{});
  EXPECT_NE(sig.decisive, 0u);
  EXPECT_NE(sig.counts, 0u);
}

TEST(status_write, a_new_planner_message_alone_waits_for_the_message_delay) {
  const auto written = waiting_status();
  auto now = written;
  set_condition(now.exec,
                {condition_type::queued, k8s::condition_status::true_, "Waiting",
                 "needs 4 x {nvidia.com/gpu: 8}; largest placement possible now: 3"},
                "2026-11-28T09:00:30Z", 1);
  ASSERT_EQ(now.exec.conditions.back().last_update_time, "2026-11-28T09:00:30Z");
  EXPECT_EQ(after(written, now), status_write_urgency::later);
}

TEST(status_write, a_new_reason_or_status_goes_out_now) {
  const auto written = waiting_status();
  auto preempted = written;
  set_condition(preempted.exec,
                {condition_type::queued, k8s::condition_status::true_, "Preempted", "preempted by ns/other"},
                "2026-11-28T09:00:30Z", 1);
  EXPECT_EQ(after(written, preempted), status_write_urgency::now);

  auto admitted = written;
  admitted.stage = "Running";
  admitted.current_size = 4;
  EXPECT_EQ(after(written, admitted), status_write_urgency::now) << "stage, size and times";
}

TEST(status_write, replica_counts_alone_are_batched_soon) {
  auto written = waiting_status();
  written.stage = "Running";
  written.current_size = 4;
  auto now = written;
  now.exec.replica_statuses.back().active = 3;
  EXPECT_EQ(after(written, now), status_write_urgency::soon);
  now.exec.conditions.back().message = "a message changed too";
  EXPECT_EQ(after(written, now), status_write_urgency::soon) << "counts beat messages";
}

TEST(status_write, a_requeue_time_alone_is_batched_soon_and_set_then_cleared_is_no_change) {
  auto written = waiting_status();
  written.stage = "Running";
  written.current_size = 4;
  auto pending = written;
  pending.requeue_time = "2026-11-28T09:02:00Z";
  EXPECT_EQ(after(written, pending), status_write_urgency::soon) << "rule 5's deadline set";
  auto running = pending;
  running.requeue_time.clear();
  EXPECT_EQ(after(written, running), status_write_urgency::later)
      << "cleared before it went out: nothing to write";
  EXPECT_EQ(after(pending, running), status_write_urgency::soon) << "cleared after it went out";
  auto requeued = pending;
  requeued.stage = "Waiting";
  EXPECT_EQ(after(written, requeued), status_write_urgency::now) << "with a stage change it goes at once";
}

TEST(status_write, the_reconcile_time_alone_changes_nothing_urgent) {
  const auto written = waiting_status();
  auto now = written;
  now.exec.last_reconcile_time = "2026-11-28T09:05:00Z";
  EXPECT_EQ(after(written, now), status_write_urgency::later);
}

TEST(status_write, the_rate_of_another_size_goes_out_now_a_new_rate_of_the_same_size_later) {
  auto written = waiting_status();
  written.stage = "Running";
  written.current_size = 2;
  written.throughput = k8s::throughput_status{31.5, 1, 1, "2026-11-28T09:00:20Z"};
  // Grown to 2: the rate shown must be of 2 workers, not the one measured at 1.
  auto grown = written;
  grown.throughput = k8s::throughput_status{57.9, 2, 1, "2026-11-28T09:01:20Z"};
  EXPECT_EQ(after(written, grown), status_write_urgency::now) << "another size";
  auto spread = written;
  spread.throughput = k8s::throughput_status{31.5, 1, 2, "2026-11-28T09:01:20Z"};
  EXPECT_EQ(after(written, spread), status_write_urgency::now) << "another node count";
  auto remeasured = written;
  remeasured.throughput = k8s::throughput_status{32.1, 1, 1, "2026-11-28T09:01:20Z"};
  EXPECT_EQ(after(written, remeasured), status_write_urgency::later) << "the same size, a new rate";
}

} // namespace
} // namespace lattice::lifecycle
