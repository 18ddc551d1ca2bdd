#include "lifecycle/status_fields.hpp"
#include "test/support/builders.hpp"

#include <gtest/gtest.h>

namespace lattice::lifecycle {
namespace {

using test::at;

/// The status as the API writes it: the assertions read its text.
k8s::training_job_status api(const job_status& s) {
  return to_api(s);
}

TEST(initialize_status, sets_submit_queued_and_waiting_once) {
  job_status s;
  EXPECT_TRUE(initialize_status(s, at("2026-11-28T09:00:00Z"), at("2026-11-28T09:00:05Z")));
  EXPECT_EQ(api(s).submit_time, "2026-11-28T09:00:00Z");
  EXPECT_EQ(api(s).queued_time, "2026-11-28T09:00:00Z");
  EXPECT_EQ(s.stage, stage::waiting);
  EXPECT_FALSE(initialize_status(s, at("2026-11-28T09:00:00Z"), at("2026-11-28T09:10:00Z")));
}

TEST(initialize_status, no_creation_time_falls_back_to_now_and_running_stays) {
  job_status s;
  s.stage = stage::running;
  EXPECT_TRUE(initialize_status(s, std::nullopt, at("2026-11-28T09:00:05.750Z")));
  EXPECT_EQ(api(s).submit_time, "2026-11-28T09:00:05Z");
  EXPECT_EQ(s.submit_time, at("2026-11-28T09:00:05Z")) << "kept at the API's precision";
  EXPECT_EQ(s.stage, stage::running);
}

TEST(apply_decision, admission_sets_size_exec_times_and_clears_requeue) {
  job_status s;
  initialize_status(s, at("2026-11-28T09:00:00Z"), at("2026-11-28T09:00:00Z"));
  s.requeue_time = at("2026-11-28T09:02:00Z");
  EXPECT_TRUE(apply_decision(s, true, 2, at("2026-11-28T09:01:00Z")));
  EXPECT_EQ(s.stage, stage::running);
  EXPECT_EQ(s.current_size, 2);
  EXPECT_EQ(api(s).last_exec_time, "2026-11-28T09:01:00Z");
  EXPECT_EQ(s.exec.start_time, "2026-11-28T09:01:00Z");
  EXPECT_EQ(api(s).requeue_time, "");
  EXPECT_FALSE(apply_decision(s, true, 2, at("2026-11-28T09:02:00Z")));
}

TEST(apply_decision, resize_clears_requeue_but_keeps_exec_times) {
  job_status s;
  apply_decision(s, true, 2, at("2026-11-28T09:01:00Z"));
  s.requeue_time = at("2026-11-28T09:03:00Z");
  EXPECT_TRUE(apply_decision(s, true, 4, at("2026-11-28T09:05:00Z")));
  EXPECT_EQ(s.current_size, 4);
  EXPECT_EQ(api(s).requeue_time, "");
  EXPECT_EQ(api(s).last_exec_time, "2026-11-28T09:01:00Z");
}

TEST(apply_decision, preemption_goes_to_the_back_of_the_queue_and_restart_keeps_start_time) {
  job_status s;
  initialize_status(s, at("2026-11-28T09:00:00Z"), at("2026-11-28T09:00:00Z"));
  apply_decision(s, true, 2, at("2026-11-28T09:01:00Z"));
  EXPECT_TRUE(apply_decision(s, false, 2, at("2026-11-28T09:30:00Z")));
  EXPECT_EQ(s.stage, stage::waiting);
  EXPECT_EQ(s.current_size, 0);
  EXPECT_EQ(api(s).queued_time, "2026-11-28T09:30:00Z");
  apply_decision(s, true, 3, at("2026-11-28T09:40:00Z"));
  EXPECT_EQ(api(s).last_exec_time, "2026-11-28T09:40:00Z");
  EXPECT_EQ(s.exec.start_time, "2026-11-28T09:01:00Z");
}

TEST(apply_requeue, writes_rule_5_fields) {
  job_status s;
  apply_decision(s, true, 2, at("2026-11-28T09:01:00Z"));
  EXPECT_TRUE(apply_requeue_time(s, at("2026-11-28T09:03:00Z")));
  EXPECT_FALSE(apply_requeue_time(s, at("2026-11-28T09:03:00Z")));
  const auto out = scheduling::on_schedule_failure(at("2026-11-28T09:03:00Z"), 0, {});
  EXPECT_TRUE(apply_requeue(s, out));
  EXPECT_EQ(s.stage, stage::waiting);
  EXPECT_EQ(s.current_size, 0);
  EXPECT_EQ(api(s).queued_time, "2026-11-28T09:03:00Z");
  EXPECT_EQ(api(s).cooldown_time, "2026-11-28T09:04:00Z");
  EXPECT_EQ(api(s).requeue_time, "");
}

TEST(clear_requeue_time, reports_whether_it_changed) {
  job_status s;
  EXPECT_FALSE(clear_requeue_time(s));
  s.requeue_time = at("2026-11-28T09:03:00Z");
  EXPECT_TRUE(clear_requeue_time(s));
}

TEST(apply_finish, sets_stage_and_both_completion_times_once) {
  job_status s;
  apply_decision(s, true, 3, at("2026-11-28T09:01:00Z"));
  s.requeue_time = at("2026-11-28T09:03:00Z");
  EXPECT_TRUE(apply_finish(s, false, at("2026-11-28T10:00:00Z")));
  EXPECT_EQ(s.stage, stage::failed);
  EXPECT_EQ(api(s).completion_time, "2026-11-28T10:00:00Z");
  EXPECT_EQ(s.exec.completion_time, "2026-11-28T10:00:00Z");
  EXPECT_EQ(api(s).requeue_time, "");
  EXPECT_EQ(s.current_size, 3);
  EXPECT_FALSE(apply_finish(s, true, at("2026-11-28T10:05:00Z")));
  EXPECT_EQ(s.stage, stage::failed);
}

TEST(stage, maps_to_the_api_text_and_back) {
  for (auto s : {stage::unset, stage::waiting, stage::running, stage::completed, stage::failed})
    EXPECT_EQ(stage_from_api(to_api(s)), s) << to_api(s);
  EXPECT_EQ(to_api(stage::running), "Running");
  EXPECT_EQ(stage_from_api("Pending"), stage::unset) << "text the operator never writes";
}

} // namespace
} // namespace lattice::lifecycle
