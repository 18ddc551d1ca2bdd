#include "lifecycle/pod_names.hpp"
#include "lifecycle/worker_reconcile.hpp"
#include "test/support/builders.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

// reconcile_workers, one table row per rule of its header comment. The job is
// "resnet" (Running, currentSize 2) unless a row edits it.

namespace lattice::lifecycle {
namespace {

using k8s::pod_phase;
using scheduling::worker_placement;
using test::at;
using test::make_worker;

const auto now = at("2026-11-28T10:00:00Z");

using placements = std::vector<worker_placement>;

/// A Pending worker pinned (annotation) to `node`, no spec.nodeName yet.
k8s::pod pinned(int index, const std::string& node) {
  return test::make_pod("resnet-worker-" + std::to_string(index))
      .worker(index)
      .owned_by("job-uid-1")
      .pinned(node);
}

/// A Running worker whose environment was built for `size` workers.
k8s::pod built_for(int index, int size) {
  return make_worker(index, pod_phase::running).built_for(size);
}

k8s::pod terminating(k8s::pod pod, const std::string& since) {
  pod.meta.deletion_timestamp = since;
  return pod;
}

k8s::pod with_ready(k8s::pod pod, k8s::condition_status ready) {
  pod.ready = ready;
  return pod;
}

k8s::pod with_uid(k8s::pod pod, const std::string& uid) {
  pod.meta.uid = uid;
  return pod;
}

/// The job "resnet": Running at size 2 with `pods`, the last decision `target`.
job_model running(const std::vector<k8s::pod>& pods, std::optional<placements> target) {
  auto m = test::make_model(test::make_job().min(2).stage("Running").size(2), pods);
  m.target = std::move(target);
  return m;
}

/// One expected deletion: pod name, forced, counted as a retried failure.
struct removal {
  std::string name;
  bool force = false;
  bool retried = false;
  friend bool operator==(const removal& a, const removal& b) {
    return a.name == b.name && a.force == b.force && a.retried == b.retried;
  }
  friend std::ostream& operator<<(std::ostream& os, const removal& r) {
    return os << r.name << (r.force ? " forced" : "") << (r.retried ? " retried" : "");
  }
};

struct reconcile_case {
  std::string name;
  std::vector<k8s::pod> pods;
  std::optional<placements> target;
  std::vector<removal> removed;
  placements created;
  std::function<void(job_model&)> edit = {};
  std::set<std::string> creating = {};
  std::set<std::string> deleting = {};
};

const placements two_on_a = {{0, "node-a"}, {1, "node-a"}};

class reconcile_workers_rules : public ::testing::TestWithParam<reconcile_case> {};

TEST_P(reconcile_workers_rules, deletes_and_creates_what_the_rule_says) {
  const auto& c = GetParam();
  auto job = running(c.pods, c.target);
  if (c.edit)
    c.edit(job);
  for (const auto& name : c.creating)
    job.creating.expect(name);
  for (const auto& name : c.deleting)
    job.deleting.expect(name);
  const auto out = reconcile_workers(job, now);
  std::vector<removal> removed;
  for (const auto& d : out.remove) {
    removed.push_back({d.name, d.force, d.retried_failure});
    EXPECT_FALSE(d.why.empty()) << d.name << ": every deletion says why (it is logged)";
  }
  EXPECT_EQ(removed, c.removed);
  EXPECT_EQ(out.create, c.created);
}

auto stage(std::string s, int size = 0) {
  return [s, size](job_model& job) {
    job.status.stage = stage_from_api(s);
    job.status.current_size = size;
  };
}

INSTANTIATE_TEST_SUITE_P(
    rules, reconcile_workers_rules,
    ::testing::Values(
        // Steady state: every target worker runs where it should.
        reconcile_case{"steady_state_changes_nothing",
                       {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running)},
                       two_on_a,
                       {},
                       {}},
        // Stage other than Running: every live worker goes, nothing is created.
        reconcile_case{"waiting_deletes_every_live_worker",
                       {make_worker(0, pod_phase::running), pinned(1, "node-a")},
                       two_on_a,
                       {{"resnet-worker-0"}, {"resnet-worker-1"}},
                       {},
                       stage("Waiting")},
        reconcile_case{"unset_stage_deletes_live_workers_and_keeps_succeeded",
                       {make_worker(0, pod_phase::succeeded), make_worker(1, pod_phase::running)},
                       std::nullopt,
                       {{"resnet-worker-1"}},
                       {},
                       stage("")},
        // Shrink: indices at or beyond currentSize go.
        reconcile_case{"shrink_deletes_indices_beyond_the_size",
                       {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running),
                        make_worker(2, pod_phase::running), pinned(3, "node-a")},
                       two_on_a,
                       {{"resnet-worker-2"}, {"resnet-worker-3"}},
                       {}},
        // Failed workers: retried only while Running and below the size.
        reconcile_case{"failed_worker_is_retried_while_running",
                       {make_worker(0, pod_phase::running), make_worker(1, pod_phase::failed)},
                       two_on_a,
                       {{"resnet-worker-1", false, true}},
                       {}},
        reconcile_case{"failed_worker_beyond_the_size_is_not_retried",
                       {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running),
                        make_worker(2, pod_phase::failed)},
                       two_on_a,
                       {{"resnet-worker-2", false, false}},
                       {}},
        reconcile_case{"failed_worker_of_a_waiting_job_is_not_retried",
                       {make_worker(0, pod_phase::failed)},
                       placements{},
                       {{"resnet-worker-0", false, false}},
                       {},
                       stage("Waiting")},
        // Moved: the target puts the index on another node.
        reconcile_case{"running_worker_on_another_node_goes",
                       {make_worker(0, pod_phase::running), make_worker(1, pod_phase::running, "node-b")},
                       two_on_a,
                       {{"resnet-worker-1"}},
                       {}},
        reconcile_case{"pending_worker_pinned_to_another_node_goes",
                       {make_worker(0, pod_phase::running), pinned(1, "node-b")},
                       two_on_a,
                       {{"resnet-worker-1"}},
                       {}},
        reconcile_case{"pending_worker_with_no_known_node_stays",
                       {make_worker(0, pod_phase::running), test::make_pod("resnet-worker-1").worker(1)},
                       two_on_a,
                       {},
                       {}},
        // Restart at a new size: only workers without the agent.
        reconcile_case{"plain_workers_built_for_another_size_go",
                       {built_for(0, 4), built_for(1, 4)},
                       two_on_a,
                       {{"resnet-worker-0"}, {"resnet-worker-1"}},
                       {}},
        reconcile_case{
            "plain_workers_built_for_this_size_stay", {built_for(0, 2), built_for(1, 2)}, two_on_a, {}, {}},
        reconcile_case{"injected_workers_keep_their_pods_across_sizes",
                       {built_for(0, 4), built_for(1, 4)},
                       two_on_a,
                       {},
                       {},
                       [](job_model& job) { job.object->spec.inject_lattice = true; }},
        // Creates: every target index below the size without a pod of that name.
        reconcile_case{"missing_target_indices_are_created_on_their_nodes",
                       {},
                       placements{{0, "node-a"}, {1, "node-b"}},
                       {},
                       placements{{0, "node-a"}, {1, "node-b"}}},
        reconcile_case{"a_pod_of_that_name_in_any_state_blocks_the_create",
                       {make_worker(0, pod_phase::succeeded),
                        terminating(make_worker(1, pod_phase::running), "2026-11-28T09:59:59Z")},
                       two_on_a,
                       {},
                       {}},
        reconcile_case{"a_create_in_flight_is_not_repeated",
                       {},
                       two_on_a,
                       {},
                       placements{{1, "node-a"}},
                       {},
                       {"resnet-worker-0"}},
        reconcile_case{"target_entries_beyond_the_size_are_not_created",
                       {},
                       placements{{0, "node-a"}, {1, "node-a"}, {2, "node-a"}},
                       {},
                       two_on_a},
        reconcile_case{"no_target_creates_nothing_and_keeps_workers",
                       {make_worker(0, pod_phase::running, "node-z")},
                       std::nullopt,
                       {},
                       {}},
        // Deletes in flight are not repeated (live or Failed).
        reconcile_case{"deletes_in_flight_are_skipped",
                       {make_worker(0, pod_phase::running), make_worker(1, pod_phase::failed),
                        make_worker(2, pod_phase::running)},
                       two_on_a,
                       {},
                       {},
                       {},
                       {},
                       {"resnet-worker-1", "resnet-worker-2"}},
        // Terminating: forced only once force_delete_after (15s) past the deadline.
        reconcile_case{"terminating_within_the_grace_is_left_alone",
                       {make_worker(0, pod_phase::running),
                        terminating(make_worker(1, pod_phase::running), "2026-11-28T09:59:45Z")},
                       two_on_a,
                       {},
                       {}},
        reconcile_case{"terminating_past_the_grace_is_force_deleted",
                       {make_worker(0, pod_phase::running),
                        terminating(make_worker(1, pod_phase::running), "2026-11-28T09:59:44Z")},
                       two_on_a,
                       {{"resnet-worker-1", true, false}},
                       {}},
        // Still Ready: the kubelet has not stopped the containers (slow, or
        // kwok lagging); forcing could start a second worker of that rank.
        reconcile_case{"a_ready_pod_past_the_grace_is_not_forced",
                       {make_worker(0, pod_phase::running),
                        with_ready(terminating(make_worker(1, pod_phase::running), "2026-11-28T09:00:00Z"),
                                   k8s::condition_status::true_)},
                       two_on_a,
                       {},
                       {}},
        // Marked not Ready (the node controller, for a lost node): forced.
        reconcile_case{"a_pod_marked_not_ready_past_the_grace_is_forced",
                       {make_worker(0, pod_phase::running),
                        with_ready(terminating(make_worker(1, pod_phase::running), "2026-11-28T09:59:44Z"),
                                   k8s::condition_status::false_)},
                       two_on_a,
                       {{"resnet-worker-1", true, false}},
                       {}},
        reconcile_case{"a_forced_delete_in_flight_is_not_repeated",
                       {terminating(make_worker(0, pod_phase::running), "2026-11-28T09:00:00Z")},
                       two_on_a,
                       {},
                       placements{{1, "node-a"}},
                       {},
                       {},
                       {"resnet-worker-0"}},
        // Succeeded workers stay, even beyond the size or when not running.
        reconcile_case{"succeeded_workers_are_kept",
                       {make_worker(0, pod_phase::succeeded), make_worker(1, pod_phase::succeeded),
                        make_worker(2, pod_phase::succeeded)},
                       two_on_a,
                       {},
                       {}},
        reconcile_case{"succeeded_workers_are_kept_while_waiting",
                       {make_worker(0, pod_phase::succeeded)},
                       placements{},
                       {},
                       {},
                       stage("Waiting")}),
    [](const auto& info) { return info.param.name; });

TEST(reconcile_workers, pods_without_a_valid_replica_index_are_not_workers) {
  auto bad_index = make_worker(0, pod_phase::running).label("breezeml.ai/replica-index", "zero");
  auto negative = make_worker(1, pod_phase::running).label("breezeml.ai/replica-index", "-1");
  auto other_group =
      make_worker(2, pod_phase::running).label("example.com/replica-index", "2").edit([](k8s::pod& p) {
        p.meta.labels.erase("breezeml.ai/replica-index");
      });
  auto job = running(
      {test::make_pod("resnet-rendezvous").owned_by("job-uid-1").running(), bad_index, negative, other_group},
      placements{});
  stage("Waiting")(job); // every worker would go
  const auto out = reconcile_workers(job, now);
  EXPECT_TRUE(out.remove.empty());
  EXPECT_TRUE(out.create.empty());
}

TEST(reconcile_workers, a_non_worker_pod_still_blocks_a_create_of_its_name) {
  // Someone else's pod with the worker's name.
  const auto out = reconcile_workers(running({test::make_pod("resnet-worker-1").running()}, two_on_a), now);
  EXPECT_TRUE(out.remove.empty());
  EXPECT_EQ(out.create, (placements{{0, "node-a"}}));
}

TEST(reconcile_workers, deletions_carry_the_pod_uid_as_precondition) {
  auto job =
      running({make_worker(0, pod_phase::running), with_uid(make_worker(1, pod_phase::running), "uid-1")},
              placements{{0, "node-a"}});
  job.status.current_size = 1;
  const auto out = reconcile_workers(job, now);
  ASSERT_EQ(out.remove.size(), 1u);
  EXPECT_EQ(out.remove[0].uid, "uid-1");
}

TEST(reconcile_workers, a_stuck_pod_is_forced_only_past_force_delete_after) {
  const auto pods = [](const std::string& since) {
    return std::vector<k8s::pod>{
        make_worker(0, pod_phase::running),
        with_ready(terminating(make_worker(1, pod_phase::running), since), k8s::condition_status::false_)};
  };
  EXPECT_TRUE(reconcile_workers(running(pods("2026-11-28T09:59:45Z"), two_on_a), now).remove.empty())
      << "exactly 15s past the deadline: not yet";
  ASSERT_EQ(reconcile_workers(running(pods("2026-11-28T09:59:44Z"), two_on_a), now).remove.size(), 1u);
}

TEST(pod_record, the_node_is_the_bound_one_then_the_pinned_annotation) {
  EXPECT_EQ(make_worker(0, pod_phase::running, "node-a").pinned("node-b").record().node, "node-a");
  EXPECT_EQ(test::make_pod("p").worker(1).pinned("node-b").record().node, "node-b");
  EXPECT_EQ(test::make_pod("p").worker(2).record().node, "");
  EXPECT_EQ(lifecycle::make_pod_record(test::make_pod("p").pinned("node-b"), "example.com").node, "")
      << "the annotation is under the group";
}

} // namespace
} // namespace lattice::lifecycle
