// The growth-policy options: every planner knob from flags, environment and
// file, defaults equal to the planner's, bad values refused.
#include "config/option_table.hpp"
#include "config_test_support.hpp"

#include <gtest/gtest.h>

namespace lattice::config {
namespace {

using namespace testing;
using std::chrono::milliseconds;

TEST(policy_options, defaults_are_the_planners) {
  auto out = load({});
  ASSERT_EQ(out.action, load_action::run) << out.error;
  const auto& p = out.config.autoscaler.policy;
  const scheduling::planner_config d;
  EXPECT_EQ(p.growth, d.growth);
  EXPECT_EQ(p.service_classes, d.service_classes);
  EXPECT_EQ(p.resize_payback, d.resize_payback);
  EXPECT_EQ(p.reserve_for_head, d.reserve_for_head);
  EXPECT_EQ(p.lend_reserved, d.lend_reserved);
  EXPECT_EQ(p.topology_keys, d.topology_keys);
}

TEST(policy_options, every_knob_from_flags_env_and_file) {
  temp_file file(
      "growthPolicy: fair\ntopologyKeys: topology.kubernetes.io/rack,node-group\nreserveForHead: false\n");
  auto out = load({"--config",
                   file.path(),
                   "--service-class-gpu-hours=0.5,2,8",
                   "--resize-payback=7",
                   "--min-resize-ratio=1.5",
                   "--lend-hysteresis=0.75",
                   "--restart-cost=1m",
                   "--rebalance=false",
                   "--lend-to-restarting-only=true",
                   "--lend-in-bulk=true",
                   "--rescale-age-fraction=0.2",
                   "--max-rescale-hold=45m",
                   "--reclaim-locked=false",
                   "--growth-headroom=4",
                   "--consolidate=false",
                   "--repack-running=false",
                   "--lend-reserved=false",
                   "--spread-penalty=0.25",
                   "--use-throughput=false",
                   "--throughput-max-age=10m",
                   "--min-marginal-speedup=0.3",
                   "--arrival-window=30m",
                   "--arrival-headroom-factor=1.5",
                   "--growth-rounds=2",
                   "--growth-age-fraction=0.5",
                   "--growth-quiet=5m"},
                  {{"LATTICE_RESIZE_PAYBACK", "9"}});
  ASSERT_EQ(out.action, load_action::run) << out.error;
  const auto& p = out.config.autoscaler.policy;
  EXPECT_EQ(p.growth, scheduling::growth_order::fair);
  EXPECT_EQ(p.topology_keys, (std::vector<std::string>{"topology.kubernetes.io/rack", "node-group"}));
  EXPECT_FALSE(p.reserve_for_head);
  EXPECT_EQ(p.service_classes, (std::vector<double>{1800, 7200, 28800}));
  EXPECT_EQ(p.resize_payback, 7); // the flag beats the environment
  EXPECT_EQ(p.min_resize_ratio, 1.5);
  EXPECT_EQ(p.lend_hysteresis, 0.75);
  EXPECT_EQ(p.restart_cost, milliseconds(60'000));
  EXPECT_FALSE(p.rebalance);
  EXPECT_TRUE(p.lend_to_restarting_only);
  EXPECT_TRUE(p.lend_in_bulk);
  EXPECT_EQ(p.rescale_age_fraction, 0.2);
  EXPECT_EQ(p.max_rescale_hold, milliseconds(2'700'000));
  EXPECT_FALSE(p.reclaim_locked);
  EXPECT_EQ(p.growth_headroom, 4);
  EXPECT_FALSE(p.consolidate);
  EXPECT_FALSE(p.repack_running);
  EXPECT_FALSE(p.lend_reserved);
  EXPECT_EQ(p.spread_penalty, 0.25);
  EXPECT_FALSE(p.use_throughput);
  EXPECT_EQ(p.throughput_max_age, milliseconds(600'000));
  EXPECT_EQ(p.min_marginal_speedup, 0.3);
  EXPECT_EQ(p.arrival_window, milliseconds(1'800'000));
  EXPECT_EQ(p.arrival_headroom_factor, 1.5);
  EXPECT_EQ(p.growth_rounds, 2);
  EXPECT_EQ(p.growth_age_fraction, 0.5);
  EXPECT_EQ(p.growth_quiet, milliseconds(300'000));
}

TEST(policy_options, bad_values_are_refused_with_the_flag_named) {
  for (const char* bad :
       {"--growth-policy=random", "--service-class-gpu-hours=4,2", "--service-class-gpu-hours=0",
        "--resize-payback=-1", "--min-marginal-speedup=2", "--growth-headroom=-3", "--topology-keys=bad key",
        "--restart-cost=forever", "--arrival-window=2d", "--arrival-headroom-factor=-1", "--growth-rounds=17",
        "--growth-age-fraction=11", "--growth-quiet=2d", "--spread-penalty=1.5"}) {
    auto out = load({bad});
    EXPECT_EQ(out.action, load_action::error) << bad;
    std::string flag(bad);
    flag = flag.substr(2, flag.find('=') - 2);
    EXPECT_NE(out.error.find(flag), std::string::npos) << out.error;
  }
}

TEST(policy_options, help_lists_them_with_defaults) {
  auto text = help_text("lattice-operator");
  for (const char* f : {"--growth-policy", "--resize-payback", "--reserve-for-head", "--topology-keys"})
    EXPECT_NE(text.find(f), std::string::npos) << f;
}

} // namespace
} // namespace lattice::config
