// Eligibility: nodeSelector, required node affinity, taints/tolerations,
// cordoned and not-ready nodes.
#include "builders.hpp"
#include "scheduling/constraints.hpp"

#include <gtest/gtest.h>

namespace lattice::scheduling::testing {
namespace {

using op = selector_operator;

struct affinity_case {
  const char* name;
  std::vector<node_selector_term> terms;
  bool matches; // against labels {zone: a, gpus: 8, tier: gold}
};

class affinity : public ::testing::TestWithParam<affinity_case> {};

TEST_P(affinity, matches_labels) {
  const auto& c = GetParam();
  placement_constraints pc;
  pc.required_affinity = c.terms;
  std::map<std::string, std::string> labels{{"zone", "a"}, {"gpus", "8"}, {"tier", "gold"}};
  EXPECT_EQ(matches_labels(pc, labels, "node-7"), c.matches);
}

INSTANTIATE_TEST_SUITE_P(
    expressions, affinity,
    ::testing::Values(
        affinity_case{"in_hit", {{{{"zone", op::in, {"b", "a"}}}}}, true},
        affinity_case{"in_miss", {{{{"zone", op::in, {"b"}}}}}, false},
        affinity_case{"in_absent_key", {{{{"rack", op::in, {"a"}}}}}, false},
        affinity_case{"notin_hit", {{{{"zone", op::not_in, {"b"}}}}}, true},
        affinity_case{"notin_miss", {{{{"zone", op::not_in, {"a"}}}}}, false},
        affinity_case{"notin_absent_key", {{{{"rack", op::not_in, {"a"}}}}}, true},
        affinity_case{"exists", {{{{"tier", op::exists, {}}}}}, true},
        affinity_case{"exists_miss", {{{{"rack", op::exists, {}}}}}, false},
        affinity_case{"does_not_exist", {{{{"rack", op::does_not_exist, {}}}}}, true},
        affinity_case{"does_not_exist_miss", {{{{"zone", op::does_not_exist, {}}}}}, false},
        affinity_case{"gt_hit", {{{{"gpus", op::gt, {"4"}}}}}, true},
        affinity_case{"gt_equal_is_miss", {{{{"gpus", op::gt, {"8"}}}}}, false},
        affinity_case{"lt_hit", {{{{"gpus", op::lt, {"9"}}}}}, true},
        affinity_case{"gt_non_integer_label", {{{{"zone", op::gt, {"1"}}}}}, false},
        affinity_case{"and_within_term", {{{{"zone", op::in, {"a"}}, {"tier", op::in, {"silver"}}}}}, false},
        affinity_case{"or_across_terms", {{{{"zone", op::in, {"b"}}}}, {{{"tier", op::in, {"gold"}}}}}, true},
        affinity_case{"empty_term_matches_nothing", {node_selector_term{}}, false},
        affinity_case{"no_terms_no_constraint", {}, true},
        // A pod's matchFields metadata.name (how workers are pinned) is the
        // node's name, not a label of that key or the hostname label.
        affinity_case{"node_name_hit", {{{{"metadata.name", op::in, {"node-7"}}}}}, true},
        affinity_case{"node_name_miss", {{{{"metadata.name", op::in, {"node-8"}}}}}, false},
        affinity_case{"node_name_not_in", {{{{"metadata.name", op::not_in, {"node-7"}}}}}, false},
        affinity_case{"node_name_and_label",
                      {{{{"zone", op::in, {"a"}}, {"metadata.name", op::in, {"node-7"}}}}},
                      true}),
    [](const auto& info) { return std::string{info.param.name}; });

struct taint_case {
  const char* name;
  std::vector<taint> taints;
  std::vector<toleration> tolerations;
  bool admitted;
};

class taints : public ::testing::TestWithParam<taint_case> {};

TEST_P(taints, tolerations) {
  const auto& c = GetParam();
  EXPECT_EQ(tolerates_taints(c.tolerations, c.taints), c.admitted);
}

using te = taint_effect;
using to = toleration_operator;

INSTANTIATE_TEST_SUITE_P(
    effects, taints,
    ::testing::Values(taint_case{"untainted", {}, {}, true},
                      taint_case{"no_schedule_blocks", {{"gpu", "true", te::no_schedule}}, {}, false},
                      taint_case{"no_execute_blocks", {{"gpu", "true", te::no_execute}}, {}, false},
                      taint_case{
                          "prefer_no_schedule_ignored", {{"gpu", "true", te::prefer_no_schedule}}, {}, true},
                      taint_case{"equal_tolerates",
                                 {{"gpu", "true", te::no_schedule}},
                                 {{"gpu", to::equal, "true", te::no_schedule}},
                                 true},
                      taint_case{"equal_wrong_value",
                                 {{"gpu", "true", te::no_schedule}},
                                 {{"gpu", to::equal, "yes", std::nullopt}},
                                 false},
                      taint_case{"wrong_effect",
                                 {{"gpu", "true", te::no_execute}},
                                 {{"gpu", to::equal, "true", te::no_schedule}},
                                 false},
                      taint_case{"empty_effect_matches_all",
                                 {{"gpu", "true", te::no_execute}},
                                 {{"gpu", to::equal, "true", std::nullopt}},
                                 true},
                      taint_case{"exists_any_value",
                                 {{"gpu", "x", te::no_schedule}},
                                 {{"gpu", to::exists, "", std::nullopt}},
                                 true},
                      taint_case{"exists_empty_key_tolerates_all",
                                 {{"a", "1", te::no_schedule}, {"b", "2", te::no_execute}},
                                 {{"", to::exists, "", std::nullopt}},
                                 true},
                      taint_case{"every_taint_must_be_tolerated",
                                 {{"a", "1", te::no_schedule}, {"b", "2", te::no_schedule}},
                                 {{"a", to::exists, "", std::nullopt}},
                                 false}),
    [](const auto& info) { return std::string{info.param.name}; });

TEST(node_admits, cordoned_and_not_ready_nodes_take_no_new_workers) {
  placement_constraints none;
  EXPECT_TRUE(node_admits(none, make_node("ok")));
  EXPECT_FALSE(node_admits(none, make_node("c").cordoned()));
  EXPECT_FALSE(node_admits(none, make_node("nr").not_ready()));
}

TEST(node_admits, selector_needs_every_label) {
  placement_constraints pc;
  pc.node_selector = {{"g", "a"}, {"zone", "z1"}};
  EXPECT_TRUE(node_admits(pc, make_node("n").label("g", "a").label("zone", "z1").label("x", "y")));
  EXPECT_FALSE(node_admits(pc, make_node("n").label("g", "a")));
  EXPECT_FALSE(node_admits(pc, make_node("n").label("g", "b").label("zone", "z1")));
}

TEST(validate_constraints, names_the_bad_field) {
  placement_constraints pc;
  pc.required_affinity = {{{{"gpus", op::gt, {"many"}}}}};
  EXPECT_EQ(
      validate_constraints(pc),
      std::optional<std::string>{"nodeAffinity term 0 expression 0 (key \"gpus\"): Gt/Lt need exactly one "
                                 "integer value"});
  pc.required_affinity = {{{{"zone", op::in, {}}}}};
  EXPECT_TRUE(validate_constraints(pc).has_value());
  pc.required_affinity = {};
  pc.tolerations = {{"", to::equal, "x", std::nullopt}};
  EXPECT_EQ(validate_constraints(pc), std::optional<std::string>{"toleration 0: operator Equal needs a key"});
}

TEST(describe_constraints, reads_like_a_selector) {
  placement_constraints pc;
  EXPECT_EQ(describe_constraints(pc), "any schedulable node");
  pc.node_selector = {{"node-group", "a"}};
  pc.required_affinity = {{{{"zone", op::in, {"x", "y"}}, {"tier", op::exists, {}}}}};
  EXPECT_EQ(describe_constraints(pc), "nodes matching node-group=a, zone in (x, y) and tier exists");
}

TEST(planner_placement, honours_selector_affinity_taints_and_node_state) {
  snapshot snap;
  snap.nodes = {make_node("a-cordoned").gpus(8).label("g", "a").cordoned(),
                make_node("a-notready").gpus(8).label("g", "a").not_ready(),
                make_node("a-tainted").gpus(8).label("g", "a").taint("dedicated", "infer", te::no_schedule),
                make_node("a-ok").gpus(2).label("g", "a"), make_node("b-big").gpus(8).label("g", "b")};
  snap.jobs = {make_job("sel").size(2).selector("g", "a"), make_job("tol")
                                                               .size(8)
                                                               .submitted(1)
                                                               .tolerate("dedicated", "infer")
                                                               .affinity_term({{"g", op::in, {"a"}}})};
  auto p = plan_at(snap);
  EXPECT_EQ(nodes_of(p, "sel"), (std::vector<std::string>{"a-ok", "a-ok"}));
  EXPECT_EQ(nodes_of(p, "tol"), repeat("a-tainted", 8));
}

} // namespace
} // namespace lattice::scheduling::testing
