#include "lifecycle/job_rules.hpp"
#include "test/support/builders.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace lattice::lifecycle {
namespace {

using k8s::condition_status;
using k8s::pod_phase;
using test::at;
using test::make_worker;

/// A running job of size 2 (min 2, max 4), started 09:01:00.
test::job_builder running_job() {
  return test::make_job()
      .min(2)
      .stage("Running")
      .size(2)
      .status_field("submitTime", "2026-11-28T09:00:00Z")
      .started("2026-11-28T09:01:00Z");
}

job_model model(const test::job_builder& job, const std::vector<k8s::pod>& pods) {
  return test::make_model(job, pods);
}

const scheduling::requeue_config requeue{};
const auto now = at("2026-11-28T10:00:00Z");

TEST(count_workers, counts_active_succeeded_failed) {
  const auto m =
      model(running_job(), {make_worker(0, pod_phase::running), make_worker(1, pod_phase::pending),
                            make_worker(2, pod_phase::succeeded), make_worker(3, pod_phase::failed),
                            make_worker(4, pod_phase::running).terminating(),
                            make_worker(5, pod_phase::unknown), test::make_pod("resnet-rendezvous")});
  const auto r = count_workers(m);
  EXPECT_EQ(r.replica_type, "Worker");
  EXPECT_EQ(r.active, 3);
  EXPECT_EQ(r.succeeded, 1);
  EXPECT_EQ(r.failed, 1);
}

TEST(count_workers, failed_is_at_least_the_failures_counted_before) {
  const auto m = model(running_job().annotation("breezeml.ai/worker-failures", "3"), {});
  EXPECT_EQ(count_workers(m).failed, 3);
}

TEST(evaluate, completes_when_every_current_worker_succeeded) {
  const auto out = evaluate(
      model(running_job(), {make_worker(0, pod_phase::succeeded), make_worker(1, pod_phase::succeeded)}), now,
      requeue);
  EXPECT_EQ(out.kind, outcome_kind::completed);
  EXPECT_EQ(out.reason, "AllWorkersSucceeded");
  EXPECT_EQ(out.message, "all 2 workers succeeded");
}

TEST(evaluate, does_not_complete_with_a_worker_missing_or_still_running) {
  EXPECT_EQ(evaluate(model(running_job(), {make_worker(0, pod_phase::succeeded)}), now, requeue).kind,
            outcome_kind::nothing);
  EXPECT_EQ(evaluate(model(running_job(),
                           {make_worker(0, pod_phase::succeeded), make_worker(1, pod_phase::running)}),
                     now, requeue)
                .kind,
            outcome_kind::nothing);
  // A succeeded pod of an index beyond currentSize does not stand in for index 1.
  EXPECT_EQ(evaluate(model(running_job(),
                           {make_worker(0, pod_phase::succeeded), make_worker(2, pod_phase::succeeded)}),
                     now, requeue)
                .kind,
            outcome_kind::nothing);
}

TEST(evaluate, only_running_unfinished_jobs_are_evaluated) {
  const std::vector<k8s::pod> done = {make_worker(0, pod_phase::succeeded),
                                      make_worker(1, pod_phase::succeeded)};
  EXPECT_EQ(evaluate(model(running_job().stage("Waiting"), done), now, requeue).kind, outcome_kind::nothing);
  EXPECT_EQ(evaluate(model(running_job().stage("Completed"), done), now, requeue).kind,
            outcome_kind::nothing);
  auto m = model(running_job(), done);
  m.status.exec.conditions.push_back({"Failed", condition_status::true_, "X", "", "", "", 1});
  EXPECT_EQ(evaluate(m, now, requeue).kind, outcome_kind::nothing);
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
  auto job = running_job();
  if (GetParam().backoff_limit)
    job.backoff_limit(*GetParam().backoff_limit);
  std::vector<k8s::pod> pods = {make_worker(0, pod_phase::running).restarts(GetParam().restarts),
                                make_worker(1, pod_phase::running)};
  for (int i = 0; i < GetParam().failed_pods; ++i)
    pods.push_back(make_worker(2 + i, pod_phase::failed).failed(GetParam().failed_reason));
  const auto out = evaluate(model(job, pods), now, requeue);
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
  const auto out = evaluate(model(running_job().backoff_limit(1),
                                  {make_worker(0, pod_phase::running).restarts(1),
                                   make_worker(1, pod_phase::running), make_worker(2, pod_phase::failed)}),
                            now, requeue);
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

// Failed workers the actor deleted to retry them are gone from the pods;
// the persisted count keeps counting them toward backoffLimit.
TEST_P(evaluate_retried_failures, the_persisted_count_counts_toward_backoff_limit) {
  auto job = running_job();
  if (GetParam().backoff_limit)
    job.backoff_limit(*GetParam().backoff_limit);
  if (!GetParam().annotation.empty())
    job.annotation("breezeml.ai/worker-failures", GetParam().annotation);
  std::vector<k8s::pod> pods = {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)};
  for (int i = 0; i < GetParam().failed_pods; ++i)
    pods.push_back(make_worker(2 + i, pod_phase::failed));
  const auto out = evaluate(model(job, pods), now, requeue);
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

TEST(evaluate, counted_failed_pods_are_not_counted_twice) {
  auto m = model(running_job().backoff_limit(1).annotation("breezeml.ai/worker-failures", "1"),
                 {make_worker(0, pod_phase::running), make_worker(1, pod_phase::failed)});
  EXPECT_EQ(evaluate(m, now, requeue).kind, outcome_kind::failed) << "1 counted + 1 present > 1";
  m.counted_failures.insert("uid-resnet-worker-1");
  EXPECT_EQ(evaluate(m, now, requeue).kind, outcome_kind::nothing) << "the present one is the counted one";
}

TEST(evaluate, retried_failures_appear_in_the_message) {
  const std::vector<k8s::pod> pods = {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)};
  auto out =
      evaluate(model(running_job().backoff_limit(1).annotation("breezeml.ai/worker-failures", "2"), pods),
               now, requeue);
  EXPECT_EQ(out.message,
            "workers failed 2 times (0 container restarts, 2 failed pods), more than backoffLimit 1");
  out = evaluate(model(running_job().annotation("breezeml.ai/worker-failures", "2"), pods), now, requeue);
  EXPECT_EQ(
      out.message,
      "worker pod (an earlier, retried worker) failed and runPolicy.backoffLimit is not set, so no retries");
}

TEST(evaluate, fails_past_active_deadline_since_start) {
  const auto job = running_job().deadline_seconds(3540); // started 09:01:00
  const std::vector<k8s::pod> pods = {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)};
  EXPECT_EQ(evaluate(model(job, pods), at("2026-11-28T09:59:59Z"), requeue).kind, outcome_kind::nothing);
  const auto out = evaluate(model(job, pods), at("2026-11-28T10:00:00Z"), requeue);
  EXPECT_EQ(out.kind, outcome_kind::failed);
  EXPECT_EQ(out.reason, "DeadlineExceeded");
  EXPECT_EQ(out.message,
            "ran longer than activeDeadlineSeconds (3540 seconds) since it started at 2026-11-28T09:01:00Z");
  // Deadline wins over completion in the same pass.
  EXPECT_EQ(evaluate(model(job, {make_worker(0, pod_phase::succeeded), make_worker(1, pod_phase::succeeded)}),
                     at("2026-11-28T10:00:00Z"), requeue)
                .kind,
            outcome_kind::failed);
}

TEST(evaluate, first_pending_worker_sets_requeue_time) {
  const auto out =
      evaluate(model(running_job(), {make_worker(0, pod_phase::running), make_worker(1, pod_phase::pending)}),
               now, requeue);
  EXPECT_EQ(out.kind, outcome_kind::set_requeue_time);
  EXPECT_EQ(out.requeue_time, at("2026-11-28T10:02:00Z")); // default timeout 2m
  EXPECT_EQ(out.pending_pod, "resnet-worker-1");
}

TEST(evaluate, pending_before_requeue_time_waits) {
  const auto out = evaluate(model(running_job().status_field("requeueTime", "2026-11-28T10:02:00Z"),
                                  {make_worker(0, pod_phase::running), make_worker(1, pod_phase::pending)}),
                            at("2026-11-28T10:01:59Z"), requeue);
  EXPECT_EQ(out.kind, outcome_kind::nothing);
}

struct requeue_case {
  std::string name;
  std::string previous_failures; // annotation value, "" = absent
  std::string expected_cooldown;
  std::int32_t expected_failures;
};

class evaluate_requeue : public ::testing::TestWithParam<requeue_case> {};

TEST_P(evaluate_requeue, still_pending_at_requeue_time_goes_back_to_the_queue) {
  auto job = running_job().status_field("requeueTime", "2026-11-28T10:02:00Z");
  if (!GetParam().previous_failures.empty())
    job.annotation("breezeml.ai/schedule-failures", GetParam().previous_failures);
  const auto t = at("2026-11-28T10:02:00Z");
  const auto out = evaluate(
      model(job, {make_worker(0, pod_phase::running), make_worker(1, pod_phase::pending)}), t, requeue);
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
  const std::vector<k8s::pod> pods = {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)};
  EXPECT_EQ(
      evaluate(model(running_job().status_field("requeueTime", "2026-11-28T09:59:00Z"), pods), now, requeue)
          .kind,
      outcome_kind::clear_requeue_time)
      << "passed";
  EXPECT_EQ(
      evaluate(model(running_job().status_field("requeueTime", "2026-11-28T10:01:00Z"), pods), now, requeue)
          .kind,
      outcome_kind::clear_requeue_time)
      << "still ahead: every worker got placed in time";
  EXPECT_EQ(evaluate(model(running_job(), pods), now, requeue).kind, outcome_kind::nothing);
}

TEST(evaluate, deleting_pending_pods_do_not_start_the_requeue_timer) {
  const auto out = evaluate(model(running_job(), {make_worker(0, pod_phase::running),
                                                  make_worker(1, pod_phase::pending).terminating()}),
                            now, requeue);
  EXPECT_EQ(out.kind, outcome_kind::nothing);
}

struct scheduled_case {
  std::string name;
  std::vector<k8s::pod> pods;
  bool expected;
};

class all_workers_scheduled_cases : public ::testing::TestWithParam<scheduled_case> {};

TEST_P(all_workers_scheduled_cases, needs_every_index_live_and_none_pending) {
  EXPECT_EQ(all_workers_scheduled(model(running_job(), GetParam().pods)), GetParam().expected);
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
  EXPECT_FALSE(
      all_workers_scheduled(model(running_job().stage("Waiting"),
                                  {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)})));
}

struct clean_case {
  std::string name;
  std::string policy;
  std::vector<std::string> expected;
};

class clean_pod_policy_cases : public ::testing::TestWithParam<clean_case> {};

TEST_P(clean_pod_policy_cases, selects_the_pods_to_delete) {
  auto job = running_job();
  if (!GetParam().policy.empty())
    job.clean_pod_policy(GetParam().policy);
  const auto m = model(job, {make_worker(0, pod_phase::running), make_worker(1, pod_phase::pending),
                             make_worker(2, pod_phase::succeeded), make_worker(3, pod_phase::failed),
                             make_worker(4, pod_phase::running).terminating()});
  std::vector<std::string> names;
  for (const auto* pod : pods_to_delete_on_finish(m))
    names.push_back(pod->name);
  EXPECT_EQ(names, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    policies, clean_pod_policy_cases,
    ::testing::Values(
        clean_case{
            "all", "All", {"resnet-worker-0", "resnet-worker-1", "resnet-worker-2", "resnet-worker-3"}},
        clean_case{"running", "Running", {"resnet-worker-0", "resnet-worker-1"}},
        clean_case{"none", "None", {}},
        clean_case{"unset_means_running", "", {"resnet-worker-0", "resnet-worker-1"}}),
    [](const auto& info) { return info.param.name; });

} // namespace
} // namespace lattice::lifecycle
