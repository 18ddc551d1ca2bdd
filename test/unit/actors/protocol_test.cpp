#include "actors/autoscaler_settings.hpp"
#include "protocol/protocol.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include <string>

// The message vocabulary: inspect() must produce a readable to_string (CAF
// uses it in logs and for unhandled-message errors), and the configuration
// must reach the autoscaler's settings.

namespace lattice {
namespace {

template <class T>
std::string printed(T msg) {
  return caf::to_string(caf::make_message(std::move(msg)));
}

TEST(Protocol, MessagesPrintTheirIdentifyingSummary) {
  struct row {
    std::string text;
    std::string expected;
  };
  protocol::job_observed observed;
  observed.job.meta.namespace_ = "team";
  observed.job.meta.name = "bert";
  protocol::job_state state;
  state.info.namespace_ = "team";
  state.info.name = "bert";
  protocol::job_decision decision;
  decision.decision.name = "bert";
  decision.decision.reason = "at maxSize";
  const row rows[] = {
      {printed(observed), "bert"},
      {printed(protocol::job_removed{"team", "bert"}), "job_removed"},
      {printed(protocol::job_gone{"team", "bert"}), "team"},
      {printed(protocol::node_gone{"gpu-7"}), "gpu-7"},
      {printed(protocol::node_removed{"gpu-7"}), "node_removed"},
      {printed(protocol::replan_timer{42}), "42"},
      {printed(protocol::set_leader{true}), "set_leader"},
      {printed(state), "bert"},
      {printed(decision), "at maxSize"},
  };
  for (const auto& r : rows)
    EXPECT_NE(r.text.find(r.expected), std::string::npos) << r.text << " lacks " << r.expected;
}

TEST(Protocol, InspectAtomIsPrefixed) {
  EXPECT_EQ(caf::to_string(caf::atom_value{atoms::inspect_atom::value}), "lInspect");
}

TEST(AutoscalerSettings, ComeFromTheOperatorConfig) {
  config::operator_config cfg;
  cfg.autoscaler.gpu_resource = "amd.com/gpu";
  cfg.autoscaler.rescale_interval = std::chrono::minutes{5};
  cfg.autoscaler.plan_debounce = std::chrono::milliseconds{500};
  cfg.leader_election.enabled = true;
  auto s = actors::settings_from(cfg);
  EXPECT_EQ(s.planner.gpu_resource, "amd.com/gpu");
  EXPECT_EQ(s.planner.rescale_interval, std::chrono::minutes{5});
  EXPECT_EQ(s.plan_debounce, std::chrono::milliseconds{500});
  EXPECT_EQ(s.plan_max_delay, std::chrono::milliseconds{625});
  EXPECT_FALSE(s.start_as_leader) << "set_leader{true} comes after the caches synced";

  cfg.leader_election.enabled = false;
  cfg.autoscaler.plan_debounce = std::chrono::milliseconds{0};
  s = actors::settings_from(cfg);
  EXPECT_FALSE(s.start_as_leader) << "even without leader election";
  EXPECT_EQ(s.plan_max_delay, std::chrono::milliseconds{250}) << "at least a quarter second";
}

} // namespace
} // namespace lattice
