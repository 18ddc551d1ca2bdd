#include "lifecycle/conditions.hpp"

#include <gtest/gtest.h>

namespace lattice::lifecycle {
namespace {

using k8s::condition_status;
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

} // namespace
} // namespace lattice::lifecycle
