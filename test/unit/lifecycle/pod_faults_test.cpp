#include "lifecycle/conditions.hpp"
#include "lifecycle/job_pass.hpp"
#include "lifecycle/pod_create_failures.hpp"
#include "test/support/effects_text.hpp"
#include "transition_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

// What a job does when the API server refuses its pods (permanently or for
// now) and when its workers fail because of their node, not themselves.

namespace lattice::lifecycle {
namespace {

const write_result ok{true, 201, "", false};
const write_result invalid_label{
    false, 422, R"(Pod "resnet-worker-1" is invalid: metadata.labels: Invalid value: "a b")", false};
const write_result pod_security{
    false, 403,
    R"(pods "resnet-worker-0" is forbidden: violates PodSecurity "restricted:latest": privileged (container "main" must not set securityContext.privileged=true))",
    false};
const write_result quota{false, 403, R"(pods "resnet-worker-0" is forbidden: exceeded quota: gpus)", false};
const write_result unavailable{false, 503, "the server is currently unable to handle the request", false};

bool has_line(const std::vector<std::string>& lines, const std::string& part) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

std::size_t count_lines(const std::vector<std::string>& lines, const std::string& prefix) {
  return static_cast<std::size_t>(std::count_if(
      lines.begin(), lines.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; }));
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines)
    out += l + "\n";
  return out;
}

/// The fixture's job and clock; each step here returns the lines of the
/// step and of every answer, pod creates answered with `create_answer`.
class pod_faults : public transition_fixture {
protected:
  /// Every create_pod write sent so far (the rate the API server sees).
  std::size_t creates_sent = 0;

  /// Answers every write of `e`: pod creates with `create_answer`, the rest
  /// ok. The answers' own effects are appended to the returned lines.
  std::vector<std::string> answer(const effects& e, const write_result& create_answer = ok) {
    auto lines = test::describe(e);
    for (const auto& w : e.writes) {
      const bool create = w.verb == k8s::write_verb::create_pod;
      creates_sent += create ? 1 : 0;
      auto more = on_write_answered(job, w.verb, w.name, create ? create_answer : ok, config, now);
      for (auto& l : answer(more, create_answer))
        lines.push_back("answer: " + l);
    }
    return lines;
  }

  std::vector<std::string> seen(k8s::training_job object, const write_result& create_answer = ok) {
    return answer(on_job_seen(job, std::move(object), config, now), create_answer);
  }
  std::vector<std::string> pod(k8s::pod p) { return answer(on_pod_seen(job, p, config, now)); }
  std::vector<std::string> resync(const write_result& create_answer = ok) {
    return answer(on_timer(job, timer_kind::resync, job.timers.resync, config, now), create_answer);
  }
  std::vector<std::string> timer(timer_kind kind, std::uint64_t generation) {
    return answer(on_timer(job, kind, generation, config, now));
  }
  std::vector<std::string> decide(const placements& workers, const write_result& create_answer = ok) {
    return answer(on_decision(job, test::make_decision(workers).changed().reason("at maxSize"), config, now),
                  create_answer);
  }
};

// ---------------------------------------------------------------- classification

TEST(pod_create_failures, permanent_and_transient_answers) {
  EXPECT_EQ(classify_create_failure(invalid_label), create_failure_kind::permanent);
  EXPECT_EQ(classify_create_failure({false, 400, "quantities must match the regular expression", false}),
            create_failure_kind::permanent);
  EXPECT_EQ(classify_create_failure(pod_security), create_failure_kind::permanent);
  EXPECT_EQ(classify_create_failure(
                {false, 403, R"(admission webhook "deny.example.com" denied the request)", false}),
            create_failure_kind::permanent);
  EXPECT_EQ(classify_create_failure(quota), create_failure_kind::transient);
  EXPECT_EQ(classify_create_failure({false, 403, R"(User "system:sa" cannot create resource "pods")", false}),
            create_failure_kind::transient);
  EXPECT_EQ(classify_create_failure({false, 429, "Too many requests", false}),
            create_failure_kind::transient);
  EXPECT_EQ(classify_create_failure(unavailable), create_failure_kind::transient);
  EXPECT_EQ(classify_create_failure({false, 500, "etcdserver: request timed out", false}),
            create_failure_kind::transient);
  EXPECT_EQ(classify_create_failure({false, 0, "connection refused", false}), create_failure_kind::transient);
}

TEST(pod_create_failures, backoff_doubles_to_its_cap_with_deterministic_jitter) {
  std::chrono::milliseconds full = create_backoff_base;
  for (std::int32_t n = 1; n <= 12; ++n) {
    const auto d = create_backoff(n, "lattice/resnet");
    EXPECT_GE(d, full / 2) << n;
    EXPECT_LE(d, full) << n;
    EXPECT_EQ(d, create_backoff(n, "lattice/resnet")) << "the same inputs, the same delay";
    full = std::min(full * 2, create_backoff_cap);
  }
  EXPECT_LE(create_backoff(1'000'000, "lattice/resnet"), create_backoff_cap);
  // Jobs that failed together spread out.
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 8; ++i)
    delays.push_back(create_backoff(6, "lattice/job-" + std::to_string(i)));
  std::sort(delays.begin(), delays.end());
  EXPECT_GT(std::unique(delays.begin(), delays.end()) - delays.begin(), 4);
}

// ---------------------------------------------------------------- permanent refusal

TEST_F(pod_faults, refused_create_marks_the_job_releases_its_pods_and_leaves_the_queue) {
  seen(test::make_job().generation(1));
  // Worker 0 is created, worker 1 refused (an invalid label value in the template).
  auto lines =
      answer(on_decision(job, test::make_decision({{0, "node-a"}, {1, "node-b"}}).changed(), config, now));
  ASSERT_EQ(count_lines(lines, "create_pod"), 2u) << joined(lines);
  const auto refused = answer(
      on_write_answered(job, k8s::write_verb::create_pod, "resnet-worker-1", invalid_label, config, now));
  const std::string message =
      R"(the API server refused pod resnet-worker-1 (HTTP 422): Pod "resnet-worker-1" is invalid: metadata.labels: Invalid value: "a b")";
  EXPECT_TRUE(has_line(refused, "create_event Warning PodCreateRefused: " + message)) << joined(refused);
  EXPECT_TRUE(has_line(refused, "Invalid=True(PodCreateRefused)")) << joined(refused);
  EXPECT_TRUE(has_line(refused, "stage=Waiting size=0")) << joined(refused);
  EXPECT_TRUE(has_line(refused, "Running=False")) << joined(refused);
  EXPECT_TRUE(has_line(refused, "report gone")) << "its GPUs go back to the autoscaler\n" << joined(refused);
  ASSERT_NE(find_condition(job.status.exec, "Invalid"), nullptr);
  EXPECT_NE(find_condition(job.status.exec, "Invalid")->message.find(message), std::string::npos);

  // Worker 0 was created before the refusal: it is deleted when the watch shows it.
  const auto worker0 = pod(make_worker(0, pod_phase::pending, "node-a", 2));
  EXPECT_EQ(count_lines(worker0, "delete_pod resnet-worker-0"), 1u) << joined(worker0);

  // A late decision to run it changes nothing: no creates for this generation.
  EXPECT_EQ(count_lines(decide({{0, "node-a"}, {1, "node-b"}}), "create_pod"), 0u);
  for (int i = 0; i < 20; ++i) {
    elapse(30s);
    resync();
    seen(test::make_job().generation(1));
  }
  EXPECT_EQ(creates_sent, 2u) << "no retry until the spec changes";
}

TEST_F(pod_faults, a_new_generation_is_tried_again) {
  seen(test::make_job().generation(1));
  decide({{0, "node-a"}}, pod_security);
  ASSERT_TRUE(job.pod_creates.refused());
  const auto same = seen(test::make_job().generation(1));
  EXPECT_EQ(count_lines(same, "create_pod"), 0u) << joined(same);
  const auto fixed = seen(test::make_job().generation(2));
  EXPECT_TRUE(has_line(fixed, "Invalid=False")) << joined(fixed);
  ASSERT_NE(find_condition(job.status.exec, "Invalid"), nullptr);
  EXPECT_EQ(find_condition(job.status.exec, "Invalid")->reason, "SpecChanged");
  EXPECT_TRUE(has_line(fixed, "report waiting")) << "back in the queue\n" << joined(fixed);
  const auto admitted = decide({{0, "node-a"}});
  EXPECT_EQ(count_lines(admitted, "create_pod resnet-worker-0"), 1u) << joined(admitted);
}

TEST_F(pod_faults, pod_security_refusal_carries_the_api_servers_message) {
  seen(test::make_job().generation(3));
  const auto lines = decide({{0, "node-a"}}, pod_security);
  EXPECT_TRUE(has_line(lines,
                       "create_event Warning PodCreateRefused: the API server refused pod resnet-worker-0 "
                       "(HTTP 403): pods \"resnet-worker-0\" is forbidden: violates PodSecurity"))
      << joined(lines);
  EXPECT_EQ(job.status.stage, stage::waiting);
}

// ---------------------------------------------------------------- transient failures

TEST_F(pod_faults, transient_failures_back_off_and_the_write_rate_stays_bounded) {
  config.requeue.requeue_timeout = 3600s; // this test looks at the rate only
  seen(test::make_job());
  const auto first = decide({{0, "node-a"}, {1, "node-b"}}, unavailable);
  EXPECT_EQ(count_lines(first, "create_pod"), 2u) << joined(first);
  EXPECT_TRUE(has_line(first, "timer resync#")) << joined(first);
  EXPECT_EQ(job.pod_creates.failures, 1) << "one round of creates is one failure";
  EXPECT_EQ(job.status.stage, stage::running) << "a transient failure is no refusal";

  // The retry waits for the backoff, however often the job is reconciled.
  const auto early = resync(unavailable);
  EXPECT_EQ(count_lines(early, "create_pod"), 0u) << joined(early);

  // Ten minutes of an API server answering 503, reconciled every second:
  // the backoff doubles up to a minute, so a handful of rounds go out.
  creates_sent = 0;
  for (int s = 0; s < 600; ++s) {
    elapse(1s);
    answer(on_timer(job, timer_kind::resync, job.timers.resync, config, now), unavailable);
  }
  // 1, 2, 4, 8, 16, 32 s, then at most one round a minute (jitter halves
  // delays at most): at most 6 + 20 rounds of 2 creates.
  EXPECT_LE(creates_sent, 52u);
  EXPECT_GE(creates_sent, 10u) << "it does keep trying";
  EXPECT_EQ(job.status.stage, stage::running);

  // The API server is back: the next round creates both workers.
  elapse(create_backoff_cap);
  const auto back = resync(ok);
  EXPECT_EQ(count_lines(back, "create_pod"), 2u) << joined(back);
  EXPECT_EQ(job.pod_creates.failures, 0);
}

TEST_F(pod_faults, creates_failing_past_the_requeue_timeout_requeue_the_job_with_a_cooldown) {
  seen(test::make_job());
  decide({{0, "node-a"}}, quota);
  elapse(2s);
  const auto armed = resync(quota);
  EXPECT_TRUE(has_line(armed, "timer requeue#")) << "the failing create starts rule 5's timeout\n"
                                                 << joined(armed);
  EXPECT_TRUE(job.status.requeue_time.has_value());
  for (int i = 0; i < 130; ++i) {
    elapse(1s);
    answer(on_timer(job, timer_kind::resync, job.timers.resync, config, now), quota);
  }
  const auto requeued = timer(timer_kind::requeue, job.timers.requeue);
  EXPECT_EQ(job.status.stage, stage::waiting) << joined(requeued);
  EXPECT_TRUE(job.status.cooldown_time.has_value());
  EXPECT_EQ(job.persisted.schedule_failures, 1);
  EXPECT_FALSE(job.pod_creates.failing_since.has_value()) << "the next admission starts afresh";
}

// ---------------------------------------------------------------- node loss

TEST_F(pod_faults, a_worker_failed_by_pod_gc_after_its_node_was_deleted_is_not_charged) {
  seen(test::make_job().backoff_limit(0));
  decide({{0, "node-a"}, {1, "node-b"}});
  pod(make_worker(0, pod_phase::running, "node-a", 2));
  pod(make_worker(1, pod_phase::running, "node-b", 2));
  // node-b is deleted: PodGC marks its pod Failed with DisruptionTarget.
  const auto gc = pod(make_worker(1, pod_phase::failed, "node-b", 2).edit([](k8s::pod& p) {
    p.disruption_target = k8s::condition_status::true_;
    p.disruption_reason = "DeletionByPodGC";
  }));
  EXPECT_FALSE(job.finished()) << joined(gc);
  EXPECT_EQ(job.persisted.worker_failures, 0);
  EXPECT_EQ(count_lines(gc, "delete_pod resnet-worker-0"), 0u) << "no healthy worker is deleted\n"
                                                               << joined(gc);
  EXPECT_EQ(count_lines(gc, "delete_pod resnet-worker-1"), 1u) << "the lost worker is replaced\n"
                                                               << joined(gc);
  EXPECT_FALSE(has_line(gc, "Failed=True")) << joined(gc);
}

TEST_F(pod_faults, a_worker_that_fails_while_being_deleted_is_not_charged) {
  seen(test::make_job().backoff_limit(0));
  decide({{0, "node-a"}, {1, "node-b"}});
  pod(make_worker(0, pod_phase::running, "node-a", 2));
  pod(make_worker(1, pod_phase::running, "node-b", 2));
  // Moved off a lost node: the delete stops it and the kubelet (or the node
  // controller) reports it Failed.
  const auto lines = pod(make_worker(1, pod_phase::failed, "node-b", 2).terminating());
  EXPECT_FALSE(job.finished()) << joined(lines);
  EXPECT_EQ(job.persisted.worker_failures, 0);
  EXPECT_EQ(count_lines(lines, "delete_pod resnet-worker-0"), 0u) << joined(lines);
}

TEST_F(pod_faults, a_worker_that_fails_by_itself_is_still_charged) {
  seen(test::make_job().backoff_limit(0));
  decide({{0, "node-a"}, {1, "node-b"}});
  pod(make_worker(0, pod_phase::running, "node-a", 2));
  pod(make_worker(1, pod_phase::running, "node-b", 2));
  const auto lines = pod(make_worker(1, pod_phase::failed, "node-b", 2));
  EXPECT_TRUE(job.finished()) << joined(lines);
  EXPECT_EQ(job.persisted.worker_failures, 1);
}

// ---------------------------------------------------------------- deadlines

TEST_F(pod_faults, the_largest_deadline_the_decoder_accepts_neither_overflows_nor_fails_the_job) {
  seen(test::make_job().deadline_seconds(2147483647));
  // The deadline is armed with the status write that sets startTime: at the
  // admission or when the first worker runs, whichever writes it.
  auto lines = decide({{0, "node-a"}});
  const auto running = pod(make_worker(0, pod_phase::running, "node-a", 1));
  lines.insert(lines.end(), running.begin(), running.end());
  EXPECT_FALSE(job.finished()) << joined(lines);
  EXPECT_TRUE(
      has_line(lines, "timer deadline#1 in " + std::to_string(detail::max_timer_delay.count()) + "ms"))
      << "armed for at most max_timer_delay\n"
      << joined(lines);
  // It fires early, finds nothing due, and is armed again.
  elapse(detail::max_timer_delay);
  const auto again = timer(timer_kind::deadline, job.timers.deadline);
  EXPECT_FALSE(job.finished()) << joined(again);
  EXPECT_TRUE(has_line(again, "timer deadline#2")) << joined(again);
}

TEST(add_seconds, saturates_instead_of_wrapping) {
  const auto start = at("2026-11-28T10:00:00Z");
  EXPECT_EQ(add_seconds(start, 60), start + 60s);
  EXPECT_GT(add_seconds(start, 9999999999), start);
  EXPECT_GT(add_seconds(start, std::numeric_limits<std::int64_t>::max()), start);
  EXPECT_EQ(add_seconds(start, -5), start);
}

} // namespace
} // namespace lattice::lifecycle
