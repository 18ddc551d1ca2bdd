#include "builders.hpp"
#include "lifecycle/status_fields.hpp"

#include <gtest/gtest.h>

namespace lattice::lifecycle {
namespace {

TEST(initialize_status, sets_submit_queued_and_waiting_once) {
  k8s::training_job_status s;
  EXPECT_TRUE(initialize_status(s, "2026-11-28T09:00:00Z", "2026-11-28T09:00:05Z"));
  EXPECT_EQ(s.submit_time, "2026-11-28T09:00:00Z");
  EXPECT_EQ(s.queued_time, "2026-11-28T09:00:00Z");
  EXPECT_EQ(s.stage, "Waiting");
  EXPECT_FALSE(initialize_status(s, "2026-11-28T09:00:00Z", "2026-11-28T09:10:00Z"));
}

TEST(initialize_status, bad_creation_timestamp_falls_back_to_now_and_running_stays) {
  k8s::training_job_status s;
  s.stage = "Running";
  EXPECT_TRUE(initialize_status(s, "", "2026-11-28T09:00:05Z"));
  EXPECT_EQ(s.submit_time, "2026-11-28T09:00:05Z");
  EXPECT_EQ(s.stage, "Running");
}

TEST(apply_decision, admission_sets_size_exec_times_and_clears_requeue) {
  k8s::training_job_status s;
  initialize_status(s, "2026-11-28T09:00:00Z", "2026-11-28T09:00:00Z");
  s.requeue_time = "2026-11-28T09:02:00Z";
  EXPECT_TRUE(apply_decision(s, true, 2, "2026-11-28T09:01:00Z"));
  EXPECT_EQ(s.stage, "Running");
  EXPECT_EQ(s.current_size, 2);
  EXPECT_EQ(s.last_exec_time, "2026-11-28T09:01:00Z");
  EXPECT_EQ(s.exec.start_time, "2026-11-28T09:01:00Z");
  EXPECT_EQ(s.requeue_time, "");
  EXPECT_FALSE(apply_decision(s, true, 2, "2026-11-28T09:02:00Z"));
}

TEST(apply_decision, resize_clears_requeue_but_keeps_exec_times) {
  k8s::training_job_status s;
  apply_decision(s, true, 2, "2026-11-28T09:01:00Z");
  s.requeue_time = "2026-11-28T09:03:00Z";
  EXPECT_TRUE(apply_decision(s, true, 4, "2026-11-28T09:05:00Z"));
  EXPECT_EQ(s.current_size, 4);
  EXPECT_EQ(s.requeue_time, "");
  EXPECT_EQ(s.last_exec_time, "2026-11-28T09:01:00Z");
}

TEST(apply_decision, preemption_goes_to_the_back_of_the_queue_and_restart_keeps_start_time) {
  k8s::training_job_status s;
  initialize_status(s, "2026-11-28T09:00:00Z", "2026-11-28T09:00:00Z");
  apply_decision(s, true, 2, "2026-11-28T09:01:00Z");
  EXPECT_TRUE(apply_decision(s, false, 2, "2026-11-28T09:30:00Z"));
  EXPECT_EQ(s.stage, "Waiting");
  EXPECT_EQ(s.current_size, 0);
  EXPECT_EQ(s.queued_time, "2026-11-28T09:30:00Z");
  apply_decision(s, true, 3, "2026-11-28T09:40:00Z");
  EXPECT_EQ(s.last_exec_time, "2026-11-28T09:40:00Z");
  EXPECT_EQ(s.exec.start_time, "2026-11-28T09:01:00Z");
}

TEST(apply_requeue, writes_rule_5_fields) {
  k8s::training_job_status s;
  apply_decision(s, true, 2, "2026-11-28T09:01:00Z");
  EXPECT_TRUE(apply_requeue_time(s, "2026-11-28T09:03:00Z"));
  EXPECT_FALSE(apply_requeue_time(s, "2026-11-28T09:03:00Z"));
  const auto out = scheduling::on_schedule_failure(test::at("2026-11-28T09:03:00Z"), 0, {});
  EXPECT_TRUE(apply_requeue(s, out));
  EXPECT_EQ(s.stage, "Waiting");
  EXPECT_EQ(s.current_size, 0);
  EXPECT_EQ(s.queued_time, "2026-11-28T09:03:00Z");
  EXPECT_EQ(s.cooldown_time, "2026-11-28T09:04:00Z");
  EXPECT_EQ(s.requeue_time, "");
}

TEST(clear_requeue_time, reports_whether_it_changed) {
  k8s::training_job_status s;
  EXPECT_FALSE(clear_requeue_time(s));
  s.requeue_time = "2026-11-28T09:03:00Z";
  EXPECT_TRUE(clear_requeue_time(s));
}

TEST(apply_finish, sets_stage_and_both_completion_times_once) {
  k8s::training_job_status s;
  apply_decision(s, true, 3, "2026-11-28T09:01:00Z");
  s.requeue_time = "2026-11-28T09:03:00Z";
  EXPECT_TRUE(apply_finish(s, false, "2026-11-28T10:00:00Z"));
  EXPECT_EQ(s.stage, "Failed");
  EXPECT_EQ(s.completion_time, "2026-11-28T10:00:00Z");
  EXPECT_EQ(s.exec.completion_time, "2026-11-28T10:00:00Z");
  EXPECT_EQ(s.requeue_time, "");
  EXPECT_EQ(s.current_size, 3);
  EXPECT_FALSE(apply_finish(s, true, "2026-11-28T10:05:00Z"));
  EXPECT_EQ(s.stage, "Failed");
}

} // namespace
} // namespace lattice::lifecycle
