// Moving running jobs onto one node (repack_running): a job whose workers
// survive moves, spread over several nodes, moves onto a node that holds it
// whole when the speed-up over its expected remaining time pays for the
// restart; the fitted scaling decides once its reports tell what spanning
// nodes costs.
#include "builders.hpp"

#include <gtest/gtest.h>

namespace lattice::scheduling::testing {
namespace {

using strings = std::vector<std::string>;

/// Nodes a, b and c of 4 GPUs; a and b hold three GPUs of others each, so
/// `j` (one worker on each) could run whole on c.
snapshot spread_job(job_builder j) {
  snapshot snap;
  snap.nodes = {make_node("a").gpus(4), make_node("b").gpus(4), make_node("c").gpus(4)};
  snap.jobs = {j.running({"a", "b"}), make_job("x").size(3).submitted(0).running({"a", "a", "a"}).resized(0),
               make_job("y").size(3).submitted(0).running({"b", "b", "b"}).resized(0)};
  return snap;
}

/// Two workers that have run an hour since their last resize at t=0.
job_builder hour_old(std::string name) {
  return make_job(std::move(name)).size(2).submitted(0).resized(0).attained(2 * 3'600);
}

TEST(repack, a_spread_movable_job_moves_onto_one_node) {
  auto p = plan_at(spread_job(hour_old("j").movable()), 3'600);
  const auto& d = decision(p, "j");
  EXPECT_EQ(nodes_of(p, "j"), repeat("c", 2));
  // The same size: a move, not a resize (requeueTime is not cleared).
  EXPECT_TRUE(d.moved);
  EXPECT_FALSE(d.changed);
  EXPECT_EQ(d.added.size(), 2U);
  EXPECT_EQ(d.removed.size(), 2U);
  // The others stay where they are.
  EXPECT_EQ(nodes_of(p, "x"), repeat("a", 3));
}

TEST(repack, a_plain_job_keeps_its_nodes) {
  // Its other workers would lose their peer: only a restart moves it.
  auto p = plan_at(spread_job(hour_old("j")), 3'600);
  EXPECT_EQ(nodes_of(p, "j"), (strings{"a", "b"}));
  EXPECT_FALSE(decision(p, "j").moved);
}

TEST(repack, off_it_keeps_its_nodes) {
  planner_config cfg;
  cfg.repack_running = false;
  auto p = plan_at(spread_job(hour_old("j").movable()), 3'600, cfg);
  EXPECT_EQ(nodes_of(p, "j"), (strings{"a", "b"}));
}

TEST(repack, only_when_the_gain_pays_for_the_restart) {
  // Expected remaining time = time run (10 min): 10% of it is 60 s, less
  // than resizePayback (5) x restartCost (30 s).
  auto young = make_job("j").size(2).submitted(0).resized(0).attained(2 * 600).movable();
  EXPECT_EQ(nodes_of(plan_at(spread_job(young), 3'600), "j"), (strings{"a", "b"}));
  // A larger assumed loss makes the same move worth it.
  planner_config cfg;
  cfg.spread_penalty = 0.3;
  EXPECT_EQ(nodes_of(plan_at(spread_job(young), 3'600, cfg), "j"), repeat("c", 2));
}

TEST(repack, not_within_the_rescale_interval) {
  // Resized 60 s ago: rule 6 holds its placement.
  auto locked = make_job("j").size(2).submitted(0).resized(3'540).attained(2 * 3'600).movable();
  EXPECT_EQ(nodes_of(plan_at(spread_job(locked), 3'600), "j"), (strings{"a", "b"}));
}

TEST(repack, not_while_a_job_waits) {
  // The node a move would take is one a waiting job of the same priority
  // (it needs 5 GPUs: no node holds it) was refused.
  auto snap = spread_job(hour_old("j").movable());
  snap.jobs.push_back(make_job("w").size(5).submitted(100));
  auto p = plan_at(snap, 3'600);
  EXPECT_EQ(decision(p, "w").stage, job_stage::waiting);
  EXPECT_EQ(nodes_of(p, "j"), (strings{"a", "b"}));
}

TEST(repack, reports_that_show_no_cost_of_spanning_nodes_keep_it) {
  // Measured on one node and on two: the same rate, so a move wins nothing.
  auto j = hour_old("j").movable().reported(2, 1, 100, 3'000).reported(2, 2, 100, 3'500);
  EXPECT_EQ(nodes_of(plan_at(spread_job(j), 3'600), "j"), (strings{"a", "b"}));
}

TEST(repack, reports_that_show_a_large_cost_move_it_sooner) {
  // Half the rate on two nodes: worth a restart after 5 minutes of run
  // (the default assumption, 10%, would wait 25).
  auto j = make_job("j")
               .size(2)
               .submitted(0)
               .resized(0)
               .attained(2 * 600)
               .movable()
               .reported(2, 1, 100, 300)
               .reported(2, 2, 50, 500);
  EXPECT_EQ(nodes_of(plan_at(spread_job(j), 3'600), "j"), repeat("c", 2));
}

TEST(repack, a_job_that_cannot_fit_one_node_stays) {
  // Six workers of 1 GPU on nodes of 4: two nodes at best, so no move.
  snapshot snap;
  snap.nodes = gpu_nodes("n", 4, 4);
  snap.jobs = {make_job("j").size(6).submitted(0).resized(0).attained(6 * 3'600).movable().running(
      {"n0", "n1", "n2", "n0", "n1", "n2"})};
  EXPECT_EQ(nodes_of(plan_at(snap, 3'600), "j"), (strings{"n0", "n1", "n2", "n0", "n1", "n2"}));
}

} // namespace
} // namespace lattice::scheduling::testing
