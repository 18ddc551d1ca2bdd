#include "lifecycle/conditions.hpp"
#include "lifecycle/status_fields.hpp"
#include "lifecycle/status_write.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <vector>

// status.reason, message, gpus and queuePosition (explain_status), and how
// soon a change of them is written (status_write).

namespace lattice::lifecycle {
namespace {

namespace ct = condition_type;

/// What `kubectl get tj -o wide` shows of a status.
struct shown {
  std::string reason;
  std::string message;
  std::optional<std::int64_t> held;
  std::optional<std::int64_t> wanted;
  std::optional<std::int32_t> position;
  friend bool operator==(const shown& a, const shown& b) {
    return a.reason == b.reason && a.message == b.message && a.held == b.held && a.wanted == b.wanted
           && a.position == b.position;
  }
  friend std::ostream& operator<<(std::ostream& out, const shown& s) {
    const auto opt = [](const auto& v) { return v ? std::to_string(*v) : std::string("-"); };
    return out << "{" << s.reason << " | " << s.message << " | held " << opt(s.held) << " wanted "
               << opt(s.wanted) << " position " << opt(s.position) << "}";
  }
};

shown show(const job_status& s) {
  return {s.reason, s.message, s.gpus_held, s.gpus_wanted, s.queue_position};
}

void condition(job_status& s, std::string_view type, std::string reason, std::string message) {
  set_condition(s.exec, {type, k8s::condition_status::true_, std::move(reason), std::move(message)},
                "2026-11-28T09:00:00Z", 1);
}

/// A job of 3 to 4 workers of 2 GPUs each.
explanation_input input(std::string planner_reason = "") {
  explanation_input in;
  in.min_size = 3;
  in.max_size = 4;
  in.gpus_per_worker = 2;
  in.planner_reason = std::move(planner_reason);
  return in;
}

job_status waiting(std::string queued_reason, std::string message, std::optional<std::int32_t> position) {
  job_status s;
  s.stage = stage::waiting;
  condition(s, ct::queued, std::move(queued_reason), std::move(message));
  s.queue_position = position;
  return s;
}

job_status running(std::int32_t size) {
  job_status s;
  s.stage = stage::running;
  s.current_size = size;
  condition(s, ct::running, "AllWorkersRunning", "all workers are running");
  return s;
}

// The planner's texts, as scheduling/reason.cpp writes them.
const std::string needs = "needs 2 x {nvidia.com/gpu: 2} on nodes with node-group=a; largest placement "
                          "possible now: 1";

TEST(explain_status, a_waiting_job_says_what_it_needs_and_keeps_its_place) {
  // GPUs wanted: its minSize worth while it waits (what it needs to start), maxSize worth once it runs.
  auto s = waiting("Waiting", needs, 3);
  EXPECT_TRUE(explain_status(s, input(needs)));
  EXPECT_EQ(show(s), (shown{"InsufficientResources", needs, 0, 6, 3}));
  EXPECT_FALSE(explain_status(s, input(needs))) << "nothing new";
}

TEST(explain_status, waiting_reasons_follow_the_queued_condition) {
  const std::string cooldown = "in cooldown until 2026-11-28T09:05:00Z after 2 schedule failures";
  auto s = waiting("Waiting", cooldown, 1);
  explain_status(s, input());
  EXPECT_EQ(show(s), (shown{"Cooldown", cooldown, 0, 6, 1}));

  s = waiting("Requeued", "worker pod resnet-worker-1 stayed Pending for 30s", std::nullopt);
  explain_status(s, input("at maxSize")) /* the last decision, when it still ran */;
  EXPECT_EQ(show(s), (shown{"Requeued", "worker pod resnet-worker-1 stayed Pending for 30s", 0, 6, {}}));

  s = waiting("Queued", "waiting for the autoscaler", std::nullopt);
  explain_status(s, input());
  EXPECT_EQ(show(s), (shown{"Queued", "waiting for the autoscaler", 0, 6, {}})) << "before the first plan";
}

TEST(explain_status, running_below_max_size_gives_the_planners_reason) {
  struct row {
    std::string planner;
    std::string reason;
  };
  for (const auto& r : std::vector<row>{
           {"below maxSize 4: no room now for 2 more x {nvidia.com/gpu: 2} on any node",
            "InsufficientResources"},
           {"rescale interval: next resize allowed at 2026-11-28T09:10:00Z", "RescaleInterval"},
           {"below maxSize 4: growth held while a job of priority 5 waits", "HigherPriorityWaiting"},
           {"below maxSize 4: the last 2 GPUs are kept free for arrivals", "GrowthHeadroom"},
           {"below maxSize 4: the room now would not repay a restart", "GrowthNotWorthRestart"},
           {"below maxSize 4: its throughput reports show no speed-up worth a worker past 2 (each added "
            "worker "
            "would bring less than 0.5 of one worker's rate)",
            "NoSpeedup"},
           {"shrunk to make room for ns/urgent (priority 5); below maxSize 4: no room now for 2 more",
            "Shrunk"},
           {"below maxSize 4: no room now for 2 more; 1 worker on nodes reserved for ns/big, lent until it "
            "fits",
            "InsufficientResources"},
           {"something the planner says one day", "BelowMaxSize"},
       }) {
    auto s = running(2);
    explain_status(s, input(r.planner));
    EXPECT_EQ(show(s), (shown{r.reason, r.planner, 4, 8, {}})) << r.planner;
  }
}

TEST(explain_status, at_max_size_the_running_condition_explains) {
  auto s = running(4);
  s.queue_position = 2; // from the plan before the admission
  EXPECT_TRUE(explain_status(s, input("at maxSize")));
  EXPECT_EQ(show(s), (shown{"AllWorkersRunning", "all workers are running", 8, 8, {}}))
      << "a running job has no queue position";
  condition(s, ct::restarting, "Resized", "restarting workers at size 4");
  explain_status(s, input("at maxSize"));
  EXPECT_EQ(show(s), (shown{"Resized", "restarting workers at size 4", 8, 8, {}}));
}

TEST(explain_status, at_max_size_on_lent_gpus_the_planner_explains) {
  auto s = running(4);
  const std::string planner = "at maxSize; 2 workers on nodes reserved for ns/big, lent until it fits";
  explain_status(s, input(planner));
  EXPECT_EQ(show(s), (shown{"LentCapacity", planner, 8, 8, {}}));
}

TEST(explain_status, invalid_suspended_and_finished_jobs_hold_nothing) {
  auto s = waiting("Waiting", needs, 2);
  auto in = input(needs);
  in.invalid_message = "spec.replicaSpecs.template: no containers";
  explain_status(s, in);
  EXPECT_EQ(show(s), (shown{"InvalidSpec", in.invalid_message, 0, 6, {}}));

  s = waiting("Waiting", needs, 2);
  in = input(needs);
  in.suspended = true;
  explain_status(s, in);
  EXPECT_EQ(show(s), (shown{"Suspended", "runPolicy.suspend is true: no workers, not queued", 0, 6, {}}));

  s = running(3);
  condition(s, ct::failed, "BackoffLimitExceeded", "workers failed 4 times");
  apply_finish(s, false, base::time_point{});
  explain_status(s, input("at maxSize"));
  EXPECT_EQ(show(s), (shown{"BackoffLimitExceeded", "workers failed 4 times", 0, 6, {}}));
}

TEST(apply_queue_position, reports_whether_it_moved) {
  job_status s;
  EXPECT_TRUE(apply_queue_position(s, 4));
  EXPECT_FALSE(apply_queue_position(s, 4));
  EXPECT_TRUE(apply_queue_position(s, 3));
  EXPECT_TRUE(apply_queue_position(s, std::nullopt));
}

// ---------------------------------------------------------------- how soon it is written

status_write_urgency after(const job_status& written, const job_status& now) {
  return classify_status_change(sign_status(to_api(written)), sign_status(to_api(now)));
}

TEST(status_write, a_queue_position_moving_waits_for_the_message_delay) {
  auto written = waiting("Waiting", needs, 5);
  explain_status(written, input(needs));
  auto moved = written;
  apply_queue_position(moved, 4);
  EXPECT_EQ(after(written, moved), status_write_urgency::later)
      << "every waiting job moves when the head is admitted: not a write each at once";
}

TEST(status_write, a_queue_position_appearing_or_going_is_written_now) {
  auto written = waiting("Queued", "waiting for the autoscaler", std::nullopt);
  explain_status(written, input());
  auto placed = written;
  apply_queue_position(placed, 7);
  EXPECT_EQ(after(written, placed), status_write_urgency::now) << "the first plan's position";
  EXPECT_EQ(after(placed, written), status_write_urgency::now);
}

TEST(status_write, a_new_reason_word_is_batched_soon_a_new_message_alone_waits_gpus_go_now) {
  auto written = running(2);
  explain_status(written, input("below maxSize 4: the room now would not repay a restart"));
  auto other = written;
  explain_status(other, input("below maxSize 4: growth held while a job of priority 5 waits"));
  ASSERT_NE(other.reason, written.reason);
  EXPECT_EQ(after(written, other), status_write_urgency::soon) << "the REASON column follows within seconds";
  auto held = written;
  explain_status(held, input("below maxSize 4: its throughput reports show no speed-up worth a worker past 2 "
                             "(each added worker would bring less than 0.5 of one worker's rate)"));
  ASSERT_EQ(held.reason, "NoSpeedup");
  EXPECT_EQ(after(written, held), status_write_urgency::soon);
  auto reworded = written;
  explain_status(reworded, input("below maxSize 4: the room now would not repay a restart (3 GPUs free)"));
  ASSERT_EQ(reworded.reason, written.reason);
  EXPECT_EQ(after(written, reworded), status_write_urgency::later) << "the same word, another text";
  auto bigger = written;
  bigger.gpus_held = 6;
  EXPECT_EQ(after(written, bigger), status_write_urgency::now);
}

} // namespace
} // namespace lattice::lifecycle
