#include "lifecycle/job_writes.hpp"
#include "test/support/effects_text.hpp"
#include "transition_fixture.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

// The job's transition, one case per arrow of the state diagram in
// lifecycle/job_transition.cpp: each case states the whole list of effects
// a step calls for. Every write a step makes is answered "ok" before the
// next step, as the write dispatcher would.

namespace lattice::lifecycle {
namespace {

/// The effects as text, one line each (test/support/effects_text.hpp).
std::string lines_of(const effects& e) {
  std::string out;
  for (const auto& l : test::describe(e))
    out += l + "\n";
  return out;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
    ++n;
  return n;
}

class job_transition : public transition_steps {
protected:
  /// The job admitted at 2 workers on node-a and node-b, both Running.
  void run_two_workers(const test::job_builder& object = test::make_job()) {
    seen(object);
    decide({{0, "node-a"}, {1, "node-b"}});
    pod(make_worker(0, pod_phase::running, "node-a", 2));
    pod(make_worker(1, pod_phase::running, "node-b", 2));
    timer(timer_kind::status_flush, job.timers.status_flush);
  }
};

TEST_F(job_transition, new_valid_job_is_queued) {
  EXPECT_EFFECTS(seen(test::make_job()),
                 {
                     "patch_job_status resnet stage=Waiting size=0 Created=True(TrainingJobCreated) "
                     "Queued=True(Queued) Worker=0/0/0 [bookkeeping ordered]",
                     "report waiting",
                 });
  EXPECT_EFFECTS(seen(test::make_job()), {}) << "the same object again: nothing new to write or tell";
}

TEST_F(job_transition, admission_creates_pinned_workers_the_service_and_says_so) {
  seen(test::make_job());
  elapse(2s);
  EXPECT_EFFECTS(
      decide({{0, "node-a"}, {1, "node-b"}}),
      {
          "create_event Normal Admitted: admitted with 2 workers (min 1, max 4) [bookkeeping ordered]",
          "create_pod resnet-worker-0 node=node-a size=2 [start_pods]",
          "create_pod resnet-worker-1 node=node-b size=2 [start_pods]",
          "create_service resnet-workers [bookkeeping ordered]",
          "timer status_flush#2 in 2000ms",
          "timer resync#1 in 5000ms",
          "report running workers=0@node-a,1@node-b",
          "metric admission",
          "metric admission_wait 2.000s",
          "log info: event Admitted: admitted with 2 workers (min 1, max 4)",
          "log info: admitted after 2.000s in the queue",
      })
      << "the status waits for the workers to run";
}

TEST_F(job_transition, an_admission_and_its_workers_running_are_one_status_write) {
  seen(test::make_job());
  decide({{0, "node-a"}, {1, "node-b"}});
  elapse(500ms);
  EXPECT_EFFECTS(pod(make_worker(0, pod_phase::running, "node-a", 2)), {}) << "one of two: still held";
  EXPECT_EFFECTS(pod(make_worker(1, pod_phase::running, "node-b", 2)),
                 {
                     "patch_job_status resnet stage=Running size=2 Created=True(TrainingJobCreated) "
                     "Queued=False Running=True(Admitted) Worker=2/0/0 [bookkeeping ordered]",
                     "metric apply_to_running 0.500s",
                 })
      << "all running: the admission goes out with the counts, at once";
  elapse(1500ms);
  EXPECT_EFFECTS(timer(timer_kind::status_flush, 2), {}) << "the hold's timer has nothing left to write";
}

TEST_F(job_transition, an_admission_whose_workers_do_not_run_in_time_is_written_when_the_hold_ends) {
  seen(test::make_job());
  decide({{0, "node-a"}, {1, "node-b"}});
  elapse(1s);
  pod(make_worker(0, pod_phase::running, "node-a", 2));
  elapse(1s);
  EXPECT_EFFECTS(
      timer(timer_kind::status_flush, 2),
      {"patch_job_status resnet stage=Running size=2 Created=True(TrainingJobCreated) Queued=False "
       "Running=True(Admitted) Worker=1/0/0 [bookkeeping ordered]"})
      << "a worker slow to start (an image pull) delays the stage by status_flush_delay at most";
}

TEST_F(job_transition, a_job_that_finishes_within_the_admission_hold_is_written_at_once) {
  seen(test::make_job());
  decide({{0, "node-a"}});
  elapse(500ms);
  const auto done = lines_of(pod(make_worker(0, pod_phase::succeeded, "node-a", 1)));
  EXPECT_EQ(occurrences(done, "patch_job_status resnet stage=Completed"), 1u) << done;
}

TEST_F(job_transition, workers_seen_running_are_counted_then_all_running) {
  seen(test::make_job());
  decide({{0, "node-a"}, {1, "node-b"}});
  elapse(2s);
  timer(timer_kind::status_flush, job.timers.status_flush); // the admission, no worker seen yet
  elapse(1s);
  EXPECT_EFFECTS(pod(make_worker(0, pod_phase::pending, "node-a", 2)),
                 {
                     "timer requeue#1 in 120050ms",
                     "timer status_flush#4 in 2000ms",
                 })
      << "rule 5: the first Pending worker starts the requeue timeout; requeueTime and the count wait";
  EXPECT_EQ(job.status.requeue_time, at("2026-11-28T10:02:03Z"));
  EXPECT_EFFECTS(pod(make_worker(0, pod_phase::running, "node-a", 2)), {})
      << "nothing Pending: requeueTime clears before it was written";
  EXPECT_FALSE(job.status.requeue_time.has_value());
  elapse(1s);
  EXPECT_EFFECTS(pod(make_worker(1, pod_phase::pending, "node-b", 2)), {})
      << "a later Pending worker gets a fresh timeout, on the timers armed already";
  EXPECT_EQ(job.status.requeue_time, at("2026-11-28T10:02:04Z"));
  EXPECT_EFFECTS(pod(make_worker(1, pod_phase::running, "node-b", 2)), {"metric apply_to_running 4.000s"})
      << "every worker of the placement runs (Running keeps the reason it became True with)";
  elapse(1s);
  EXPECT_EFFECTS(
      timer(timer_kind::status_flush, 4),
      {"patch_job_status resnet stage=Running size=2 Created=True(TrainingJobCreated) Queued=False "
       "Running=True(Admitted) Worker=2/0/0 [bookkeeping ordered]"})
      << "one write for both workers, with no requeueTime: it was set and cleared within the batch";
}

TEST_F(job_transition, a_worker_still_pending_when_the_batch_goes_out_writes_its_requeue_time) {
  seen(test::make_job());
  decide({{0, "node-a"}});
  elapse(3s);
  timer(timer_kind::status_flush, job.timers.status_flush); // the admission's hold ended
  pod(make_worker(0, pod_phase::pending, "node-a", 1));
  elapse(2s);
  EXPECT_EFFECTS(timer(timer_kind::status_flush, job.timers.status_flush),
                 {"patch_job_status resnet stage=Running size=1 requeueTime=2026-11-28T10:02:03Z "
                  "Created=True(TrainingJobCreated) Queued=False Running=True(Admitted) Worker=1/0/0 "
                  "[bookkeeping ordered]"})
      << "a new leader must find rule 5's deadline in the status";
}

TEST_F(job_transition, a_first_write_held_for_the_first_plan_goes_out_once_with_the_decision) {
  config.first_status_hold = 1s;
  EXPECT_EFFECTS(seen(test::make_job()),
                 {"timer status_flush#1 in 1000ms", "timer resync#1 in 5000ms", "report waiting"})
      << "nothing written before the autoscaler's first word";
  elapse(200ms);
  const auto admitted = lines_of(decide({{0, "node-a"}}));
  EXPECT_EQ(occurrences(admitted, "patch_job_status"), 0u) << admitted;
  EXPECT_EQ(occurrences(admitted, "timer status_flush#2 in 2000ms"), 1u) << admitted;
  elapse(800ms);
  EXPECT_EFFECTS(timer(timer_kind::status_flush, 1), {})
      << "the first write's hold gave way to the admission's: the Waiting status is never written";
  EXPECT_EFFECTS(
      pod(make_worker(0, pod_phase::running, "node-a", 1)),
      {"patch_job_status resnet stage=Running size=1 Created=True(TrainingJobCreated) Queued=False "
       "Running=True(Admitted) Worker=1/0/0 [bookkeeping ordered]",
       "metric apply_to_running 0.800s"})
      << "one write for the job's whole start";
}

TEST_F(job_transition, a_first_write_held_with_no_plan_in_time_goes_out_waiting) {
  config.first_status_hold = 1s;
  seen(test::make_job());
  elapse(1s);
  EXPECT_EFFECTS(timer(timer_kind::status_flush, 1),
                 {"patch_job_status resnet stage=Waiting size=0 Created=True(TrainingJobCreated) "
                  "Queued=True(Queued) Worker=0/0/0 [bookkeeping ordered]"});
}

TEST_F(job_transition, a_resize_writes_the_rescale_clock_an_admission_leaves_it_to_last_exec_time) {
  run_two_workers(test::make_job().max(4));
  elapse(10s);
  const auto grown = lines_of(decide({{0, "node-a"}, {1, "node-b"}, {2, "node-c"}}));
  EXPECT_EQ(occurrences(grown, "patch_job resnet schedule-failures=0 worker-failures=0 "
                               "last-resize-time=2026-11-28T10:00:10Z"),
            1u)
      << grown;

  // A new leader reads an admission's time from lastExecTime when the
  // annotation is older or missing.
  job_model adopted{"lattice", "resnet", std::chrono::seconds(30)};
  follow_job_seen(
      adopted,
      test::make_job().max(4).stage("Running").size(2).status_field("lastExecTime", "2026-11-28T09:59:00Z"),
      config, now);
  for (int i = 0; i < 2; ++i)
    follow_pod_seen(adopted, make_worker(i, pod_phase::running, i == 0 ? "node-a" : "node-b", 2), config,
                    now);
  on_lead_gained(adopted, config, now);
  EXPECT_EQ(adopted.persisted.last_resize_time, at("2026-11-28T09:59:00Z"));
}

TEST_F(job_transition, a_job_moved_onto_one_node_says_so_and_replaces_the_moved_workers) {
  run_two_workers(test::make_job().inject());
  elapse(10s);
  const auto moved = lines_of(answered(on_decision(
      job, test::make_decision({{0, "node-c"}, {1, "node-c"}}).moved().reason("at maxSize"), config, now)));
  EXPECT_EQ(occurrences(moved,
                        "create_event Normal Moved: moved from 2 nodes onto node-c: one node runs it faster "
                        "than several; its workers restart from their last checkpoint"),
            1u)
      << moved;
  EXPECT_EQ(occurrences(moved, "delete_pod resnet-worker-0"), 1u) << moved;
  EXPECT_EQ(occurrences(moved, "delete_pod resnet-worker-1"), 1u) << moved;
  // A move is not a resize: no Scaled Event, the size stays.
  EXPECT_EQ(occurrences(moved, "Scaled"), 0u) << moved;
  EXPECT_EQ(job.status.current_size, 2);
  // A decision that re-places the job without the planner calling it a move
  // (a lost worker placed again) has no Moved Event.
  const auto replaced = lines_of(answered(on_decision(
      job, test::make_decision({{0, "node-d"}, {1, "node-d"}}).reason("at maxSize"), config, now)));
  EXPECT_EQ(occurrences(replaced, "Moved"), 0u) << replaced;
}

TEST_F(job_transition, one_requeue_timer_however_often_a_worker_flips_pending) {
  seen(test::make_job());
  decide({{0, "node-a"}});
  const auto requeue_timers = [](const effects& e) {
    return std::count_if(e.timers.begin(), e.timers.end(),
                         [](const timer_request& t) { return t.kind == timer_kind::requeue; });
  };
  EXPECT_EQ(requeue_timers(pod(make_worker(0, pod_phase::pending, "node-a", 1))), 1);
  for (int i = 0; i < 10; ++i) {
    elapse(1s);
    pod(make_worker(0, pod_phase::running, "node-a", 1));
    EXPECT_EQ(requeue_timers(pod(make_worker(0, pod_phase::pending, "node-a", 1))), 0)
        << "flip " << i << ": the armed timer fires first";
  }
  elapse(110s); // the first timer is due; requeueTime is 10s later
  EXPECT_EFFECTS(timer(timer_kind::requeue, 1), {"timer requeue#2 in 10050ms"})
      << "it fired early: armed again for the requeue time now set";
  EXPECT_TRUE(timer(timer_kind::requeue, 1).timers.empty()) << "a stale generation does nothing";
}

TEST_F(job_transition, a_preempted_job_deletes_its_workers_and_goes_back_to_the_queue) {
  run_two_workers();
  elapse(10s);
  EXPECT_EFFECTS(
      preempt("lattice/bert"),
      {
          "create_event Warning Preempted: preempted by lattice/bert; workers stopped, back in the "
          "queue [bookkeeping ordered]",
          "patch_job resnet schedule-failures=0 worker-failures=0 last-resize-time=2026-11-28T10:00:10Z "
          "attained-service=20 [bookkeeping ordered]",
          "delete_pod resnet-worker-0 uid=uid-resnet-worker-0 node=node-a [free_gpus]",
          "delete_pod resnet-worker-1 uid=uid-resnet-worker-1 node=node-b [free_gpus]",
          "patch_job_status resnet stage=Waiting size=0 Created=True(TrainingJobCreated) "
          "Queued=True(Preempted) Running=False Worker=2/0/0 [bookkeeping ordered]",
          "report waiting",
          "metric preemption priority",
          "log info: event Preempted: preempted by lattice/bert; workers stopped, back in the queue",
          "log info: deleting pod resnet-worker-0: the job is not running (stage Waiting)",
          "log info: deleting pod resnet-worker-1: the job is not running (stage Waiting)",
      });
}

TEST_F(job_transition, every_worker_succeeded_completes_the_job_and_arms_the_ttl) {
  run_two_workers(test::make_job().ttl_seconds(60));
  elapse(1min);
  pod(make_worker(0, pod_phase::succeeded, "node-a", 2));
  EXPECT_EFFECTS(
      pod(make_worker(1, pod_phase::succeeded, "node-b", 2)),
      {
          "create_event Normal Completed: all 2 workers succeeded [bookkeeping ordered]",
          "patch_job_status resnet stage=Completed size=2 completionTime=2026-11-28T10:01:00Z "
          "Created=True(TrainingJobCreated) Queued=False Running=False Succeeded=True(AllWorkersSucceeded) "
          "Worker=0/2/0 [bookkeeping ordered]",
          "timer ttl#1 in 60000ms",
          "report gone",
          "log info: event Completed: all 2 workers succeeded",
      });
  EXPECT_TRUE(job.pods.empty()) << "a finished job keeps only the pods cleanPodPolicy may still delete";
  EXPECT_EFFECTS(timer(timer_kind::ttl, job.timers.ttl),
                 {
                     "delete_job resnet uid=job-uid-1 [bookkeeping ordered]",
                     "log info: ttlSecondsAfterFinished elapsed, deleting the TrainingJob",
                 });
}

TEST_F(job_transition, an_invalid_spec_says_why_once_per_generation) {
  const auto invalid = test::make_job().min(3).max(2);
  EXPECT_EFFECTS(seen(invalid),
                 {
                     "create_event Warning Invalid: invalid spec, the job will not run until it is fixed: "
                     "spec.maxSize: must be at least minSize 3 (got 2) [bookkeeping ordered]",
                     "patch_job_status resnet stage=- size=0 Invalid=True(InvalidSpec) [bookkeeping ordered]",
                     "log warn: invalid TrainingJob: spec.maxSize: must be at least minSize 3 (got 2)",
                     "log info: event Invalid: invalid spec, the job will not run until it is fixed: "
                     "spec.maxSize: must be at least minSize 3 (got 2)",
                 });
  EXPECT_EFFECTS(seen(invalid), {}) << "the same generation again: said already";
  EXPECT_EFFECTS(
      seen(test::make_job().generation(2)),
      {
          "patch_job_status resnet stage=Waiting size=0 Invalid=False Created=True(TrainingJobCreated) "
          "Queued=True(Queued) Worker=0/0/0 [bookkeeping ordered]",
          "report waiting",
      })
      << "fixed: the job joins the queue";
}

TEST_F(job_transition, a_standby_follows_the_stored_status_and_writes_nothing) {
  const auto stored = test::make_job().stage("Running").size(1);
  EXPECT_EFFECTS(follow_job_seen(job, stored, config, now), {"report running"});
  EXPECT_EFFECTS(follow_pod_seen(job, make_worker(0, pod_phase::running, "node-a", 1), config, now),
                 {"report running workers=0@node-a"});
  EXPECT_EQ(job.status.stage, stage::running) << "adopted from the stored status";
}

TEST_F(job_transition, a_new_leader_adopts_live_workers_a_previous_leader_created) {
  follow_job_seen(job, test::make_job().stage("Waiting"), config, now);
  follow_pod_seen(job, make_worker(0, pod_phase::running, "node-a", 3), config, now);
  const auto out = on_lead_gained(job, config, now);
  EXPECT_EQ(job.status.stage, stage::running);
  EXPECT_EQ(job.status.current_size, 3) << "the size the workers were built for";
  EXPECT_EFFECTS(out,
                 {
                     "patch_job resnet schedule-failures=0 worker-failures=0 last-resize-time=- "
                     "attained-service=0 [bookkeeping ordered]",
                     "create_service resnet-workers [bookkeeping ordered]",
                     "patch_job_status resnet stage=Running size=3 Created=True(TrainingJobCreated) "
                     "Worker=1/0/0 [bookkeeping ordered]",
                     "report running workers=0@node-a",
                     "log info: adopted 1 running workers (stored stage was Waiting): the job is Running at "
                     "size 3",
                 });
}

TEST_F(job_transition, stale_timers_do_nothing) {
  run_two_workers();
  for (auto kind : {timer_kind::requeue, timer_kind::deadline, timer_kind::ttl, timer_kind::resync,
                    timer_kind::status_flush})
    EXPECT_EFFECTS(on_timer(job, kind, 999, config, now), {});
}

// The state machine's own invariants, beyond single arrows.

TEST_F(job_transition, status_changes_arm_one_deadline_timer_not_one_each) {
  run_two_workers(test::make_job().deadline_seconds(86400));
  std::size_t deadline_timers = 0;
  for (int i = 0; i < 20; ++i) {
    elapse(1s);
    // Workers flapping between Pending and Running change the status each time.
    const auto e1 = pod(make_worker(1, pod_phase::pending, "node-b", 2));
    const auto e2 = pod(make_worker(1, pod_phase::running, "node-b", 2));
    for (const auto* e : {&e1, &e2})
      for (const auto& t : e->timers)
        deadline_timers += t.kind == timer_kind::deadline;
  }
  EXPECT_EQ(deadline_timers, 0u) << "the deadline armed at admission still stands: nothing piles up";
}

TEST_F(job_transition, a_job_created_again_under_the_same_name_never_matches_the_old_ones_timers) {
  run_two_workers(test::make_job().ttl_seconds(600));
  pod(make_worker(0, pod_phase::succeeded, "node-a", 2));
  pod(make_worker(1, pod_phase::succeeded, "node-b", 2));
  const auto old_ttl = job.timers.ttl;
  ASSERT_GT(old_ttl, 0u);
  // Deleted and created again: a new uid, the same name.
  seen(test::make_job().uid("job-uid-2").ttl_seconds(600));
  EXPECT_EFFECTS(timer(timer_kind::ttl, old_ttl), {})
      << "the old incarnation's TTL must not delete the new job";
  EXPECT_EQ(job.status.stage, stage::waiting);
}

TEST_F(job_transition, event_names_are_valid_object_names_for_any_valid_job_name) {
  const std::regex subdomain("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  const std::string long_name = std::string(240, 'a') + ".b-" + std::string(10, 'c');
  for (const auto& name :
       {std::string("resnet"), std::string(253, 'x'), long_name,
        std::string(200, 'd') + "-" + std::string(52, 'e'), std::string(230, 'f') + "." + "g"}) {
    const auto a = event_name(name, now.wall, 1);
    EXPECT_LE(a.size(), 253u) << name;
    EXPECT_TRUE(std::regex_match(a, subdomain)) << a;
    EXPECT_EQ(a, event_name(name, now.wall, 1)) << "deterministic";
    EXPECT_NE(a, event_name(name, now.wall, 2)) << "one name per Event";
  }
  EXPECT_EQ(event_name("resnet", at("2026-11-28T10:00:00Z"), 7), "resnet.17958600000000000007");
  EXPECT_NE(event_name(std::string(250, 'a') + "x", now.wall, 1),
            event_name(std::string(250, 'a') + "y", now.wall, 1))
      << "two long names with the same prefix stay apart";
}

} // namespace
} // namespace lattice::lifecycle
