#include "lifecycle/lost_nodes.hpp"
#include "lifecycle/worker_reconcile.hpp"
#include "test/support/effects_text.hpp"
#include "transition_fixture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

// A job's pods on a lost node (lifecycle/lost_nodes.hpp): a deleted node's
// pods, and pods being deleted on a node NotReady past
// unresponsive_node_after, are force-deleted at once, so the replacement
// (same name) does not wait for PodGC or the stuck-terminating rule.

namespace lattice::lifecycle {
namespace {

const write_result ok{true, 200, "", false};

std::vector<std::string> matching(const std::vector<std::string>& lines, const std::string& prefix) {
  std::vector<std::string> out;
  std::copy_if(lines.begin(), lines.end(), std::back_inserter(out),
               [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines)
    out += l + "\n";
  return out;
}

class lost_nodes : public transition_fixture {
protected:
  /// The effects of `e` as lines, each write answered ok (answers' effects appended).
  std::vector<std::string> answer(const effects& e) {
    auto lines = test::describe(e);
    for (const auto& w : e.writes)
      for (auto& l : answer(on_write_answered(job, w.verb, w.name, ok, config, now)))
        lines.push_back("answer: " + l);
    return lines;
  }
  std::vector<std::string> pod(const k8s::pod& p) { return answer(on_pod_seen(job, p, config, now)); }
  std::vector<std::string> gone(const k8s::pod& p) { return answer(on_pod_gone(job, p, config, now)); }
  std::vector<std::string> lost(const std::string& node, node_loss loss) {
    return answer(on_node_lost(job, node, loss, config, now));
  }
  std::vector<std::string> decide(const placements& workers) {
    return answer(on_decision(job, test::make_decision(workers).changed(), config, now));
  }

  /// "resnet" Running with worker 0 on node-a and worker 1 on node-b.
  void run_two() {
    answer(on_job_seen(job, test::make_job().backoff_limit(0), config, now));
    decide({{0, "node-a"}, {1, "node-b"}});
    pod(make_worker(0, pod_phase::running, "node-a", 2));
    pod(make_worker(1, pod_phase::running, "node-b", 2));
  }
};

TEST_F(lost_nodes, a_deleted_node_frees_its_workers_at_once_and_the_replacement_follows_the_decision) {
  run_two();
  const auto uid = job.pods.at("resnet-worker-1").uid;
  const auto lines = lost("node-b", node_loss::deleted);
  EXPECT_EQ(matching(lines, "delete_pod"), (std::vector<std::string>{"delete_pod resnet-worker-1 uid=" + uid
                                                                     + " grace=0 node=node-b [free_gpus]"}))
      << joined(lines);
  EXPECT_TRUE(matching(lines, "create_pod").empty()) << "not on the deleted node\n" << joined(lines);

  // The forced delete is gone from the API at once; the planner's decision
  // moving the worker has not come yet: nothing is created on node-b.
  const auto after = gone(make_worker(1, pod_phase::running, "node-b", 2));
  EXPECT_TRUE(matching(after, "create_pod").empty()) << joined(after);
  const auto moved = decide({{0, "node-a"}, {1, "node-c"}});
  EXPECT_EQ(matching(moved, "create_pod"),
            (std::vector<std::string>{"create_pod resnet-worker-1 node=node-c size=2 [start_pods]"}))
      << joined(moved);
  EXPECT_FALSE(job.finished());
  EXPECT_EQ(job.persisted.worker_failures, 0) << "a lost node is not the worker's failure";
  EXPECT_TRUE(job.lost_nodes.empty()) << "forgotten once nothing names node-b";
}

TEST_F(lost_nodes, a_deleted_node_forces_a_worker_whose_ordinary_delete_is_in_flight) {
  run_two();
  // The decision moved worker 1 first: an ordinary delete, which no kubelet will confirm.
  const auto moved = decide({{0, "node-a"}, {1, "node-c"}});
  ASSERT_EQ(matching(moved, "delete_pod").size(), 1u) << joined(moved);
  EXPECT_EQ(matching(moved, "delete_pod")[0].find("grace=0"), std::string::npos) << joined(moved);
  pod(make_worker(1, pod_phase::running, "node-b", 2).terminating("2026-11-28T10:00:30Z"));
  const auto lines = lost("node-b", node_loss::deleted);
  ASSERT_EQ(matching(lines, "delete_pod").size(), 1u) << joined(lines);
  EXPECT_NE(matching(lines, "delete_pod")[0].find("grace=0"), std::string::npos) << joined(lines);
  // Forced once: later passes do not repeat it while the watch catches up.
  EXPECT_TRUE(matching(lost("node-b", node_loss::deleted), "delete_pod").empty());
  elapse(5s);
  EXPECT_TRUE(
      matching(answer(on_timer(job, timer_kind::resync, job.timers.resync, config, now)), "delete_pod")
          .empty());
  const auto after = gone(make_worker(1, pod_phase::running, "node-b", 2));
  EXPECT_EQ(matching(after, "create_pod"),
            (std::vector<std::string>{"create_pod resnet-worker-1 node=node-c size=2 [start_pods]"}))
      << joined(after);
}

TEST_F(lost_nodes, an_unresponsive_node_forces_only_its_terminating_workers) {
  run_two();
  const auto live = lost("node-b", node_loss::unresponsive);
  EXPECT_TRUE(matching(live, "delete_pod").empty()) << "a running worker is the planner's to move\n"
                                                    << joined(live);
  // The planner moves it; the delete is answered; the watch shows it
  // terminating (grace period 30 s) and no kubelet will end it.
  decide({{0, "node-a"}, {1, "node-c"}});
  const auto lines = pod(make_worker(1, pod_phase::running, "node-b", 2).terminating("2026-11-28T10:00:30Z"));
  ASSERT_EQ(matching(lines, "delete_pod").size(), 1u) << "forced at once, not 45 s later\n" << joined(lines);
  EXPECT_NE(matching(lines, "delete_pod")[0].find("grace=0"), std::string::npos) << joined(lines);
  EXPECT_TRUE(matching(lines, "delete_pod resnet-worker-0").empty());
}

TEST_F(lost_nodes, a_node_ready_again_is_forgotten) {
  run_two();
  lost("node-b", node_loss::unresponsive);
  EXPECT_EQ(loss_of(job, "node-b"), node_loss::unresponsive);
  lost("node-b", node_loss::none);
  EXPECT_EQ(loss_of(job, "node-b"), node_loss::none);
  const auto lines = pod(make_worker(1, pod_phase::running, "node-b", 2).terminating("2026-11-28T10:00:30Z"));
  EXPECT_TRUE(matching(lines, "delete_pod").empty()) << "its kubelet answers again\n" << joined(lines);
}

TEST_F(lost_nodes, a_standby_follows_the_loss_and_writes_nothing) {
  answer(on_job_seen(job, test::make_job(), config, now));
  auto lines = test::describe(follow_node_lost(job, "node-b", node_loss::deleted, config, now));
  EXPECT_TRUE(matching(lines, "delete_pod").empty()) << joined(lines);
  EXPECT_EQ(loss_of(job, "node-b"), node_loss::deleted);
}

// ---------------------------------------------------------------- the pure rule

job_model two_on(const std::string& node_of_1) {
  auto m = test::make_model(
      test::make_job().min(2).stage("Running").size(2),
      {make_worker(0, pod_phase::running, "node-a"), make_worker(1, pod_phase::running, node_of_1)});
  m.target = placements{{0, "node-a"}, {1, node_of_1}};
  return m;
}

TEST(forced_by_lost_node, what_each_loss_frees) {
  auto job = two_on("node-b");
  const auto& worker = job.pods.at("resnet-worker-1");
  EXPECT_EQ(forced_by_lost_node(job, worker), "");
  note_node_loss(job, "node-b", node_loss::unresponsive);
  EXPECT_EQ(forced_by_lost_node(job, worker), "") << "live: the planner moves it";
  auto terminating = worker;
  terminating.terminating = true;
  EXPECT_EQ(forced_by_lost_node(job, terminating), "terminating on unresponsive node node-b; forcing");
  note_node_loss(job, "node-b", node_loss::deleted);
  EXPECT_EQ(forced_by_lost_node(job, worker), "node node-b was deleted; forcing");
  auto succeeded = worker;
  succeeded.phase = pod_phase::succeeded;
  EXPECT_EQ(forced_by_lost_node(job, succeeded), "") << "kept: the job completes when all have succeeded";
  job.forced_deletes.insert(worker.uid);
  EXPECT_EQ(forced_by_lost_node(job, worker), "") << "one forced delete per pod";
  EXPECT_FALSE(note_node_loss(job, "node-b", node_loss::unresponsive)) << "deleted stays deleted";
}

TEST(reconcile_workers, forces_workers_of_a_deleted_node_and_creates_none_there) {
  auto job = two_on("node-b");
  job.deleting.expect("resnet-worker-1"); // an ordinary delete in flight
  job.pods.erase("resnet-worker-0");
  note_node_loss(job, "node-b", node_loss::deleted);
  note_node_loss(job, "node-a", node_loss::unresponsive);
  const auto out = reconcile_workers(job, at("2026-11-28T10:00:00Z"));
  ASSERT_EQ(out.remove.size(), 1u);
  EXPECT_EQ(out.remove[0].name, "resnet-worker-1");
  EXPECT_TRUE(out.remove[0].force);
  EXPECT_FALSE(out.remove[0].retried_failure);
  EXPECT_TRUE(out.create.empty()) << "worker 0's node is unresponsive: it waits for the decision";
}

TEST(lost_nodes_memory, forgets_nodes_nothing_names_and_nodes_a_decision_places_on) {
  auto job = two_on("node-b");
  note_node_loss(job, "node-b", node_loss::deleted);
  note_node_loss(job, "node-z", node_loss::unresponsive);
  forget_unused_lost_nodes(job);
  EXPECT_EQ(job.lost_nodes.size(), 1u);
  forget_lost_nodes_for(job, {{1, "node-b"}}); // re-registered under its name
  EXPECT_TRUE(job.lost_nodes.empty());
  EXPECT_EQ(node_loss_from(2), node_loss::deleted);
  EXPECT_EQ(node_loss_from(7), node_loss::none);
}

} // namespace
} // namespace lattice::lifecycle
