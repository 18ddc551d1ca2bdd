// A hand-made day in a small cluster: what an administrator expects to see.
#include "builders.hpp"

#include <gtest/gtest.h>

namespace lattice::scheduling::testing {
namespace {

using strings = std::vector<std::string>;

// Two node groups: "train" (3 x 8 GPUs, one cordoned for maintenance) and
// "infer" (1 x 8 GPUs, tainted for inference). Jobs of three priorities.
snapshot small_cluster() {
  snapshot s;
  s.nodes = {make_node("train-0").gpus(8).label("pool", "train"),
             make_node("train-1").gpus(8).label("pool", "train"),
             make_node("train-2").gpus(8).label("pool", "train").cordoned(),
             make_node("infer-0")
                 .gpus(8)
                 .label("pool", "infer")
                 .taint("dedicated", "infer", taint_effect::no_schedule)};
  s.jobs = {
      // Yesterday's elastic research job: running on both train nodes, unlocked.
      make_job("research")
          .priority(0)
          .min(2)
          .max(16)
          .submitted(0)
          .running({"train-0", "train-0", "train-0", "train-0", "train-0", "train-0", "train-0", "train-0",
                    "train-1", "train-1", "train-1", "train-1", "train-1", "train-1", "train-1", "train-1"}),
      // A production fine-tune arrives: 8 GPUs as one 8-GPU worker, priority 2.
      make_job("prod-finetune").priority(2).size(1).gpus(8).submitted(500),
      // A team job that may use the inference node and tolerates its taint.
      make_job("batch-eval").priority(1).min(1).max(2).gpus(4).submitted(600).tolerate("dedicated", "infer"),
      // A job that failed to schedule twice and is cooling down.
      make_job("flaky").priority(1).size(1).submitted(100).queued(900).cooldown_until(1200, 2),
      // Wants the maintenance node's pool only, and 3 nodes' worth of GPUs.
      make_job("too-big").priority(1).size(3).gpus(8).selector("pool", "train").submitted(700),
  };
  return s;
}

TEST(scenario, mixed_priorities_taints_cooldown_and_fragmentation) {
  auto p = plan_at(small_cluster(), 1000);

  // The fine-tune takes one whole train node by shrinking the research job
  // (lowest priority) rather than preempting it.
  EXPECT_EQ(nodes_of(p, "prod-finetune"), strings{"train-1"});
  const auto& research = decision(p, "research");
  EXPECT_EQ(research.stage, job_stage::running);
  EXPECT_EQ(research.size, 8);
  EXPECT_EQ(research.workers.back().node, "train-0");
  EXPECT_EQ(research.removed.size(), 8u);
  EXPECT_EQ(research.preempted_by, "default/prod-finetune");
  EXPECT_EQ(research.reason,
            "shrunk to make room for default/prod-finetune (priority 2); below maxSize 16: no room "
            "now for 8 more x {nvidia.com/gpu: 1} on any schedulable node");

  // batch-eval only fits on the tainted inference node it tolerates; it gets
  // both workers there (maxSize 2) and does not fragment train nodes.
  EXPECT_EQ(nodes_of(p, "batch-eval"), (strings{"infer-0", "infer-0"}));

  // The cooling job waits with a reason that says until when.
  EXPECT_EQ(decision(p, "flaky").reason, "in cooldown until 2026-11-28T10:20:00Z after 2 schedule failures");

  // too-big needs three 8-GPU train workers; one train node is cordoned, and
  // it cannot take from the higher-priority fine-tune, so nothing is taken.
  const auto& too_big = decision(p, "too-big");
  EXPECT_EQ(too_big.stage, job_stage::waiting);
  EXPECT_EQ(
      too_big.reason,
      "can never be placed on this cluster: the 2 matching nodes hold at most 2 of its minSize 3; needs 3 x "
      "{nvidia.com/gpu: 8} on nodes matching pool=train; largest placement possible now: 0");

  // Queue: priority, then FIFO by queuedTime (flaky was requeued at 900).
  strings queue;
  for (auto i : p.queue)
    queue.push_back(small_cluster().jobs[i].name);
  EXPECT_EQ(queue, (strings{"prod-finetune", "batch-eval", "too-big", "flaky", "research"}));
}

} // namespace
} // namespace lattice::scheduling::testing
