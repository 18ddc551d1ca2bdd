#include "builders.hpp"
#include "lifecycle/job_status.hpp"

#include <gtest/gtest.h>

namespace lattice::lifecycle {
namespace {

using k8s::condition_status;
using k8s::pod_phase;
using test::at;
using test::make_job;
using test::make_worker;
namespace ct = condition_type;

condition_update make_update(std::string_view type, condition_status s = condition_status::true_,
                             std::string reason = "R") {
  return {type, s, std::move(reason), "msg"};
}

TEST(set_condition, adds_a_condition_with_both_times) {
  k8s::exec_status s;
  EXPECT_TRUE(set_condition(s, make_update(ct::created), "t1", 1));
  const auto* c = find_condition(s, ct::created);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, condition_status::true_);
  EXPECT_EQ(c->last_transition_time, "t1");
  EXPECT_EQ(c->last_update_time, "t1");
  EXPECT_EQ(c->observed_generation, 1);
}

TEST(set_condition, transition_time_moves_only_when_status_changes) {
  k8s::exec_status s;
  set_condition(s, make_update(ct::running, condition_status::true_, "A"), "t1", 1);
  // Same everything: no change reported, no times touched.
  EXPECT_FALSE(set_condition(s, make_update(ct::running, condition_status::true_, "A"), "t2", 1));
  EXPECT_EQ(find_condition(s, ct::running)->last_update_time, "t1");
  // New reason, same status: update time moves, transition time stays.
  EXPECT_TRUE(set_condition(s, make_update(ct::running, condition_status::true_, "B"), "t3", 2));
  EXPECT_EQ(find_condition(s, ct::running)->last_transition_time, "t1");
  EXPECT_EQ(find_condition(s, ct::running)->last_update_time, "t3");
  EXPECT_EQ(find_condition(s, ct::running)->observed_generation, 2);
  // Status change: transition time moves.
  EXPECT_TRUE(set_condition(s, make_update(ct::running, condition_status::false_, "B"), "t4", 2));
  EXPECT_EQ(find_condition(s, ct::running)->last_transition_time, "t4");
}

struct exclusion_case {
  std::string name;
  std::string_view first;
  std::string_view second;
};

class set_condition_exclusive : public ::testing::TestWithParam<exclusion_case> {};

TEST_P(set_condition_exclusive, the_new_true_condition_turns_the_other_false) {
  k8s::exec_status s;
  set_condition(s, make_update(GetParam().first), "t1", 1);
  set_condition(s, make_update(GetParam().second, condition_status::true_, "Why"), "t2", 1);
  EXPECT_TRUE(condition_is_true(s, GetParam().second));
  const auto* old = find_condition(s, GetParam().first);
  EXPECT_EQ(old->status, condition_status::false_);
  EXPECT_EQ(old->reason, "Why");
  EXPECT_EQ(old->last_transition_time, "t2");
}

INSTANTIATE_TEST_SUITE_P(
    pairs, set_condition_exclusive,
    ::testing::Values(exclusion_case{"running_then_restarting", ct::running, ct::restarting},
                      exclusion_case{"restarting_then_running", ct::restarting, ct::running},
                      exclusion_case{"queued_then_running", ct::queued, ct::running},
                      exclusion_case{"running_then_queued", ct::running, ct::queued},
                      exclusion_case{"running_then_suspended", ct::running, ct::suspended},
                      exclusion_case{"running_then_succeeded", ct::running, ct::succeeded},
                      exclusion_case{"restarting_then_failed", ct::restarting, ct::failed}),
    [](const auto& info) { return info.param.name; });

TEST(set_condition, excluded_conditions_are_not_added_when_absent) {
  k8s::exec_status s;
  set_condition(s, make_update(ct::running), "t1", 1);
  ASSERT_EQ(s.conditions.size(), 1u);
  EXPECT_EQ(find_condition(s, ct::restarting), nullptr);
}

TEST(set_condition, terminal_conditions_are_final) {
  k8s::exec_status s;
  set_condition(s, make_update(ct::running), "t1", 1);
  set_condition(s, make_update(ct::succeeded), "t2", 1);
  EXPECT_TRUE(is_finished(s));
  EXPECT_FALSE(set_condition(s, make_update(ct::running), "t3", 1));
  EXPECT_FALSE(set_condition(s, make_update(ct::failed), "t3", 1));
  EXPECT_FALSE(set_condition(s, make_update(ct::succeeded, condition_status::false_), "t3", 1));
  EXPECT_TRUE(condition_is_true(s, ct::succeeded));
  EXPECT_FALSE(condition_is_true(s, ct::running));
  EXPECT_EQ(find_condition(s, ct::failed), nullptr);
}

TEST(count_workers, counts_active_succeeded_failed) {
  auto deleting = make_worker(4, pod_phase::running);
  deleting.meta.deletion_timestamp = "2026-11-28T09:30:00Z";
  const auto r = count_workers({make_worker(0, pod_phase::running), make_worker(1, pod_phase::pending),
                                make_worker(2, pod_phase::succeeded), make_worker(3, pod_phase::failed),
                                deleting, make_worker(5, pod_phase::unknown)});
  EXPECT_EQ(r.replica_type, "Worker");
  EXPECT_EQ(r.active, 3);
  EXPECT_EQ(r.succeeded, 1);
  EXPECT_EQ(r.failed, 1);
}

const evaluation_config config{{}, test::group};
const auto now = at("2026-11-28T10:00:00Z");

TEST(evaluate, completes_when_every_current_worker_succeeded) {
  const auto job = make_job();
  const auto out = evaluate(job, {make_worker(0, pod_phase::succeeded), make_worker(1, pod_phase::succeeded)},
                            now, config);
  EXPECT_EQ(out.kind, outcome_kind::completed);
  EXPECT_EQ(out.reason, "AllWorkersSucceeded");
  EXPECT_EQ(out.message, "all 2 workers succeeded");
}

TEST(evaluate, does_not_complete_with_a_worker_missing_or_still_running) {
  const auto job = make_job();
  EXPECT_EQ(evaluate(job, {make_worker(0, pod_phase::succeeded)}, now, config).kind, outcome_kind::nothing);
  EXPECT_EQ(
      evaluate(job, {make_worker(0, pod_phase::succeeded), make_worker(1, pod_phase::running)}, now, config)
          .kind,
      outcome_kind::nothing);
  // A succeeded pod of an index beyond currentSize does not stand in for index 1.
  EXPECT_EQ(
      evaluate(job, {make_worker(0, pod_phase::succeeded), make_worker(2, pod_phase::succeeded)}, now, config)
          .kind,
      outcome_kind::nothing);
}

TEST(evaluate, only_running_unfinished_jobs_are_evaluated) {
  auto job = make_job();
  const std::vector<k8s::pod> done = {make_worker(0, pod_phase::succeeded),
                                      make_worker(1, pod_phase::succeeded)};
  job.status.stage = "Waiting";
  EXPECT_EQ(evaluate(job, done, now, config).kind, outcome_kind::nothing);
  job.status.stage = "Completed";
  EXPECT_EQ(evaluate(job, done, now, config).kind, outcome_kind::nothing);
  job.status.stage = "Running";
  job.status.exec.conditions.push_back({"Failed", condition_status::true_, "X", "", "", "", 1});
  EXPECT_EQ(evaluate(job, done, now, config).kind, outcome_kind::nothing);
}

struct failure_case {
  std::string name;
  std::optional<std::int32_t> backoff_limit;
  int failed_pods;
  int restarts;
  std::string failed_reason;
  outcome_kind expected;
  std::string expected_reason;
};

class evaluate_failures : public ::testing::TestWithParam<failure_case> {};

TEST_P(evaluate_failures, fail_only_beyond_backoff_limit) {
  auto job = make_job();
  job.spec.run.backoff_limit = GetParam().backoff_limit;
  std::vector<k8s::pod> pods = {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)};
  pods[0].container_statuses.push_back({"trainingjob", true, false, GetParam().restarts, 0, ""});
  for (int i = 0; i < GetParam().failed_pods; ++i) {
    pods.push_back(make_worker(2 + i, pod_phase::failed));
    pods.back().reason = GetParam().failed_reason;
  }
  const auto out = evaluate(job, pods, now, config);
  EXPECT_EQ(out.kind, GetParam().expected);
  EXPECT_EQ(out.reason, GetParam().expected_reason);
}

INSTANTIATE_TEST_SUITE_P(
    cases, evaluate_failures,
    ::testing::Values(
        failure_case{"limit3_three_failures", 3, 1, 2, "", outcome_kind::nothing, ""},
        failure_case{"limit3_four_failures", 3, 2, 2, "", outcome_kind::failed, "BackoffLimitExceeded"},
        failure_case{"limit0_one_restart", 0, 0, 1, "", outcome_kind::failed, "BackoffLimitExceeded"},
        failure_case{"limit0_no_failures", 0, 0, 0, "", outcome_kind::nothing, ""},
        failure_case{"unset_restarts_ignored", std::nullopt, 0, 5, "", outcome_kind::nothing, ""},
        failure_case{"unset_failed_pod_fails", std::nullopt, 1, 0, "Error", outcome_kind::failed,
                     "WorkerFailed"},
        failure_case{"evicted_not_counted", std::nullopt, 2, 0, "Evicted", outcome_kind::nothing, ""},
        failure_case{"node_lost_not_counted", 0, 1, 0, "NodeLost", outcome_kind::nothing, ""}),
    [](const auto& info) { return info.param.name; });

TEST(evaluate, failure_message_says_how_often) {
  auto job = make_job();
  job.spec.run.backoff_limit = 1;
  auto failed = make_worker(2, pod_phase::failed);
  auto restarted = make_worker(0, pod_phase::running);
  restarted.container_statuses.push_back({"trainingjob", true, false, 1, 0, ""});
  const auto out = evaluate(job, {restarted, make_worker(1, pod_phase::running), failed}, now, config);
  EXPECT_EQ(out.message,
            "workers failed 2 times (1 container restarts, 1 failed pods), more than backoffLimit 1");
}

struct retried_case {
  std::string name;
  std::optional<std::int32_t> backoff_limit;
  std::string annotation; // <group>/worker-failures, "" = absent
  int failed_pods;
  outcome_kind expected;
  std::string expected_reason;
};

class evaluate_retried_failures : public ::testing::TestWithParam<retried_case> {};

// Failed workers the actor deleted to retry them are gone from the pod list;
// the annotation keeps counting them toward backoffLimit.
TEST_P(evaluate_retried_failures, the_annotation_counts_toward_backoff_limit) {
  auto job = make_job();
  job.spec.run.backoff_limit = GetParam().backoff_limit;
  if (!GetParam().annotation.empty())
    job.meta.annotations[test::group + "/worker-failures"] = GetParam().annotation;
  std::vector<k8s::pod> pods = {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)};
  for (int i = 0; i < GetParam().failed_pods; ++i)
    pods.push_back(make_worker(2 + i, pod_phase::failed));
  const auto out = evaluate(job, pods, now, config);
  EXPECT_EQ(out.kind, GetParam().expected);
  EXPECT_EQ(out.reason, GetParam().expected_reason);
}

INSTANTIATE_TEST_SUITE_P(
    cases, evaluate_retried_failures,
    ::testing::Values(
        retried_case{"limit1_one_retried", 1, "1", 0, outcome_kind::nothing, ""},
        retried_case{"limit1_one_retried_one_failed", 1, "1", 1, outcome_kind::failed,
                     "BackoffLimitExceeded"},
        retried_case{"limit1_two_retried", 1, "2", 0, outcome_kind::failed, "BackoffLimitExceeded"},
        retried_case{"limit0_one_retried", 0, "1", 0, outcome_kind::failed, "BackoffLimitExceeded"},
        retried_case{"unset_limit_one_retried", std::nullopt, "1", 0, outcome_kind::failed, "WorkerFailed"},
        retried_case{"malformed_reads_as_zero", 0, "two", 0, outcome_kind::nothing, ""},
        retried_case{"negative_reads_as_zero", 0, "-3", 0, outcome_kind::nothing, ""}),
    [](const auto& info) { return info.param.name; });

TEST(evaluate, retried_failures_appear_in_the_message) {
  auto job = make_job();
  job.spec.run.backoff_limit = 1;
  job.meta.annotations[test::group + "/worker-failures"] = "2";
  auto out =
      evaluate(job, {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)}, now, config);
  EXPECT_EQ(out.message,
            "workers failed 2 times (0 container restarts, 2 failed pods), more than backoffLimit 1");
  job.spec.run.backoff_limit.reset();
  out = evaluate(job, {make_worker(0, pod_phase::running)}, now, config);
  EXPECT_EQ(
      out.message,
      "worker pod (an earlier, retried worker) failed and runPolicy.backoffLimit is not set, so no retries");
}

TEST(evaluate, fails_past_active_deadline_since_start) {
  auto job = make_job(); // started 09:01:00
  job.spec.run.active_deadline_seconds = 3540;
  const std::vector<k8s::pod> pods = {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)};
  EXPECT_EQ(evaluate(job, pods, at("2026-11-28T09:59:59Z"), config).kind, outcome_kind::nothing);
  const auto out = evaluate(job, pods, at("2026-11-28T10:00:00Z"), config);
  EXPECT_EQ(out.kind, outcome_kind::failed);
  EXPECT_EQ(out.reason, "DeadlineExceeded");
  EXPECT_EQ(out.message,
            "ran longer than activeDeadlineSeconds (3540 seconds) since it started at 2026-11-28T09:01:00Z");
  // Deadline wins over completion in the same pass.
  EXPECT_EQ(evaluate(job, {make_worker(0, pod_phase::succeeded), make_worker(1, pod_phase::succeeded)},
                     at("2026-11-28T10:00:00Z"), config)
                .kind,
            outcome_kind::failed);
}

TEST(evaluate, first_pending_worker_sets_requeue_time) {
  const auto job = make_job();
  const auto out =
      evaluate(job, {make_worker(0, pod_phase::running), make_worker(1, pod_phase::pending)}, now, config);
  EXPECT_EQ(out.kind, outcome_kind::set_requeue_time);
  EXPECT_EQ(out.requeue_time, at("2026-11-28T10:02:00Z")); // default timeout 2m
  EXPECT_EQ(out.pending_pod, "resnet-worker-1");
}

TEST(evaluate, pending_before_requeue_time_waits) {
  auto job = make_job();
  job.status.requeue_time = "2026-11-28T10:02:00Z";
  const std::vector<k8s::pod> pods = {make_worker(0, pod_phase::running), make_worker(1, pod_phase::pending)};
  EXPECT_EQ(evaluate(job, pods, at("2026-11-28T10:01:59Z"), config).kind, outcome_kind::nothing);
}

struct requeue_case {
  std::string name;
  std::string previous_failures; // annotation value, "" = absent
  std::string expected_cooldown;
  std::int32_t expected_failures;
};

class evaluate_requeue : public ::testing::TestWithParam<requeue_case> {};

TEST_P(evaluate_requeue, still_pending_at_requeue_time_goes_back_to_the_queue) {
  auto job = make_job();
  job.status.requeue_time = "2026-11-28T10:02:00Z";
  if (!GetParam().previous_failures.empty())
    job.meta.annotations[test::group + "/schedule-failures"] = GetParam().previous_failures;
  const auto t = at("2026-11-28T10:02:00Z");
  const auto out =
      evaluate(job, {make_worker(0, pod_phase::running), make_worker(1, pod_phase::pending)}, t, config);
  ASSERT_EQ(out.kind, outcome_kind::requeue);
  ASSERT_TRUE(out.requeue.has_value());
  EXPECT_EQ(out.requeue->queued_time, t);
  EXPECT_EQ(base::format_rfc3339(out.requeue->cooldown_time), GetParam().expected_cooldown);
  EXPECT_EQ(out.requeue->schedule_failures, GetParam().expected_failures);
  EXPECT_EQ(out.pending_pod, "resnet-worker-1");
  EXPECT_EQ(out.pending_since, at("2026-11-28T10:00:00Z"));
}

// Default cooldown: 60s base doubling per consecutive failure, capped at 15m.
INSTANTIATE_TEST_SUITE_P(arithmetic, evaluate_requeue,
                         ::testing::Values(requeue_case{"first_failure", "", "2026-11-28T10:03:00Z", 1},
                                           requeue_case{"second_failure", "1", "2026-11-28T10:04:00Z", 2},
                                           requeue_case{"fourth_failure", "3", "2026-11-28T10:10:00Z", 4},
                                           requeue_case{"capped", "9", "2026-11-28T10:17:00Z", 10},
                                           requeue_case{"garbage_counts_as_none", "x", "2026-11-28T10:03:00Z",
                                                        1}),
                         [](const auto& info) { return info.param.name; });

TEST(evaluate, requeue_time_is_cleared_once_nothing_is_pending) {
  auto job = make_job();
  const std::vector<k8s::pod> pods = {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)};
  job.status.requeue_time = "2026-11-28T09:59:00Z"; // passed
  EXPECT_EQ(evaluate(job, pods, now, config).kind, outcome_kind::clear_requeue_time);
  job.status.requeue_time = "2026-11-28T10:01:00Z"; // still ahead: every worker got placed in time
  EXPECT_EQ(evaluate(job, pods, now, config).kind, outcome_kind::clear_requeue_time);
  job.status.requeue_time.clear();
  EXPECT_EQ(evaluate(job, pods, now, config).kind, outcome_kind::nothing);
}

TEST(evaluate, deleting_pending_pods_do_not_start_the_requeue_timer) {
  auto pending = make_worker(1, pod_phase::pending);
  pending.meta.deletion_timestamp = "2026-11-28T09:59:00Z";
  EXPECT_EQ(evaluate(make_job(), {make_worker(0, pod_phase::running), pending}, now, config).kind,
            outcome_kind::nothing);
}

struct scheduled_case {
  std::string name;
  std::vector<k8s::pod> pods;
  bool expected;
};

class all_workers_scheduled_cases : public ::testing::TestWithParam<scheduled_case> {};

TEST_P(all_workers_scheduled_cases, needs_every_index_live_and_none_pending) {
  EXPECT_EQ(all_workers_scheduled(make_job(), GetParam().pods, test::group), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    cases, all_workers_scheduled_cases,
    ::testing::Values(
        scheduled_case{
            "both_running", {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)}, true},
        scheduled_case{
            "one_pending", {make_worker(0, pod_phase::running), make_worker(1, pod_phase::pending)}, false},
        scheduled_case{"one_missing", {make_worker(0, pod_phase::running)}, false},
        scheduled_case{
            "one_failed", {make_worker(0, pod_phase::running), make_worker(1, pod_phase::failed)}, false}),
    [](const auto& info) { return info.param.name; });

TEST(all_workers_scheduled, waiting_jobs_are_not_scheduled) {
  auto job = make_job();
  job.status.stage = "Waiting";
  EXPECT_FALSE(all_workers_scheduled(
      job, {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)}, test::group));
}

struct clean_case {
  std::string name;
  std::string policy;
  std::vector<std::string> expected;
};

class clean_pod_policy : public ::testing::TestWithParam<clean_case> {};

TEST_P(clean_pod_policy, selects_the_pods_to_delete) {
  auto deleting = make_worker(4, pod_phase::running);
  deleting.meta.deletion_timestamp = "2026-11-28T09:59:00Z";
  const std::vector<k8s::pod> pods = {make_worker(0, pod_phase::running), make_worker(1, pod_phase::pending),
                                      make_worker(2, pod_phase::succeeded), make_worker(3, pod_phase::failed),
                                      deleting};
  EXPECT_EQ(pods_to_delete_on_finish(GetParam().policy, pods), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    policies, clean_pod_policy,
    ::testing::Values(
        clean_case{
            "all", "All", {"resnet-worker-0", "resnet-worker-1", "resnet-worker-2", "resnet-worker-3"}},
        clean_case{"running", "Running", {"resnet-worker-0", "resnet-worker-1"}},
        clean_case{"none", "None", {}}, clean_case{"unset_means_none", "", {}}),
    [](const auto& info) { return info.param.name; });

} // namespace
} // namespace lattice::lifecycle
